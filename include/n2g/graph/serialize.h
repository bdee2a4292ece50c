// Conversion between the trie and the flat node arrays of the atlas (FORMATS.md, /graphs/*),
// and a compact JSON form for people.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "n2g/graph/trie.h"

namespace n2g {

// One neuron's slice of the atlas node arrays; parents come before children.
struct FlatGraph {
  std::vector<int32_t> token;          // [M] node token id, kIgnoreToken for IGNORE
  std::vector<int32_t> parent;         // [M] parent's position in this slice, -1 under the root
  std::vector<float> importance;       // [M]
  std::vector<float> end_activation;   // [M] NaN where no path ends
  std::vector<uint8_t> activator;      // [M]

  size_t size() const { return token.size(); }
};

FlatGraph flatten(const Trie& trie);

// Rebuilds a trie; throws FormatError if the arrays disagree in length or a parent does not come
// before its child.
Trie unflatten(const FlatGraph& flat);

// Nested JSON: {"token": id, "text": "...", "importance": x, "end": y, "activator": b, "children": [...]}
// `token_text` gives the display string of an id (IGNORE is written as "*").
std::string to_json(const Trie& trie, const std::vector<std::string>& token_text, int indent = -1);

}  // namespace n2g
