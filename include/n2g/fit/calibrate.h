// n2g+ (ALGORITHM.md, "N2G+"): the graph learns from every train position, not only from the lines
// of its pruned prompts. Tokens that fire join the first level, and every node's END value becomes
// the neuron's mean normalised activation over the train positions that reach it, shrunk towards
// its parent's value so that a context seen once does not outweigh a token seen often.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include "n2g/fit/token_table.h"
#include "n2g/graph/trie.h"

namespace n2g {

// A train window with the neuron's normalised activations ([L] each).
struct TrainWindow {
  const std::vector<int32_t>* tokens;
  const std::vector<float>* normalised;
};

// Adds a one-token line for every non-special token that reaches `activation_threshold` (normalised)
// at `min_firings` train positions or more, carrying its largest activation: the token-level
// fallback where no context path matches.
void add_firing_tokens(Trie& graph, const std::vector<TrainWindow>& windows, const TokenTable& table,
                       double activation_threshold, int min_firings = 1);

struct CalibrationParams {
  double activation_threshold = 0.5;  // a train position fires when its normalised activation reaches this
  double prior_weight = 2.0;          // pseudo-positions shrinking a context node's rate to its parent's
  int min_firings = 1;                // train firings a firing token needs to stay on the graph
};

// Calibrates the graph on the train positions (call after merge_ignores). Each node's firing rate
// over the positions whose walk ends there is shrunk towards its parent's rate with `prior_weight`
// pseudo-positions (first-level nodes: no shrinking). A first-level token on the graph only as a
// firing token (not in `line_tokens`, the first level the pruned prompts' lines made) stays only if
// it fires at `min_firings` train positions or more. The rate threshold is chosen per neuron on the train positions only: of {0.10, 0.15, ..., 0.60}, the one
// whose leave-one-position-out rates give the best firing F1 (the higher on ties); left out, a
// firing token needs `min_firings` without the position itself. A node at or above the threshold
// gets an END with the mean activation of its firing positions, one below it the mean of its quiet
// ones (a context known not to fire); nodes no train position reaches (paths of augmented prompts
// only) keep their END. Firing tokens below the support are then removed, and every leaf whose
// prediction (fire or not) equals what a position would get without it. Returns the chosen
// threshold.
double calibrate_ends(Trie& graph, const std::vector<TrainWindow>& windows, const TokenTable& table,
                      const CalibrationParams& params, const std::set<int32_t>& line_tokens = {});

}  // namespace n2g
