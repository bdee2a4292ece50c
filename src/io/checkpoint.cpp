#include "n2g/io/checkpoint.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "n2g/errors.h"
#include "n2g/io/staged.h"

namespace n2g {
namespace {

constexpr char kMagic[8] = {'N', '2', 'G', 'C', 'K', 'P', 'T', '1'};

uint64_t fnv1a(const char* data, size_t size) {
  uint64_t hash = 1469598103934665603ULL;
  for (size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(data[i]);
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

uint64_t fingerprint(const std::string& text) { return fnv1a(text.data(), text.size()); }

void write_checkpoint(const std::string& path, uint64_t config_fingerprint, const std::vector<char>& payload) {
  StagedFile file(path, path + ".tmp");  // the temporary goes if the write fails
  const uint64_t size = payload.size(), checksum = fnv1a(payload.data(), payload.size());
  const auto bytes = [](const auto& value) { return std::string_view(reinterpret_cast<const char*>(&value), sizeof(value)); };
  try {
    write_file_checked(file.temporary(), {std::string_view(kMagic, sizeof(kMagic)), bytes(config_fingerprint), bytes(size),
                                          std::string_view(payload.data(), payload.size()), bytes(checksum)});
  } catch (const FormatError& error) {
    throw FormatError(std::string(error.what()) + ": cannot write the checkpoint (is the disk full or the quota reached?)");
  }
  file.commit();
}

std::optional<std::vector<char>> read_checkpoint(const std::string& path, uint64_t config_fingerprint) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t header = sizeof(kMagic) + 16;
  if (bytes.size() < header + 8 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) return std::nullopt;
  uint64_t stored_fingerprint, size, checksum;
  std::memcpy(&stored_fingerprint, bytes.data() + 8, 8);
  std::memcpy(&size, bytes.data() + 16, 8);
  if (stored_fingerprint != config_fingerprint || bytes.size() != header + size + 8) return std::nullopt;
  std::memcpy(&checksum, bytes.data() + header + size, 8);
  if (checksum != fnv1a(bytes.data() + header, size)) return std::nullopt;
  return std::vector<char>(bytes.begin() + header, bytes.begin() + header + size);
}

}  // namespace n2g
