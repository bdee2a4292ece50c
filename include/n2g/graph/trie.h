// The N2G trie (ALGORITHM.md sections 4 and 5): activating tokens at the first level, context
// tokens walking backwards below them, IGNORE wildcards, and END values folded into the node
// where a line ends.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <vector>

namespace n2g {

// Token id of the wildcard that matches any token.
constexpr int32_t kIgnoreToken = -1;

// One element of a line: a token (or kIgnoreToken) and the importance it had.
struct LineElement {
  int32_t token;
  float importance;
};

// A line: element 0 is the activating token (its importance field holds its normalised
// activation), the rest are context tokens walking backwards; the line ends with END carrying
// `end_activation`.
struct Line {
  std::vector<LineElement> elements;
  float end_activation;
  bool activator = true;  // whether element 0's token activated (always true for built lines)
};

struct TrieNode {
  int32_t token = kIgnoreToken;
  float importance = 0.0f;        // max importance seen (activation for first-level nodes)
  float end_activation = std::numeric_limits<float>::quiet_NaN();  // END child's value, NaN if none
  bool activator = false;
  std::map<int32_t, int32_t> children;  // token -> node id; kIgnoreToken sorts first

  bool is_end() const { return !std::isnan(end_activation); }
};

struct NodeCounts {
  int64_t total = 0;       // every node but the root
  int64_t activating = 0;  // first-level nodes whose token activated
  int64_t context = 0;     // every deeper node
};

class Trie {
 public:
  Trie();

  // Inserts a line root first; shared prefixes share nodes, a repeated end keeps the larger value.
  void insert(const Line& line);

  // ALGORITHM.md section 4: wherever a node has an IGNORE child and other children, the others'
  // paths are copied under IGNORE and the others are deleted unless they end a path; a kept end
  // child also receives the IGNORE paths, so it never hides what the wildcard would match.
  void merge_ignores();

  // Predicted activation at every position of `tokens` (section 5). Positions whose token
  // `skip` accepts predict 0 and are stepped over when walking back through context.
  std::vector<float> predict(const std::vector<int32_t>& tokens,
                             const std::function<bool(int32_t)>& skip) const;

  // The nodes that predicting position `i` walks through, first level first, into `path` (cleared
  // first, so that one buffer serves every position); empty when x_i has no activating first-level
  // node.
  void walk(const std::vector<int32_t>& tokens, size_t i, const std::function<bool(int32_t)>& skip,
            std::vector<int32_t>& path) const;

  // Gives `node` an END carrying `value` (replacing any it had).
  void set_end(int32_t node, float value) { nodes_[node].end_activation = value; }

  // Removes leaves for which `redundant(leaf, parent)` holds, again and again until none does
  // (a parent left childless is asked next), then renumbers the nodes breadth first.
  void remove_leaves(const std::function<bool(int32_t leaf, int32_t parent)>& redundant);

  NodeCounts counts() const;

  // Each node's parent ([node]; -1 for the root).
  std::vector<int32_t> parents() const;

  // Node 0 is the root; nodes are stored parents before children (breadth first).
  const std::vector<TrieNode>& nodes() const { return nodes_; }
  const TrieNode& root() const { return nodes_[0]; }

  // Builds a trie from nodes given parents first; used by deserialisation.
  int32_t add_child(int32_t parent, const TrieNode& node);

 private:
  int32_t child_or_create(int32_t parent, int32_t token);
  void merge_children_into(int32_t destination, int32_t source);
  void compact();

  std::vector<TrieNode> nodes_;
};

}  // namespace n2g
