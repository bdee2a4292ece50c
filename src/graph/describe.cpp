#include "n2g/graph/describe.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>

#include "n2g/graph/token_text.h"

namespace n2g {
namespace {

std::string quoted(int32_t token, const std::vector<std::string>& token_text) {
  std::string text;
  for (char c : token_display(token, token_text)) text += c == '\n' ? std::string("\\n") : std::string(1, c);
  return "'" + text + "'";
}

}  // namespace

std::string describe_graph(const Trie& trie, const std::vector<std::string>& token_text, size_t max_tokens) {
  std::vector<std::pair<float, int32_t>> firing;
  for (const auto& [token, id] : trie.root().children)
    if (trie.nodes()[id].activator) firing.emplace_back(trie.nodes()[id].importance, token);
  if (firing.empty()) return "no graph";
  std::sort(firing.begin(), firing.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::map<int32_t, float> context;  // strongest importance of each context token (below the first level)
  for (const auto& entry : trie.root().children) {
    std::vector<int32_t> below{entry.second};
    while (!below.empty()) {
      const TrieNode& node = trie.nodes()[below.back()];
      below.pop_back();
      for (const auto& [token, child] : node.children) {
        below.push_back(child);
        if (token != kIgnoreToken) context[token] = std::max(context[token], trie.nodes()[child].importance);
      }
    }
  }
  std::string out = "fires on ";
  for (size_t i = 0; i < firing.size() && i < max_tokens; ++i) {
    char value[16];
    std::snprintf(value, sizeof(value), " (%.2f)", firing[i].first);
    out += (i ? ", " : "") + quoted(firing[i].second, token_text) + value;
  }
  if (firing.size() > max_tokens) out += ", ...";
  std::vector<std::pair<float, int32_t>> strongest;
  for (const auto& [token, importance] : context) strongest.emplace_back(importance, token);
  std::sort(strongest.begin(), strongest.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  if (!strongest.empty()) out += "; context ";
  for (size_t i = 0; i < strongest.size() && i < max_tokens; ++i) out += (i ? ", " : "") + quoted(strongest[i].second, token_text);
  return out;
}

std::vector<GraphPath> graph_paths(const Trie& trie) {
  const auto& nodes = trie.nodes();
  const std::vector<int32_t> parent = trie.parents();
  std::vector<GraphPath> paths;
  for (size_t id = 1; id < nodes.size(); ++id) {
    if (!nodes[id].is_end()) continue;
    std::vector<int32_t> chain;  // this node up to the first level
    for (int32_t at = static_cast<int32_t>(id); at > 0; at = parent[at]) chain.push_back(nodes[at].token);
    paths.push_back({chain.back(), std::vector<int32_t>(chain.rbegin() + 1, chain.rend()), nodes[id].end_activation});
  }
  std::sort(paths.begin(), paths.end(), [](const GraphPath& a, const GraphPath& b) {
    if (a.end != b.end) return a.end > b.end;
    if (a.context.size() != b.context.size()) return a.context.size() < b.context.size();
    return std::tie(a.activating, a.context) < std::tie(b.activating, b.context);
  });
  return paths;
}

}  // namespace n2g
