#include "n2g/fit/saliency.h"

#include <cstddef>

namespace n2g {

std::vector<Saliency> saliency(ActivationOracle& oracle, int32_t mask_token,
                               const std::vector<NeuronSequence>& prompts) {
  std::vector<NeuronSequence> batch;
  for (const auto& prompt : prompts) {
    batch.push_back(prompt);
    for (size_t k = 0; k < prompt.tokens.size(); ++k) {
      batch.push_back(prompt);
      batch.back().tokens[k] = mask_token;
    }
  }
  const auto activations = oracle.activations(batch);

  std::vector<Saliency> result(prompts.size());
  size_t row = 0;
  for (size_t p = 0; p < prompts.size(); ++p) {
    const size_t length = prompts[p].tokens.size();
    Saliency& out = result[p];
    out.activations = activations[row++];
    out.importance.assign(length, std::vector<float>(length, 0.0f));
    for (size_t k = 0; k < length; ++k, ++row)
      for (size_t j = k; j < length; ++j)
        if (out.activations[j] != 0.0f)
          out.importance[k][j] = 1.0f - activations[row][j] / out.activations[j];
  }
  return result;
}

}  // namespace n2g
