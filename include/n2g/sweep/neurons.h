// The units a sweep covers (MLP neurons, or SAE latents with the SAE's layer as their one layer), in
// (layer, index) order: sweep index n <-> (layer, index).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "n2g/sweep/config.h"

namespace n2g {

class SweptNeurons {
 public:
  // Resolves `all` against the model's shape and the hook's `width` (d_mlp, or d_sae for an SAE);
  // throws ConfigError for a layer or index out of range.
  SweptNeurons(const NeuronSelection& selection, int n_layers, int width, const std::string& config_file);

  int64_t size() const { return total_; }
  int width() const { return width_; }  // units per layer of the swept hook: d_mlp or d_sae
  const std::vector<int32_t>& layers() const { return layers_; }
  const std::vector<int32_t>& indices() const { return indices_; }  // the same for every layer
  int32_t deepest_layer() const { return layers_.back(); }
  int64_t first_of_layer(size_t layer_position) const { return static_cast<int64_t>(layer_position * indices_.size()); }
  std::pair<int32_t, int32_t> at(int64_t n) const;  // (layer, index)

 private:
  std::vector<int32_t> layers_, indices_;
  int width_ = 0;
  int64_t total_ = 0;
};

}  // namespace n2g
