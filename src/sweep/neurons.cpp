#include "n2g/sweep/neurons.h"

#include <numeric>

#include "n2g/errors.h"

namespace n2g {
namespace {

std::vector<int32_t> resolve(const std::optional<std::vector<int32_t>>& chosen, int limit, const std::string& key,
                             const std::string& what, const std::string& owner, const std::string& file) {
  if (!chosen) {
    std::vector<int32_t> all(limit);
    std::iota(all.begin(), all.end(), 0);
    return all;
  }
  for (int32_t v : *chosen)
    if (v >= limit)
      throw ConfigError(file + ": " + key + ": " + what + " " + std::to_string(v) + " is out of range (" + owner + " has " +
                        std::to_string(limit) + ")");
  return *chosen;
}

}  // namespace

SweptNeurons::SweptNeurons(const NeuronSelection& selection, int n_layers, int width, const std::string& config_file)
    : layers_(resolve(selection.layers, n_layers, "neurons.layers", "layer", "the model", config_file)),
      indices_(resolve(selection.indices, width, "neurons.indices", selection.sae.empty() ? "neuron index" : "latent",
                       selection.sae.empty() ? "the model" : "the SAE", config_file)),
      width_(width),
      total_(static_cast<int64_t>(layers_.size() * indices_.size())) {}

std::pair<int32_t, int32_t> SweptNeurons::at(int64_t n) const {
  const auto per_layer = static_cast<int64_t>(indices_.size());
  return {layers_[n / per_layer], indices_[n % per_layer]};
}

}  // namespace n2g
