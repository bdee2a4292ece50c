#include "n2g/fit/split.h"

#include <cmath>
#include <numeric>
#include <unordered_set>

namespace n2g {
namespace {

// splitmix64: a small, portable generator, so splits are the same with every standard library.
uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t seeded(uint64_t seed, int32_t layer, int32_t index) {
  uint64_t state = seed;
  state = splitmix(state) ^ static_cast<uint64_t>(static_cast<uint32_t>(layer));
  state = splitmix(state) ^ static_cast<uint64_t>(static_cast<uint32_t>(index));
  return state;
}

}  // namespace

std::vector<uint8_t> split_examples(size_t count, double train_fraction, uint64_t seed, int32_t layer, int32_t index) {
  uint64_t state = seeded(seed, layer, index);
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  for (size_t i = count; i > 1; --i) std::swap(order[i - 1], order[splitmix(state) % i]);
  const auto n_train = static_cast<size_t>(std::llround(train_fraction * static_cast<double>(count)));
  std::vector<uint8_t> split(count, kTest);
  for (size_t i = 0; i < n_train && i < count; ++i) split[order[i]] = kTrain;
  return split;
}

std::vector<int64_t> sample_windows(int64_t n_windows, size_t count, uint64_t seed, int32_t layer) {
  uint64_t state = seeded(seed, layer, -1);  // index -1: no neuron's split uses it
  std::vector<int64_t> drawn;
  if (n_windows <= 0) return drawn;
  if (count >= static_cast<uint64_t>(n_windows)) {
    drawn.resize(n_windows);
    std::iota(drawn.begin(), drawn.end(), 0);
    for (size_t i = drawn.size(); i > 1; --i) std::swap(drawn[i - 1], drawn[splitmix(state) % i]);
    return drawn;
  }
  std::unordered_set<int64_t> seen;
  while (drawn.size() < count) {
    const auto w = static_cast<int64_t>(splitmix(state) % static_cast<uint64_t>(n_windows));
    if (seen.insert(w).second) drawn.push_back(w);
  }
  return drawn;
}

}  // namespace n2g
