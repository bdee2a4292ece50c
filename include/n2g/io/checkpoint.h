// Checkpoint files: a payload with the fingerprint of the config that made it and a checksum,
// written under a temporary name and renamed, so a reader sees a whole file or none; a torn or
// foreign file reads as absent and is redone, never trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace n2g {

uint64_t fingerprint(const std::string& text);  // FNV-1a 64

void write_checkpoint(const std::string& path, uint64_t config_fingerprint, const std::vector<char>& payload);
std::optional<std::vector<char>> read_checkpoint(const std::string& path, uint64_t config_fingerprint);

}  // namespace n2g
