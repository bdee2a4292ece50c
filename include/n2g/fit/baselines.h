// The paper's baselines (ALGORITHM.md section 6): token lookup and n-gram lookup, fitted on the
// train windows' normalised activations and predicting every position of a test window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace n2g {

// Maps each token together with its `context` preceding tokens (fewer at the start of a window)
// to the largest normalised activation seen with exactly that key. context = 0 is token lookup.
class LookupBaseline {
 public:
  explicit LookupBaseline(int context) : context_(context) {}

  void fit(const std::vector<int32_t>& tokens, const std::vector<float>& normalised);
  std::vector<float> predict(const std::vector<int32_t>& tokens) const;

 private:
  std::vector<int32_t> key(const std::vector<int32_t>& tokens, size_t position) const;

  int context_;
  std::map<std::vector<int32_t>, float> table_;
};

constexpr int kNgramContext = 5;

}  // namespace n2g
