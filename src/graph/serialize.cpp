#include "n2g/graph/serialize.h"

#include <nlohmann/json.hpp>

#include "n2g/errors.h"
#include "n2g/graph/token_text.h"

namespace n2g {

FlatGraph flatten(const Trie& trie) {
  // Nodes are stored breadth first, so node id - 1 is already a parents-first order.
  const auto& nodes = trie.nodes();
  FlatGraph flat;
  const std::vector<int32_t> parent = trie.parents();  // flat ids are trie ids - 1; the root's children get -1
  for (size_t id = 1; id < nodes.size(); ++id) {
    flat.token.push_back(nodes[id].token);
    flat.parent.push_back(parent[id] - 1);
    flat.importance.push_back(nodes[id].importance);
    flat.end_activation.push_back(nodes[id].end_activation);
    flat.activator.push_back(nodes[id].activator ? 1 : 0);
  }
  return flat;
}

Trie unflatten(const FlatGraph& flat) {
  const size_t m = flat.token.size();
  if (flat.parent.size() != m || flat.importance.size() != m || flat.end_activation.size() != m ||
      flat.activator.size() != m)
    throw FormatError("graph node arrays have different lengths (token has " + std::to_string(m) + ")");
  Trie trie;
  std::vector<int32_t> id_of(m);
  for (size_t i = 0; i < m; ++i) {
    const int32_t parent = flat.parent[i];
    if (parent < -1 || parent >= static_cast<int32_t>(i))
      throw FormatError("graph node " + std::to_string(i) + " has parent " + std::to_string(parent) +
                        ", which does not come before it");
    TrieNode node;
    node.token = flat.token[i];
    node.importance = flat.importance[i];
    node.end_activation = flat.end_activation[i];
    node.activator = flat.activator[i] != 0;
    id_of[i] = trie.add_child(parent < 0 ? 0 : id_of[parent], node);
  }
  return trie;
}

namespace {

nlohmann::json node_json(const Trie& trie, int32_t id, const std::vector<std::string>& token_text) {
  const TrieNode& node = trie.nodes()[id];
  nlohmann::json out;
  out["token"] = node.token;
  out["text"] = token_display(node.token, token_text);
  out["importance"] = node.importance;
  if (node.is_end()) out["end"] = node.end_activation;
  if (node.activator) out["activator"] = true;
  if (!node.children.empty()) {
    out["children"] = nlohmann::json::array();
    for (const auto& entry : node.children) out["children"].push_back(node_json(trie, entry.second, token_text));
  }
  return out;
}

}  // namespace

std::string to_json(const Trie& trie, const std::vector<std::string>& token_text, int indent) {
  nlohmann::json roots = nlohmann::json::array();
  for (const auto& entry : trie.root().children) roots.push_back(node_json(trie, entry.second, token_text));
  return roots.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace n2g
