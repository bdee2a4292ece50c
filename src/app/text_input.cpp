#include "n2g/app/text_input.h"

#include <fstream>
#include <utility>

#include "n2g/errors.h"

namespace n2g {
namespace {

// Bytes of `sample` that belong to no valid UTF-8 sequence (a sequence cut by the sample's end counts
// as valid).
size_t invalid_utf8_bytes(const std::string& sample) {
  size_t invalid = 0;
  for (size_t i = 0; i < sample.size();) {
    const auto byte = static_cast<unsigned char>(sample[i]);
    const size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
    bool valid = length > 0;
    for (size_t k = 1; valid && k < length && i + k < sample.size(); ++k)
      valid = (static_cast<unsigned char>(sample[i + k]) & 0xC0) == 0x80;
    if (!valid) {
      ++invalid;
      ++i;
    } else {
      i += length;
    }
  }
  return invalid;
}

}  // namespace

std::string binary_reason(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path + ": cannot open input");
  std::string sample(64 * 1024, '\0');
  in.read(sample.data(), static_cast<std::streamsize>(sample.size()));
  sample.resize(static_cast<size_t>(in.gcount()));
  const auto starts = [&](const std::string& magic) { return sample.compare(0, magic.size(), magic) == 0; };
  const std::pair<std::string, const char*> magics[] = {
      {"\x1F\x8B", "gzip-compressed"},           {"BZh", "bzip2-compressed"},
      {std::string("\xFD" "7zXZ\0", 6), "xz-compressed"}, {"\x28\xB5\x2F\xFD", "zstd-compressed"},
      {"PK\x03\x04", "a zip archive"},            {"7z\xBC\xAF\x27\x1C", "a 7-zip archive"},
      {"\x89HDF", "an HDF5 file"},                {"\x93NUMPY", "a numpy array"}};
  for (const auto& [magic, what] : magics)
    if (starts(magic)) return std::string("is ") + what;
  if (sample.find('\0') != std::string::npos) return "holds NUL bytes (binary data)";
  if (!sample.empty() && invalid_utf8_bytes(sample) * 5 > sample.size()) return "is mostly not UTF-8 (binary data)";
  return "";
}

}  // namespace n2g
