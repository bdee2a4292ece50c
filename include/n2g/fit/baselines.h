// The paper's baselines (ALGORITHM.md section 6): token lookup and n-gram lookup, fitted on the
// train windows' normalised activations and predicting every position of a test window.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace n2g {

constexpr int kNgramContext = 5;
constexpr int kMaxLookupContext = 7;

// Maps each token together with its `context` preceding tokens (fewer at the start of a window)
// to the largest normalised activation seen with exactly that key. context = 0 is token lookup;
// at most kMaxLookupContext (std::invalid_argument otherwise).
class LookupBaseline {
 public:
  explicit LookupBaseline(int context);

  void fit(const std::vector<int32_t>& tokens, const std::vector<float>& normalised);
  std::vector<float> predict(const std::vector<int32_t>& tokens) const;

 private:
  // The key's tokens, oldest first, right-aligned; slots before a window's start hold kAbsent.
  using Key = std::array<int32_t, kMaxLookupContext + 1>;
  struct Slot {
    Key key;
    float value;
    bool used = false;
  };
  Key key(const std::vector<int32_t>& tokens, size_t position) const;
  // The slot holding `key`, or the empty one where it would go (open addressing, linear probing).
  size_t find(const Key& key) const;
  void grow();

  int context_;
  std::vector<Slot> slots_ = std::vector<Slot>(1024);  // a power of two, at most half used
  size_t used_ = 0;
};

}  // namespace n2g
