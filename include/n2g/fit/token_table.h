// What the fit stage needs to know about token ids: which are BOS / end-of-text (never pivots,
// context or nodes), which end a sentence, and their normalised text for substitute filtering.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace n2g {

class TokenTable {
 public:
  // `display[id]` is the token's text; ids beyond it have no text (never end a sentence, never
  // accepted as substitutes). `special` lists BOS / end-of-text / padding ids.
  TokenTable(std::vector<std::string> display, const std::vector<int32_t>& special);

  bool is_special(int32_t token) const;
  // Contains '.', '!' or a newline.
  bool ends_sentence(int32_t token) const;
  // Has an ASCII letter or a non-ASCII (UTF-8) character.
  bool has_letter(int32_t token) const;
  // Lower-cased with spaces and ASCII punctuation removed.
  std::string normalized(int32_t token) const;
  const std::vector<std::string>& display() const { return display_; }

 private:
  const std::string* text(int32_t token) const;

  std::vector<std::string> display_;
  std::vector<int32_t> special_;
};

}  // namespace n2g
