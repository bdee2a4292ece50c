// ALGORITHM.md section 3: replace each token important for the pivot by substitutes and keep the
// variants that still activate the neuron.
#pragma once

#include <cstdint>
#include <vector>

#include "n2g/fit/oracle.h"
#include "n2g/fit/params.h"
#include "n2g/fit/saliency.h"
#include "n2g/fit/token_table.h"

namespace n2g {

// A prompt to augment: its tokens (tagged with the neuron), pivot and saliency.
struct AugmentInput {
  const NeuronSequence* prompt;
  int32_t pivot;
  const Saliency* saliency;
};

// Non-special positions k <= pivot with I[k][pivot] >= threshold (the pivot itself included).
std::vector<int32_t> important_positions(const std::vector<int32_t>& tokens, const Saliency& saliency,
                                         int32_t pivot, const TokenTable& table, double threshold);

// Up to `max_substitutes` candidates that differ from `original` in normalised text and have a letter.
std::vector<int32_t> filter_substitutes(const std::vector<int32_t>& candidates, int32_t original,
                                        const TokenTable& table, int max_substitutes);

// A kept augmentation: the prompt with substitutes, and the neuron's activations on it.
struct Augmented {
  std::vector<int32_t> tokens;     // [L], same length as the prompt
  std::vector<float> activations;  // [L]
};

// For each input, the kept augmented prompts. One substitutes call and one activations call for
// the whole wave.
std::vector<std::vector<Augmented>> augment(ActivationOracle& oracle, const TokenTable& table,
                                            const AugmentParams& params, const std::vector<AugmentInput>& inputs);

}  // namespace n2g
