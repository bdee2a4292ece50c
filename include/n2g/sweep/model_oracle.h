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
  // How saliency runs masked variants: from a key/value prefix, whole, or as measured to pay for the
  // model (a prefix on CPUs for d_model >= 512, such as GPT-2 small; whole elsewhere).
  enum class MaskedPath { by_model, prefix, whole };
  // `hook_kind`: mlp.hook_post etc.; `bos` prepended when >= 0.
  ModelOracle(const Transformer& model, int layer, const std::string& hook_kind, int32_t bos, int64_t batch_tokens,
              MaskedPath masked_path = MaskedPath::by_model);

  std::vector<std::vector<float>> activations(const std::vector<NeuronSequence>& batch) override;
  // With a prefix: each distinct prompt runs once and keeps its keys and values, and a variant runs
  // from its masked position on: about half the tokens of running every variant whole, for one
  // more forward call per masked position.
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
  bool prefix_;  // masked variants from a key/value prefix
  double forward_seconds_ = 0;
  int64_t forward_tokens_ = 0;
};

}  // namespace n2g
