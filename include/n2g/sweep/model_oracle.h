// The activation oracle of the fit stage backed by the transformer: deduplicates the wave's
// sequences, groups them by length (no padding), runs them in batches of about `batch_tokens`
// tokens to the wave's layer only, computing in that layer only the neurons the batch asks for
// (gelu/relu MLPs), and reads each sequence's neuron on the device.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "n2g/fit/oracle.h"
#include "n2g/model/transformer.h"

namespace n2g {

class ModelOracle : public ActivationOracle {
 public:
  // `hook_kind`: mlp.hook_post etc.; `bos` prepended when >= 0.
  // `min_tokens_saved_per_call`: saliency uses a key/value prefix for a group of prompts only where
  // it saves this many forward tokens per extra forward call; 0 estimates it from the model's width
  // (a call's fixed cost in tokens: 38 at d_model 128, 1 at 768).
  ModelOracle(const Transformer& model, int layer, const std::string& hook_kind, int32_t bos, int64_t batch_tokens,
              int64_t min_tokens_saved_per_call = 0);

  std::vector<std::vector<float>> activations(const std::vector<NeuronSequence>& batch) override;
  // Each distinct prompt runs once and keeps its keys and values; a variant runs from its masked
  // position on (key/value prefix): about half the tokens of running every variant whole, for one
  // forward call per masked position; groups where that does not pay run whole.
  std::vector<std::vector<float>> masked_activations(const std::vector<NeuronSequence>& prompts, int32_t mask_token,
                                                     const std::vector<MaskedVariant>& variants) override;
  std::vector<std::vector<int32_t>> substitutes(const std::vector<SubstituteRequest>& requests, AugmentMethod method,
                                                int max_candidates, double min_prob) override;

  double forward_seconds() const { return forward_seconds_; }  // time spent in model forwards
  int64_t forward_tokens() const override { return forward_tokens_; }

 private:
  // Groups of row indices with equal-length sequences, each group at most about batch_tokens.
  std::vector<std::vector<size_t>> plan(const std::vector<const std::vector<int32_t>*>& sequences) const;
  // Numbers the neurons' hook columns (`column_of`: neuron -> column) and returns the columns to
  // compute, or none where the MLP computes every neuron (the column is then the neuron).
  at::Tensor hook_columns(std::map<int32_t, int64_t>& column_of) const;
  at::Tensor input(const std::vector<const std::vector<int32_t>*>& sequences, const std::vector<size_t>& rows) const;
  std::vector<std::vector<int32_t>> lm_substitutes(const std::vector<SubstituteRequest>& requests, int max_candidates,
                                                   double min_prob);
  std::vector<std::vector<int32_t>> embedding_substitutes(const std::vector<SubstituteRequest>& requests, int max_candidates);

  const Transformer& model_;
  std::string hook_;
  int32_t bos_;
  int64_t batch_tokens_;
  at::Tensor normalized_embedding_;  // [V, D], made on first use
  int64_t min_tokens_saved_per_call_;  // a key/value prefix must save this many tokens a forward call
  double forward_seconds_ = 0;
  int64_t forward_tokens_ = 0;
};

}  // namespace n2g
