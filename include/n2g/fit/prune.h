// ALGORITHM.md section 1: prune each train window to the shortest context that keeps its pivot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "n2g/fit/oracle.h"
#include "n2g/fit/params.h"
#include "n2g/fit/token_table.h"

namespace n2g {

// A train window of one neuron with the neuron's activations on it.
struct WindowActivations {
  int32_t neuron;
  const std::vector<int32_t>* tokens;     // [window_len], no BOS
  const std::vector<float>* activations;  // [window_len]
  std::vector<int32_t> pivots;            // chosen by the caller; empty: find_pivots
};

struct PrunedPrompt {
  size_t window;                // index into the prune() input
  std::vector<int32_t> tokens;  // [L]: context, pivot, then up to post_context following tokens
  int32_t pivot;                // pivot position in `tokens`
  float scale;                  // a(window, p) / a(prompt, pivot)
};

// Non-special positions whose activation is >= pivot_threshold * the window's max; none when
// that max is <= 0.
std::vector<int32_t> find_pivots(const std::vector<int32_t>& tokens, const std::vector<float>& activations,
                                 const TokenTable& table, double pivot_threshold);

// Prunes every window of the wave; each round of candidates of every window is one oracle call.
std::vector<PrunedPrompt> prune(ActivationOracle& oracle, const TokenTable& table, const PruneParams& params,
                                const std::vector<WindowActivations>& windows);

}  // namespace n2g
