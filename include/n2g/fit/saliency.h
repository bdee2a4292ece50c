// ALGORITHM.md section 2: importance of each token for each later activation, by masking.
#pragma once

#include <cstdint>
#include <vector>

#include "n2g/fit/oracle.h"

namespace n2g {

struct Saliency {
  std::vector<float> activations;               // [L] activations of the unmasked prompt
  std::vector<std::vector<float>> importance;   // [L][L] I[k][j]; 0 where k > j or a(y, j) == 0
};

// Saliency of every prompt; the L + 1 sequences of all prompts go to the oracle in one call.
std::vector<Saliency> saliency(ActivationOracle& oracle, int32_t mask_token,
                               const std::vector<NeuronSequence>& prompts);

}  // namespace n2g
