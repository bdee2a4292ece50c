// Whether an input of `n2g_prepare` is text: what its first bytes say, so that a compressed or
// binary file is refused instead of tokenized as noise.
#pragma once

#include <string>

namespace n2g {

// Why `path` is not text, "" when it looks like text: a compression or archive magic number
// (gzip, bzip2, xz, zstd, zip, 7-zip) or that of an HDF5 file or numpy array, NUL bytes, or more
// than a fifth of its first 64 KiB not UTF-8.
std::string binary_reason(const std::string& path);

}  // namespace n2g
