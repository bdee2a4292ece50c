// ALGORITHM.md section 0: the train/test split of a neuron's top-K windows, seeded by
// (seed, layer, index) so that it does not depend on ranks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace n2g {

constexpr uint8_t kTrain = 0;
constexpr uint8_t kTest = 1;

// split[i] for each of `count` examples: round(train_fraction * count) of them are kTrain,
// chosen by a seeded permutation.
std::vector<uint8_t> split_examples(size_t count, double train_fraction, uint64_t seed, int32_t layer, int32_t index);

// min(count, n_windows) distinct window ids of [0, n_windows), in the order drawn by a generator
// seeded by (seed, layer): the same on every rank for every neuron of a layer, so the neurons of a
// wave mostly share them (the random windows of ALGORITHM.md section 6).
std::vector<int64_t> sample_windows(int64_t n_windows, size_t count, uint64_t seed, int32_t layer);

}  // namespace n2g
