// The few Unicode facts the byte-level BPE tokenizer needs: UTF-8 decoding (with the "maximal
// subpart" replacement rule), encoding, and the letter / number / whitespace classes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace n2g {

struct CodePointRange {
  uint32_t first;
  uint32_t last;
};

extern const std::vector<CodePointRange> kLetterRanges;  // general category L*
extern const std::vector<CodePointRange> kNumberRanges;  // general category N*

struct DecodedCodePoint {
  uint32_t code_point;  // U+FFFD when invalid
  size_t length;        // bytes consumed: the sequence, or its maximal valid prefix (>= 1)
  bool valid;
};

// Decodes the code point starting at byte `pos` of `text`.
DecodedCodePoint decode_utf8(const std::string& text, size_t pos);

void append_utf8(std::string& out, uint32_t code_point);

// Bytes as UTF-8 text, each maximal invalid subsequence replaced by one U+FFFD.
std::string utf8_lossy(const std::string& bytes);

// Bytes as UTF-8 text, each byte of an invalid subsequence written as \xNN (lower-case hex): the
// display of a token holding part of a multi-byte character, distinct for every such token.
std::string utf8_escaped(const std::string& bytes);

bool is_letter(uint32_t code_point);
bool is_number(uint32_t code_point);
// The Unicode White_Space property (what the reference regex's \s matches).
bool is_whitespace(uint32_t code_point);

}  // namespace n2g
