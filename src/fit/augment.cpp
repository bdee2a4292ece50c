#include "n2g/fit/augment.h"

#include <algorithm>

namespace n2g {

std::vector<int32_t> important_positions(const std::vector<int32_t>& tokens, const Saliency& saliency,
                                         int32_t pivot, const TokenTable& table, double threshold) {
  std::vector<int32_t> positions;
  for (int32_t k = 0; k <= pivot; ++k)
    if (!table.is_special(tokens[k]) && saliency.importance[k][pivot] >= threshold) positions.push_back(k);
  return positions;
}

std::vector<int32_t> filter_substitutes(const std::vector<int32_t>& candidates, int32_t original,
                                        const TokenTable& table, int max_substitutes) {
  const std::string original_text = table.normalized(original);
  std::vector<int32_t> kept;
  for (int32_t candidate : candidates) {
    if (static_cast<int>(kept.size()) >= max_substitutes) break;
    if (table.is_special(candidate) || !table.has_letter(candidate)) continue;
    if (table.normalized(candidate) == original_text) continue;
    if (std::find(kept.begin(), kept.end(), candidate) != kept.end()) continue;
    kept.push_back(candidate);
  }
  return kept;
}

std::vector<std::vector<Augmented>> augment(ActivationOracle& oracle, const TokenTable& table,
                                            const AugmentParams& params, const std::vector<AugmentInput>& inputs) {
  std::vector<std::vector<Augmented>> kept(inputs.size());
  if (params.method == AugmentMethod::none || params.max_substitutes <= 0) return kept;

  std::vector<SubstituteRequest> requests;
  std::vector<std::pair<size_t, int32_t>> request_of;  // (input, position)
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& tokens = inputs[i].prompt->tokens;
    for (int32_t k : important_positions(tokens, *inputs[i].saliency, inputs[i].pivot, table,
                                         params.important_threshold)) {
      requests.push_back({{tokens.begin(), tokens.begin() + k}, tokens[k]});
      request_of.emplace_back(i, k);
    }
  }
  if (requests.empty()) return kept;
  // Ask for more than needed: filtering drops variants of the original and tokens without letters.
  const auto candidates = oracle.substitutes(requests, params.method, 8 * params.max_substitutes, params.min_prob);

  std::vector<NeuronSequence> variants;
  std::vector<size_t> variant_of;
  for (size_t r = 0; r < requests.size(); ++r) {
    const auto [i, k] = request_of[r];
    for (int32_t substitute : filter_substitutes(candidates[r], requests[r].original, table, params.max_substitutes)) {
      variants.push_back(*inputs[i].prompt);
      variants.back().tokens[k] = substitute;
      variant_of.push_back(i);
    }
  }
  auto activations = oracle.activations(variants);
  for (size_t v = 0; v < variants.size(); ++v) {
    const AugmentInput& input = inputs[variant_of[v]];
    const float original = input.saliency->activations[input.pivot];
    if (activations[v][input.pivot] >= params.min_ratio * original)
      kept[variant_of[v]].push_back({std::move(variants[v].tokens), std::move(activations[v])});
  }
  return kept;
}

}  // namespace n2g
