#include "n2g/tokenizer/unicode.h"

#include <algorithm>

namespace n2g {
namespace {

bool in_ranges(const std::vector<CodePointRange>& ranges, uint32_t cp) {
  const auto after = std::upper_bound(ranges.begin(), ranges.end(), cp,
                                      [](uint32_t value, const CodePointRange& r) { return value < r.first; });
  return after != ranges.begin() && cp <= std::prev(after)->last;
}

bool continuation(unsigned char byte, unsigned char low = 0x80, unsigned char high = 0xBF) {
  return byte >= low && byte <= high;
}

}  // namespace

DecodedCodePoint decode_utf8(const std::string& text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const size_t available = text.size() - pos;
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1, true};
  size_t length;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte (Unicode Table 3-7)
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {0xFFFD, 1, false};
  }
  uint32_t cp = lead & (0xFF >> (length + 1));
  for (size_t i = 1; i < length; ++i) {
    const bool ok = i < available && (i == 1 ? continuation(byte(i), low, high) : continuation(byte(i)));
    if (!ok) return {0xFFFD, i, false};
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  return {cp, length, true};
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string utf8_lossy(const std::string& bytes) {
  std::string out;
  for (size_t pos = 0; pos < bytes.size();) {
    const DecodedCodePoint d = decode_utf8(bytes, pos);
    if (d.valid) out.append(bytes, pos, d.length);
    else append_utf8(out, 0xFFFD);
    pos += d.length;
  }
  return out;
}

std::string utf8_escaped(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t pos = 0; pos < bytes.size();) {
    const DecodedCodePoint d = decode_utf8(bytes, pos);
    if (d.valid) {
      out.append(bytes, pos, d.length);
    } else {
      for (size_t i = pos; i < pos + d.length; ++i) {
        const auto byte = static_cast<unsigned char>(bytes[i]);
        out += std::string("\\x") + kHex[byte >> 4] + kHex[byte & 15];
      }
    }
    pos += d.length;
  }
  return out;
}

bool is_letter(uint32_t cp) { return in_ranges(kLetterRanges, cp); }
bool is_number(uint32_t cp) { return in_ranges(kNumberRanges, cp); }

bool is_whitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

}  // namespace n2g
