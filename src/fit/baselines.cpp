#include "n2g/fit/baselines.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

namespace n2g {
namespace {

constexpr int32_t kAbsent = std::numeric_limits<int32_t>::min();  // no token (before the window, or unused)

}  // namespace

LookupBaseline::LookupBaseline(int context) : context_(context) {
  if (context < 0 || context > kMaxLookupContext)
    throw std::invalid_argument("lookup baseline context " + std::to_string(context) + " is outside 0.." +
                                std::to_string(kMaxLookupContext));
}

size_t LookupBaseline::find(const Key& key) const {
  uint64_t hash = 0x9e3779b97f4a7c15ull;
  for (int32_t token : key) {
    hash ^= static_cast<uint32_t>(token);
    hash *= 0xbf58476d1ce4e5b9ull;
    hash ^= hash >> 31;
  }
  const size_t mask = slots_.size() - 1;
  size_t slot = hash & mask;
  while (slots_[slot].used && slots_[slot].key != key) slot = (slot + 1) & mask;
  return slot;
}

void LookupBaseline::grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  for (const Slot& entry : old)
    if (entry.used) slots_[find(entry.key)] = entry;
}

LookupBaseline::Key LookupBaseline::key(const std::vector<int32_t>& tokens, size_t position) const {
  Key key;
  key.fill(kAbsent);
  const size_t first = position >= static_cast<size_t>(context_) ? position - context_ : 0;
  std::copy(tokens.begin() + first, tokens.begin() + position + 1, key.end() - (position + 1 - first));
  return key;
}

void LookupBaseline::fit(const std::vector<int32_t>& tokens, const std::vector<float>& normalised) {
  for (size_t j = 0; j < tokens.size(); ++j) {
    const Key k = key(tokens, j);
    Slot& slot = slots_[find(k)];
    if (slot.used) {
      slot.value = std::max(slot.value, normalised[j]);
      continue;
    }
    slot = {k, normalised[j], true};
    if (2 * ++used_ > slots_.size()) grow();
  }
}

std::vector<float> LookupBaseline::predict(const std::vector<int32_t>& tokens) const {
  std::vector<float> predicted(tokens.size(), 0.0f);
  for (size_t j = 0; j < tokens.size(); ++j) {
    const Slot& slot = slots_[find(key(tokens, j))];
    if (slot.used) predicted[j] = slot.value;
  }
  return predicted;
}

}  // namespace n2g
