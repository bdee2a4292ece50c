#include "n2g/fit/oracle.h"

namespace n2g {

std::vector<std::vector<float>> ActivationOracle::masked_activations(const std::vector<NeuronSequence>& prompts,
                                                                     int32_t mask_token,
                                                                     const std::vector<MaskedVariant>& variants) {
  std::vector<NeuronSequence> batch;
  for (const MaskedVariant& v : variants) {
    batch.push_back(prompts[v.prompt]);
    batch.back().tokens[v.position] = mask_token;
  }
  return activations(batch);
}

}  // namespace n2g
