// ALGORITHM.md section 2: importance of each token for each later activation, by masking.
#pragma once

#include <cstdint>
#include <vector>

#include "n2g/fit/oracle.h"

namespace n2g {

struct Saliency {
  std::vector<float> activations;               // [L] activations of the unmasked prompt
  std::vector<std::vector<float>> importance;   // [L][L] I[k][j]; 0 where k > j, a(y, j) == 0 or j > the last column asked for
};

// The whole importance matrix of every prompt: one oracle call for the unmasked prompts, one for
// the L masked variants of all prompts.
std::vector<Saliency> saliency(ActivationOracle& oracle, int32_t mask_token,
                               const std::vector<NeuronSequence>& prompts);

// The importance columns 0..last_column[p] of every prompt, given its unmasked activations
// ([L] each): masking token k changes nothing before k and the columns after last_column are
// never read, so only the variants k <= last_column run, each cut after last_column (the
// activations are causal). Without `diagonal`, I[k][k] is not needed (lines read I[k][j] for
// k < j only) and the variant k = last_column does not run either. last_column[p] < 0 runs
// nothing for that prompt. One oracle call.
std::vector<Saliency> saliency_columns(ActivationOracle& oracle, int32_t mask_token,
                                       const std::vector<NeuronSequence>& prompts,
                                       std::vector<std::vector<float>> activations,
                                       const std::vector<int32_t>& last_column, bool diagonal);

}  // namespace n2g
