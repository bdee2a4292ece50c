#include "n2g/fit/prune.h"

#include <algorithm>

namespace n2g {
namespace {

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
  // Every pivot's candidates, shortest first. They are tried in rounds, one oracle call per round
  // for the whole wave, until the shortest qualifying one is found: most neurons need little
  // context, so rounds start small (kFirstRound candidates per pivot) and double. The longest
  // candidate (the fallback where none qualifies) runs only when every round was needed.
  constexpr size_t kFirstRound = 2;
  struct Search {
    size_t window;
    int32_t pivot;
    float original;                // a(window, pivot)
    std::vector<int32_t> starts;   // candidate starts, shortest candidate first
    size_t tried = 0;
    int64_t chosen = -1;           // index into starts
    float chosen_activation = 0;   // its activation at the pivot
    float longest_activation = 0;  // the longest candidate's activation at the pivot
  };
  std::vector<Search> searches;
  for (size_t w = 0; w < windows.size(); ++w)
    for (int32_t pivot : windows[w].pivots.empty()
                             ? find_pivots(*windows[w].tokens, *windows[w].activations, table, params.pivot_threshold)
                             : windows[w].pivots) {
      Search search{w, pivot, (*windows[w].activations)[pivot], {}};
      for (int32_t n = 0; n <= params.max_context && n <= pivot; n += params.step) search.starts.push_back(pivot - n);
      searches.push_back(std::move(search));
    }
  const auto candidate = [&](const Search& s, size_t i) {
    const auto& tokens = *windows[s.window].tokens;
    return NeuronSequence{windows[s.window].neuron, {tokens.begin() + s.starts[i], tokens.begin() + s.pivot + 1}};
  };
  for (size_t round = kFirstRound;; round *= 2) {
    std::vector<NeuronSequence> batch;
    std::vector<std::pair<size_t, size_t>> asked;  // (search, candidate)
    for (size_t s = 0; s < searches.size(); ++s) {
      Search& search = searches[s];
      if (search.chosen >= 0 || search.tried == search.starts.size()) continue;
      const size_t end = std::min(search.starts.size(), search.tried + round);
      for (size_t i = search.tried; i < end; ++i) {
        batch.push_back(candidate(search, i));
        asked.emplace_back(s, i);
      }
      search.tried = end;
    }
    if (batch.empty()) break;
    const auto activations = oracle.activations(batch);
    for (size_t r = 0; r < batch.size(); ++r) {
      Search& search = searches[asked[r].first];
      const float at_pivot = activations[r].back();
      if (asked[r].second + 1 == search.starts.size()) search.longest_activation = at_pivot;
      if (search.chosen < 0 && pivot_is_argmax(batch[r].tokens, activations[r], table) &&
                 at_pivot >= params.min_ratio * search.original) {
        search.chosen = static_cast<int64_t>(asked[r].second);  // rows of a search come shortest first
        search.chosen_activation = at_pivot;
      }
    }
  }

  std::vector<PrunedPrompt> prompts;
  for (Search& search : searches) {
    if (search.chosen < 0) {  // none qualifies: the longest, if it still activates
      if (search.longest_activation <= 0.0f) continue;
      search.chosen = static_cast<int64_t>(search.starts.size()) - 1;
      search.chosen_activation = search.longest_activation;
    }
    const int32_t start = search.starts[search.chosen];
    PrunedPrompt prompt{search.window, candidate(search, search.chosen).tokens, search.pivot - start,
                        search.original / search.chosen_activation};
    const auto& tokens = *windows[search.window].tokens;
    for (int32_t j = search.pivot + 1, added = 0;
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
