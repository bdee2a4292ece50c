#include "n2g/graph/describe.h"

#include <algorithm>
#include <cstdio>
#include <map>

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
  // Nodes are stored breadth first: everything after the first level is context.
  std::map<int32_t, float> context;  // strongest importance of each context token
  for (size_t id = 1 + trie.root().children.size(); id < trie.nodes().size(); ++id) {
    const TrieNode& node = trie.nodes()[id];
    if (node.token != kIgnoreToken) context[node.token] = std::max(context[node.token], node.importance);
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

}  // namespace n2g
