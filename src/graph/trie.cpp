#include "n2g/graph/trie.h"

#include <algorithm>
#include <deque>

namespace n2g {
namespace {

float max_end(float a, float b) {
  if (std::isnan(a)) return b;
  if (std::isnan(b)) return a;
  return std::max(a, b);
}

}  // namespace

Trie::Trie() : nodes_(1) {}

int32_t Trie::child_or_create(int32_t parent, int32_t token) {
  auto found = nodes_[parent].children.find(token);
  if (found != nodes_[parent].children.end()) return found->second;
  TrieNode node;
  node.token = token;
  return add_child(parent, node);
}

int32_t Trie::add_child(int32_t parent, const TrieNode& node) {
  const auto id = static_cast<int32_t>(nodes_.size());
  nodes_.push_back(node);
  nodes_.back().children.clear();
  nodes_[parent].children[node.token] = id;
  return id;
}

void Trie::insert(const Line& line) {
  int32_t node = 0;
  for (size_t e = 0; e < line.elements.size(); ++e) {
    node = child_or_create(node, line.elements[e].token);
    TrieNode& current = nodes_[node];
    current.importance = std::max(current.importance, line.elements[e].importance);
    if (e == 0) current.activator = current.activator || line.activator;
  }
  if (node != 0) nodes_[node].end_activation = max_end(nodes_[node].end_activation, line.end_activation);
}

void Trie::merge_children_into(int32_t destination, int32_t source) {
  const auto children = nodes_[source].children;  // copy: nodes_ may grow below
  for (const auto& [token, child] : children) {
    const int32_t target = child_or_create(destination, token);
    const TrieNode& from = nodes_[child];
    TrieNode& to = nodes_[target];
    to.importance = std::max(to.importance, from.importance);
    to.end_activation = max_end(to.end_activation, from.end_activation);
    to.activator = to.activator || from.activator;
    merge_children_into(target, child);
  }
}

void Trie::merge_ignores() {
  std::deque<int32_t> queue{0};
  while (!queue.empty()) {
    const int32_t node = queue.front();
    queue.pop_front();
    auto& children = nodes_[node].children;
    const auto ignore = children.find(kIgnoreToken);
    if (ignore != children.end() && children.size() > 1) {
      const int32_t wildcard = ignore->second;
      std::vector<int32_t> specific;
      for (const auto& [token, child] : children)
        if (token != kIgnoreToken) specific.push_back(child);
      for (int32_t child : specific) merge_children_into(wildcard, child);
      for (int32_t child : specific) {
        if (nodes_[child].is_end())
          merge_children_into(child, wildcard);
        else
          nodes_[node].children.erase(nodes_[child].token);
      }
    }
    for (const auto& entry : nodes_[node].children) queue.push_back(entry.second);
  }
  compact();
}

void Trie::compact() {
  std::vector<TrieNode> ordered{nodes_[0]};
  ordered[0].children.clear();
  std::deque<std::pair<int32_t, int32_t>> queue{{0, 0}};  // (old id, new id)
  while (!queue.empty()) {
    const auto [old_id, new_id] = queue.front();
    queue.pop_front();
    for (const auto& [token, child] : nodes_[old_id].children) {
      const auto id = static_cast<int32_t>(ordered.size());
      ordered.push_back(nodes_[child]);
      ordered.back().children.clear();
      ordered[new_id].children[token] = id;
      queue.emplace_back(child, id);
    }
  }
  nodes_ = std::move(ordered);
}

void Trie::walk(const std::vector<int32_t>& tokens, size_t i, const std::function<bool(int32_t)>& skip,
                std::vector<int32_t>& path) const {
  path.clear();
  if (skip(tokens[i])) return;
  const auto first = root().children.find(tokens[i]);
  if (first == root().children.end() || !nodes_[first->second].activator) return;
  path.push_back(first->second);
  for (size_t j = i; j-- > 0;) {
    if (skip(tokens[j])) continue;
    const auto& children = nodes_[path.back()].children;
    auto next = children.find(tokens[j]);
    if (next == children.end()) next = children.find(kIgnoreToken);
    if (next == children.end()) break;
    path.push_back(next->second);
  }
}

std::vector<float> Trie::predict(const std::vector<int32_t>& tokens,
                                 const std::function<bool(int32_t)>& skip) const {
  std::vector<float> predicted(tokens.size(), 0.0f);
  std::vector<int32_t> path;
  for (size_t i = 0; i < tokens.size(); ++i) {
    walk(tokens, i, skip, path);
    for (int32_t node : path)
      if (nodes_[node].is_end()) predicted[i] = nodes_[node].end_activation;
  }
  return predicted;
}

std::vector<int32_t> Trie::parents() const {
  std::vector<int32_t> parent(nodes_.size(), -1);
  for (size_t node = 0; node < nodes_.size(); ++node)
    for (const auto& entry : nodes_[node].children) parent[entry.second] = static_cast<int32_t>(node);
  return parent;
}

void Trie::remove_leaves(const std::function<bool(int32_t leaf, int32_t parent)>& redundant) {
  std::vector<int32_t> parent = parents();
  for (bool removed = true; removed;) {
    removed = false;
    for (size_t node = nodes_.size(); node-- > 1;) {  // children before parents
      if (parent[node] < 0 || !nodes_[node].children.empty() || !redundant(static_cast<int32_t>(node), parent[node])) continue;
      nodes_[parent[node]].children.erase(nodes_[node].token);
      parent[node] = -1;
      removed = true;
    }
  }
  compact();
}

NodeCounts Trie::counts() const {
  NodeCounts counts;
  counts.total = static_cast<int64_t>(nodes_.size()) - 1;
  for (const auto& entry : root().children)
    if (nodes_[entry.second].activator) ++counts.activating;
  counts.context = counts.total - static_cast<int64_t>(root().children.size());
  return counts;
}

}  // namespace n2g
