// One readable line about a graph: the tokens it fires on and the context it needs.
#pragma once

#include <string>
#include <vector>

#include "n2g/graph/trie.h"

namespace n2g {

// e.g. "fires on ' Captain' (1.00), ' Admiral' (0.62); context ' the', ' Mr'"
std::string describe_graph(const Trie& trie, const std::vector<std::string>& token_text, size_t max_tokens = 4);

}  // namespace n2g
