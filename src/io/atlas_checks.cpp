#include "atlas_checks.h"

#include "atlas_columns.h"
#include "n2g/errors.h"
#include "n2g/graph/trie.h"
#include "n2g/io/hdf5.h"

namespace n2g {
namespace {

template <class T>
void check_length(const std::vector<T>& values, size_t expected, const std::string& where) {
  if (values.size() != expected)
    throw FormatError(where + " has " + std::to_string(values.size()) + " entries, expected " + std::to_string(expected) +
                      " (damaged atlas?)");
}

// A CSR index (offsets [vocab + 1] into rows [entries]): monotone offsets within the rows, rows
// within the atlas.
void check_index(hid_t root, const std::string& group, int64_t vocab, int64_t rows, const std::string& path) {
  const auto offsets = h5::read_dataset<int64_t>(root, group + "/offsets", path);
  const auto neurons = h5::read_dataset<int32_t>(root, group + "/neurons", path);
  check_length(offsets, static_cast<size_t>(vocab + 1), path + ": " + group + "/offsets");
  for (size_t t = 0; t < offsets.size(); ++t)
    if (offsets[t] < 0 || offsets[t] > static_cast<int64_t>(neurons.size()) || (t > 0 && offsets[t] < offsets[t - 1]))
      throw FormatError(path + ": " + group + "/offsets[" + std::to_string(t) + "] = " + std::to_string(offsets[t]) +
                        " is out of order or outside " + group + "/neurons (damaged atlas?)");
  for (int32_t row : neurons)
    if (row < 0 || row >= rows)
      throw FormatError(path + ": " + group + "/neurons names row " + std::to_string(row) + ", outside the atlas's " +
                        std::to_string(rows) + " (damaged atlas?)");
}

}  // namespace

void check_atlas_consistency(hid_t root, const std::string& path, int64_t vocab, size_t N, const std::vector<int32_t>& index) {
  check_length(index, N, path + ": /neurons/index");
  for (const char* dataset : {"/neurons/status", "/neurons/error", "/neurons/max_activation", "/neurons/density",
                              "/examples/window", "/examples/tokens", "/examples/values", "/examples/scale",
                              "/quantiles/window", "/quantiles/tokens", "/histogram/counts", "/output/tokens",
                              "/output/values", "/similar/rows", "/similar/scores", "/graphs/node_offset",
                              "/graphs/node_count"}) {
    const auto shape = h5::dims(h5::open_dataset(root, dataset, path));
    if (shape.empty() || shape[0] != N)
      throw FormatError(path + ": " + dataset + " has " + (shape.empty() ? std::string("no") : std::to_string(shape[0])) +
                        " rows, expected " + std::to_string(N) + " (damaged atlas?)");
  }
  for (const auto& c : kScoreColumns) check_length(h5::read_dataset<float>(root, c.path, path), N, path + ": " + c.path);
  for (const auto& c : kOptionalFloatColumns)
    if (h5::exists(root, c.path)) check_length(h5::read_dataset<float>(root, c.path, path), N, path + ": " + c.path);
  const auto offset = h5::read_dataset<int64_t>(root, "/graphs/node_offset", path);
  const auto count = h5::read_dataset<int32_t>(root, "/graphs/node_count", path);
  const auto token = h5::read_dataset<int32_t>(root, "/graphs/token", path);
  const auto parent = h5::read_dataset<int32_t>(root, "/graphs/parent", path);
  for (const char* dataset : {"/graphs/importance", "/graphs/end_activation", "/graphs/activator"}) {
    const auto shape = h5::dims(h5::open_dataset(root, dataset, path));
    if (shape.size() != 1 || shape[0] != token.size())
      throw FormatError(path + ": " + dataset + " and /graphs/token differ in length (damaged atlas?)");
  }
  check_length(parent, token.size(), path + ": /graphs/parent");
  const int64_t M = static_cast<int64_t>(token.size());
  for (size_t r = 0; r < N; ++r) {
    if (offset[r] < 0 || count[r] < 0 || offset[r] > M - count[r])
      throw FormatError(path + ": row " + std::to_string(r) + "'s graph (/graphs/node_offset " + std::to_string(offset[r]) +
                        ", /graphs/node_count " + std::to_string(count[r]) + ") lies outside the " + std::to_string(M) +
                        " graph nodes (damaged atlas?)");
    for (int64_t i = 0; i < count[r]; ++i) {
      const int32_t t = token[offset[r] + i], p = parent[offset[r] + i];
      if (t < kIgnoreToken || t >= vocab || p < -1 || p >= i)
        throw FormatError(path + ": row " + std::to_string(r) + "'s graph node " + std::to_string(i) + " has /graphs/token " +
                          std::to_string(t) + " and /graphs/parent " + std::to_string(p) + " (tokens lie in the vocabulary of " +
                          std::to_string(vocab) + ", parents before their children; damaged atlas?)");
    }
  }
  check_index(root, "/index/activating", vocab, static_cast<int64_t>(N), path);
  check_index(root, "/index/context", vocab, static_cast<int64_t>(N), path);
}

}  // namespace n2g
