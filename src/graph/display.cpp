#include "n2g/graph/display.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "n2g/graph/token_text.h"

namespace n2g {
namespace {

struct Builder {
  const Trie& trie;
  DisplayGraph graph;
  std::map<std::pair<int32_t, int32_t>, int32_t> index;  // (depth, token) -> display node
  std::set<std::pair<int32_t, int32_t>> edges;

  // Visits trie node `id` at `depth`; `above` is the display node of its nearest shown ancestor.
  void visit(int32_t id, int32_t depth, int32_t above) {
    const TrieNode& node = trie.nodes()[id];
    int32_t shown = above;
    if (node.token != kIgnoreToken) {
      shown = merge(node, depth);
      if (above >= 0) edges.emplace(above, shown);
    }
    for (const auto& entry : node.children) visit(entry.second, depth + 1, shown);
  }

  int32_t merge(const TrieNode& node, int32_t depth) {
    const auto key = std::make_pair(depth, node.token);
    auto found = index.find(key);
    if (found == index.end()) {
      found = index.emplace(key, static_cast<int32_t>(graph.nodes.size())).first;
      graph.nodes.push_back({depth, node.token, 0.0f, 0.0f, false, false});
    }
    DisplayNode& shown = graph.nodes[found->second];
    if (node.activator) shown.activation = std::max(shown.activation, node.importance);
    else shown.importance = std::max(shown.importance, node.importance);
    shown.activator = shown.activator || node.activator;
    shown.ends_path = shown.ends_path || node.is_end();
    return found->second;
  }
};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\\\n";
    else if (c == '\t') out += "\\\\t";
    else out += c;
  }
  return out;
}

// Fill colour with alpha proportional to `strength` in [0, 1].
std::string shade(const char* rgb, float strength) {
  const int alpha = static_cast<int>(std::clamp(strength, 0.0f, 1.0f) * 255.0f + 0.5f);
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "#%s%02x", rgb, alpha);
  return buffer;
}

}  // namespace

DisplayGraph display_graph(const Trie& trie) {
  Builder builder{trie, {}, {}, {}};
  // Activating tokens strongest first, so that a long list reads from the top down.
  std::vector<int32_t> first;
  for (const auto& entry : trie.root().children) first.push_back(entry.second);
  std::stable_sort(first.begin(), first.end(), [&trie](int32_t a, int32_t b) {
    return trie.nodes()[a].importance > trie.nodes()[b].importance;
  });
  for (int32_t node : first) builder.visit(node, 1, -1);
  builder.graph.edges.assign(builder.edges.begin(), builder.edges.end());
  return builder.graph;
}

std::string to_dot(const DisplayGraph& graph, const std::vector<std::string>& token_text,
                   const std::string& title) {
  std::ostringstream dot;
  dot << "digraph \"" << escape(title) << "\" {\n"
      << "  rankdir=RL;\n"
      << "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n";
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const DisplayNode& node = graph.nodes[i];
    const std::string fill = node.activator ? shade("ff0000", node.activation) : shade("0000ff", node.importance);
    dot << "  n" << i << " [label=\"" << escape(token_display(node.token, token_text)) << "\", fillcolor=\""
        << fill << "\"" << (node.ends_path ? ", penwidth=3" : "") << "];\n";
  }
  for (const auto& [from, to] : graph.edges) dot << "  n" << from << " -> n" << to << ";\n";
  dot << "}\n";
  return dot.str();
}

}  // namespace n2g
