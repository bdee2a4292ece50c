// Readable summaries of a graph: one line on the tokens it fires on and the context it needs, and
// its paths one by one.
#pragma once

#include <string>
#include <vector>

#include "n2g/graph/trie.h"

namespace n2g {

// e.g. "fires on ' Captain' (1.00), ' Admiral' (0.62); context ' the', ' Mr'"
std::string describe_graph(const Trie& trie, const std::vector<std::string>& token_text, size_t max_tokens = 4);

// A path that ends: the activating token, the context before it (nearest first; kIgnoreToken for
// any token) and its END value (the normalised activation it predicts).
struct GraphPath {
  int32_t activating;
  std::vector<int32_t> context;
  float end;
};

// Every path with an END, the largest END first (then shorter context, then by tokens).
std::vector<GraphPath> graph_paths(const Trie& trie);

}  // namespace n2g
