#include "n2g/graph/token_text.h"

#include "n2g/graph/trie.h"

namespace n2g {

std::string token_display(int32_t token, const std::vector<std::string>& token_text) {
  if (token == kIgnoreToken) return "*";
  if (token >= 0 && static_cast<size_t>(token) < token_text.size()) return token_text[token];
  return "#" + std::to_string(token);
}

}  // namespace n2g
