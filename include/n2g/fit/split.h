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

}  // namespace n2g
