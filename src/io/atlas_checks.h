// The reader's consistency checks of an opened atlas (private to src/io).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace n2g {

// Every per-neuron dataset has a row per neuron (N = the rows of /neurons/layer); every graph's
// nodes lie inside the node arrays, with tokens in the vocabulary (or IGNORE) and parents before
// their children; the token indexes' offsets are ordered and their rows exist. What the tools index
// with these numbers is then safe to index. Throws FormatError naming `path` and the dataset.
void check_atlas_consistency(hid_t root, const std::string& path, int64_t vocab, size_t N, const std::vector<int32_t>& index);

}  // namespace n2g
