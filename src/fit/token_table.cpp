#include "n2g/fit/token_table.h"

#include <algorithm>
#include <cctype>

namespace n2g {

TokenTable::TokenTable(std::vector<std::string> display, const std::vector<int32_t>& special)
    : display_(std::move(display)), special_(special) {}

const std::string* TokenTable::text(int32_t token) const {
  if (token < 0 || static_cast<size_t>(token) >= display_.size()) return nullptr;
  return &display_[token];
}

bool TokenTable::is_special(int32_t token) const {
  return std::find(special_.begin(), special_.end(), token) != special_.end();
}

bool TokenTable::ends_sentence(int32_t token) const {
  const std::string* s = text(token);
  return s && s->find_first_of(".!\n") != std::string::npos;
}

bool TokenTable::has_letter(int32_t token) const {
  const std::string* s = text(token);
  if (!s) return false;
  return std::any_of(s->begin(), s->end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || std::isalpha(u);
  });
}

std::string TokenTable::normalized(int32_t token) const {
  const std::string* s = text(token);
  if (!s) return "#" + std::to_string(token);
  std::string out;
  for (char c : *s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && (std::isspace(u) || std::ispunct(u))) continue;
    out += static_cast<char>(std::tolower(u));
  }
  return out;
}

}  // namespace n2g
