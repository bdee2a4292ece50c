// Stage 1: stream a slice of the dataset through the model and keep, for every swept neuron, its
// running top-K windows (activation, window, argmax position), density counts and its activations
// on its layer's sampled windows. Memory depends on the batch and on neurons x (K + sampled
// windows in the slice), never on the dataset.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "n2g/dist/exchange.h"
#include "n2g/io/dataset.h"
#include "n2g/model/transformer.h"
#include "n2g/sweep/neurons.h"

namespace n2g {

struct ScanOptions {
  int top_k = 20;
  int batch_windows = 32;
  std::string hook = "mlp.hook_post";
  int32_t bos = -1;                  // prepended when >= 0
  std::vector<int32_t> special;      // positions holding these never count
  // [layer of the sweep, in neurons.layers() order]: windows (any order) on which every neuron of
  // that layer keeps its activations besides its top K, so that the fit runs them no more.
  std::vector<std::vector<int64_t>> sampled;
};

// A rank's share of the scan: windows [first, last), scanned in batches of `batch` windows.
struct ScanSlice {
  int64_t first = 0, last = 0, batch = 1;
};

// Slices start on multiples of the batch, so that every window is scanned in the same batch
// whatever the number of ranks (a float32 product of one row depends on its batch): `batch` is
// scan.batch_windows, or, where the dataset holds fewer whole batches than there are ranks,
// windows / ranks, so that every rank scans (up to one window a rank) and the ranks' shares differ
// by at most one batch. In exact mode the batch never changes results.
ScanSlice scan_slice(int64_t windows, int64_t batch_windows, int rank, int world_size);

// Candidates of every swept neuron over windows [first, last); `progress(done)` after each batch.
std::vector<NeuronCandidates> scan_windows(const Transformer& model, const TokenDataset& dataset, int64_t first,
                                           int64_t last, const SweptNeurons& neurons, const ScanOptions& options,
                                           const std::function<void(int64_t)>& progress);

}  // namespace n2g
