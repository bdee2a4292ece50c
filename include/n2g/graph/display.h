// The display graph (ALGORITHM.md section 4): IGNORE and END removed, the same token at the same
// depth merged into one node; and its Graphviz DOT.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "n2g/graph/trie.h"

namespace n2g {

struct DisplayNode {
  int32_t depth;       // 1 = activating level, 2 = the token before it, ...
  int32_t token;
  float activation;    // max normalised activation (activating nodes)
  float importance;    // max importance (context nodes)
  bool activator;
  bool ends_path;
};

struct DisplayGraph {
  std::vector<DisplayNode> nodes;
  std::vector<std::pair<int32_t, int32_t>> edges;  // (node nearer the activating token, context node)
};

// Activating nodes come strongest first (by the activation their trie node records), then their
// context depth first.
DisplayGraph display_graph(const Trie& trie);

// DOT laid out right to left like the paper's figures: activating nodes red by activation, context
// nodes blue by importance, nodes that end a path with a bold outline.
std::string to_dot(const DisplayGraph& graph, const std::vector<std::string>& token_text,
                   const std::string& title = "neuron");

}  // namespace n2g
