#include "n2g/fit/prune.h"

#include <algorithm>

namespace n2g {
namespace {

// One candidate suffix: window[start .. pivot].
struct Candidate {
  size_t window;
  int32_t pivot;
  int32_t start;
};

bool pivot_is_argmax(const std::vector<int32_t>& tokens, const std::vector<float>& activations,
                     const TokenTable& table) {
  const float at_pivot = activations.back();
  for (size_t j = 0; j + 1 < activations.size(); ++j)
    if (!table.is_special(tokens[j]) && activations[j] > at_pivot) return false;
  return true;
}

}  // namespace

std::vector<int32_t> find_pivots(const std::vector<int32_t>& tokens, const std::vector<float>& activations,
                                 const TokenTable& table, double pivot_threshold) {
  float max_activation = 0.0f;
  for (size_t j = 0; j < tokens.size(); ++j)
    if (!table.is_special(tokens[j])) max_activation = std::max(max_activation, activations[j]);
  std::vector<int32_t> pivots;
  if (max_activation <= 0.0f) return pivots;
  for (size_t j = 0; j < tokens.size(); ++j)
    if (!table.is_special(tokens[j]) && activations[j] >= pivot_threshold * max_activation)
      pivots.push_back(static_cast<int32_t>(j));
  return pivots;
}

std::vector<PrunedPrompt> prune(ActivationOracle& oracle, const TokenTable& table, const PruneParams& params,
                                const std::vector<WindowActivations>& windows) {
  std::vector<Candidate> candidates;
  std::vector<NeuronSequence> batch;
  std::vector<std::pair<size_t, size_t>> pivot_ranges;  // [first, last) candidates of each pivot
  for (size_t w = 0; w < windows.size(); ++w) {
    const auto& tokens = *windows[w].tokens;
    for (int32_t pivot : find_pivots(tokens, *windows[w].activations, table, params.pivot_threshold)) {
      const size_t first = candidates.size();
      for (int32_t n = 0; n <= params.max_context && n <= pivot; n += params.step) {
        candidates.push_back({w, pivot, pivot - n});
        batch.push_back({windows[w].neuron, {tokens.begin() + (pivot - n), tokens.begin() + pivot + 1}});
      }
      pivot_ranges.emplace_back(first, candidates.size());
    }
  }
  const auto activations = oracle.activations(batch);

  std::vector<PrunedPrompt> prompts;
  for (const auto& [first, last] : pivot_ranges) {
    const Candidate& any = candidates[first];
    const auto& window = windows[any.window];
    const float original = (*window.activations)[any.pivot];
    size_t chosen = last;
    for (size_t c = first; c < last && chosen == last; ++c)
      if (pivot_is_argmax(batch[c].tokens, activations[c], table) &&
          activations[c].back() >= params.min_ratio * original)
        chosen = c;
    if (chosen == last) {
      if (activations[last - 1].back() <= 0.0f) continue;
      chosen = last - 1;
    }
    PrunedPrompt prompt{any.window, batch[chosen].tokens, any.pivot - candidates[chosen].start,
                        original / activations[chosen].back()};
    const auto& tokens = *window.tokens;
    for (int32_t j = any.pivot + 1, added = 0;
         j < static_cast<int32_t>(tokens.size()) && added < params.post_context && !table.is_special(tokens[j]);
         ++j, ++added) {
      prompt.tokens.push_back(tokens[j]);
      if (table.ends_sentence(tokens[j])) break;
    }
    prompts.push_back(std::move(prompt));
  }
  return prompts;
}

}  // namespace n2g
