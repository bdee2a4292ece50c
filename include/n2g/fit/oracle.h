// The only way the fit code reaches a model: a batched activation oracle. One call carries the
// sequences of many neurons of one layer, each tagged with its neuron; an implementation sorts,
// packs and deduplicates them as it likes. Sequences never include BOS: the oracle prepends it
// (model.prepend_bos) and returns one value per given token.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace n2g {

enum class AugmentMethod { none, embedding, lm };

struct NeuronSequence {
  int32_t neuron;               // index within the oracle's layer
  std::vector<int32_t> tokens;  // [L], no BOS
};

// Substitutes for one position of a prompt.
struct SubstituteRequest {
  std::vector<int32_t> prefix;  // tokens before the position (no BOS): the lm method's context
  int32_t original;             // the token being replaced: the embedding method's query
};

class ActivationOracle {
 public:
  virtual ~ActivationOracle() = default;

  // result[s][j] = activation of batch[s].neuron at position j of batch[s].tokens.
  virtual std::vector<std::vector<float>> activations(const std::vector<NeuronSequence>& batch) = 0;

  // result[v][j] = activation of prompts[p].neuron at position j of prompts[p] with its token at
  // `position` replaced by `mask_token`, for each variant v = (p, position). By default each variant
  // runs whole through activations(); an oracle may compute the positions before the mask once
  // per prompt (they are the prompt's own) and run only the rest.
  struct MaskedVariant {
    size_t prompt;
    int32_t position;
  };
  virtual std::vector<std::vector<float>> masked_activations(const std::vector<NeuronSequence>& prompts, int32_t mask_token,
                                                             const std::vector<MaskedVariant>& variants);

  // result[r] = candidate token ids for request r, best first, at most `max_candidates`; the lm
  // method keeps candidates with probability >= min_prob.
  virtual std::vector<std::vector<int32_t>> substitutes(const std::vector<SubstituteRequest>& requests,
                                                        AugmentMethod method, int max_candidates,
                                                        double min_prob) = 0;

  // Tokens run through the model so far (BOS included, each distinct sequence once): the cost the
  // fit stage reports per stage.
  virtual int64_t forward_tokens() const = 0;
};

}  // namespace n2g
