#include "n2g/fit/baselines.h"

#include <algorithm>

namespace n2g {

std::vector<int32_t> LookupBaseline::key(const std::vector<int32_t>& tokens, size_t position) const {
  const size_t first = position >= static_cast<size_t>(context_) ? position - context_ : 0;
  return {tokens.begin() + first, tokens.begin() + position + 1};
}

void LookupBaseline::fit(const std::vector<int32_t>& tokens, const std::vector<float>& normalised) {
  for (size_t j = 0; j < tokens.size(); ++j) {
    auto [entry, inserted] = table_.emplace(key(tokens, j), normalised[j]);
    if (!inserted) entry->second = std::max(entry->second, normalised[j]);
  }
}

std::vector<float> LookupBaseline::predict(const std::vector<int32_t>& tokens) const {
  std::vector<float> predicted(tokens.size(), 0.0f);
  for (size_t j = 0; j < tokens.size(); ++j) {
    const auto found = table_.find(key(tokens, j));
    if (found != table_.end()) predicted[j] = found->second;
  }
  return predicted;
}

}  // namespace n2g
