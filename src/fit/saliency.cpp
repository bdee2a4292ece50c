#include "n2g/fit/saliency.h"

#include <cstddef>

namespace n2g {

std::vector<Saliency> saliency(ActivationOracle& oracle, int32_t mask_token,
                               const std::vector<NeuronSequence>& prompts) {
  std::vector<int32_t> last_column;
  for (const auto& prompt : prompts) last_column.push_back(static_cast<int32_t>(prompt.tokens.size()) - 1);
  return saliency_columns(oracle, mask_token, prompts, oracle.activations(prompts), last_column, true);
}

std::vector<Saliency> saliency_columns(ActivationOracle& oracle, int32_t mask_token,
                                       const std::vector<NeuronSequence>& prompts,
                                       std::vector<std::vector<float>> activations,
                                       const std::vector<int32_t>& last_column, bool diagonal) {
  const auto last_masked = [&](size_t p) { return diagonal ? last_column[p] : last_column[p] - 1; };
  std::vector<NeuronSequence> cut;  // each prompt up to its last column read
  std::vector<ActivationOracle::MaskedVariant> variants;
  for (size_t p = 0; p < prompts.size(); ++p) {
    cut.push_back({prompts[p].neuron, {prompts[p].tokens.begin(), prompts[p].tokens.begin() + last_column[p] + 1}});
    for (int32_t k = 0; k <= last_masked(p); ++k) variants.push_back({p, k});
  }
  const auto masked = oracle.masked_activations(cut, mask_token, variants);

  std::vector<Saliency> result(prompts.size());
  size_t row = 0;
  for (size_t p = 0; p < prompts.size(); ++p) {
    const size_t length = prompts[p].tokens.size();
    Saliency& out = result[p];
    out.activations = std::move(activations[p]);
    out.importance.assign(length, std::vector<float>(length, 0.0f));
    for (int32_t k = 0; k <= last_masked(p); ++k, ++row)
      for (int32_t j = k; j <= last_column[p]; ++j)
        if (out.activations[j] != 0.0f) out.importance[k][j] = 1.0f - masked[row][j] / out.activations[j];
  }
  return result;
}

}  // namespace n2g
