// What the atlas stores so that it shows a neuron without the model or the dataset (FORMATS.md,
// "/examples", "/quantiles", "/output"): slices of windows around their max with the neuron's
// activations, quantised to int8 with one scale per neuron, random windows picked by activation
// band, and the neurons' direct effects on the logits.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "n2g/io/atlas.h"
#include "n2g/model/transformer.h"

namespace n2g {

// kExampleWidth tokens of a window and the neuron's activations on them.
struct ExampleSlice {
  int32_t start = -1;  // window position of the first token; -1: no example
  std::vector<int32_t> tokens;
  std::vector<float> values;
};

// The slice around `position` of a window ([L] tokens and activations): up to kExampleBefore
// tokens before it, the rest after, shifted to fit the window; shorter windows are padded (-1, 0).
ExampleSlice slice_around(const std::vector<int32_t>& tokens, const std::vector<float>& values, int32_t position);

struct QuantilePick {
  int64_t window = -1;
  float activation = 0;  // the window's max over countable positions
  ExampleSlice slice;
};

// From random windows in the order they were drawn (ids, tokens [L], activations [L]), the first
// kQuantilePerBand whose max / a_max falls in each band (ALGORITHM.md section 0); band by band,
// missing picks left default. `skip` says which tokens never count (BOS, end-of-text).
std::vector<QuantilePick> pick_quantiles(const std::vector<int64_t>& windows, const std::vector<std::vector<int32_t>>& tokens,
                                         const std::vector<std::vector<float>>& activations, float a_max,
                                         const std::function<bool(int32_t)>& skip);

// Fills the row's example and quantile fields: `top` has one slice per top example (K; missing
// ones default), `quantiles` kQuantileExamples picks. One scale for all: the largest |activation|.
void store_examples(AtlasRow& row, size_t K, const std::vector<ExampleSlice>& top, const std::vector<QuantilePick>& quantiles);

// Fills every row's output effects (logit lens, kOutputTokens each way) from one product for the
// rows' neurons of `layer`; hooks other than mlp.hook_post and mlp.hook_mid get none (-1, NaN).
void store_output_effects(std::vector<std::pair<int64_t, AtlasRow>>& rows, const Transformer& model, int32_t layer,
                          const std::string& hook);

}  // namespace n2g
