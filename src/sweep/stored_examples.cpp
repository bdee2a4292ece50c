#include "n2g/sweep/stored_examples.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <ATen/ATen.h>
#include <torch/utils.h>

namespace n2g {

ExampleSlice slice_around(const std::vector<int32_t>& tokens, const std::vector<float>& values, int32_t position) {
  const auto L = static_cast<int32_t>(tokens.size());
  ExampleSlice slice;
  slice.start = std::max(0, std::min(position - kExampleBefore, L - kExampleWidth));
  for (int32_t j = slice.start; j < slice.start + kExampleWidth; ++j) {
    slice.tokens.push_back(j < L ? tokens[j] : -1);
    slice.values.push_back(j < L ? values[j] : 0.0f);
  }
  return slice;
}

std::vector<QuantilePick> pick_quantiles(const std::vector<int64_t>& windows, const std::vector<std::vector<int32_t>>& tokens,
                                         const std::vector<std::vector<float>>& activations, float a_max,
                                         const std::function<bool(int32_t)>& skip) {
  std::vector<QuantilePick> picks(kQuantileExamples);
  std::vector<int> taken(kQuantileBands, 0);
  if (!(a_max > 0)) return picks;
  for (size_t w = 0; w < windows.size(); ++w) {
    int32_t at = -1;
    for (size_t j = 0; j < tokens[w].size(); ++j)
      if (!skip(tokens[w][j]) && (at < 0 || activations[w][j] > activations[w][at])) at = static_cast<int32_t>(j);
    if (at < 0) continue;
    const float peak = activations[w][at];
    const int band = std::clamp(static_cast<int>(std::floor(peak / a_max * kQuantileBands)), 0, kQuantileBands - 1);
    if (taken[band] == kQuantilePerBand) continue;
    QuantilePick& pick = picks[band * kQuantilePerBand + taken[band]++];
    pick.window = windows[w];
    pick.activation = peak;
    pick.slice = slice_around(tokens[w], activations[w], at);
  }
  return picks;
}

void store_examples(AtlasRow& row, size_t K, const std::vector<ExampleSlice>& top, const std::vector<QuantilePick>& quantiles) {
  float scale = 0;
  for (const auto& s : top)
    for (float v : s.values) scale = std::max(scale, std::abs(v));
  for (const auto& q : quantiles)
    for (float v : q.slice.values) scale = std::max(scale, std::abs(v));
  row.example_scale = scale > 0 ? scale : std::numeric_limits<float>::quiet_NaN();
  const auto quantise = [scale](float v) {
    return static_cast<int8_t>(scale > 0 ? std::lround(std::clamp(v / scale, -1.0f, 1.0f) * 127.0f) : 0);
  };
  const auto append = [&](const ExampleSlice& s, std::vector<int32_t>& tokens, std::vector<int8_t>& values) {
    for (int i = 0; i < kExampleWidth; ++i) {
      const bool present = s.start >= 0;
      tokens.push_back(present ? s.tokens[i] : -1);
      values.push_back(present ? quantise(s.values[i]) : 0);
    }
  };
  row.example_start.clear();
  row.example_tokens.clear();
  row.example_values.clear();
  for (size_t k = 0; k < K; ++k) {
    const ExampleSlice none;
    const ExampleSlice& s = k < top.size() ? top[k] : none;
    row.example_start.push_back(s.start);
    append(s, row.example_tokens, row.example_values);
  }
  row.quantile_window.clear();
  row.quantile_activation.clear();
  row.quantile_start.clear();
  row.quantile_tokens.clear();
  row.quantile_values.clear();
  for (int q = 0; q < kQuantileExamples; ++q) {
    const QuantilePick none;
    const QuantilePick& p = q < static_cast<int>(quantiles.size()) ? quantiles[q] : none;
    row.quantile_window.push_back(p.window);
    row.quantile_activation.push_back(p.window >= 0 ? p.activation : std::numeric_limits<float>::quiet_NaN());
    row.quantile_start.push_back(p.slice.start);
    append(p.slice, row.quantile_tokens, row.quantile_values);
  }
}

void store_output_effects(std::vector<std::pair<int64_t, AtlasRow>>& rows, const Transformer& model, int32_t layer,
                          const std::string& hook) {
  for (auto& [sweep_index, row] : rows) {
    row.output_tokens.assign(2 * kOutputTokens, -1);
    row.output_values.assign(2 * kOutputTokens, std::numeric_limits<float>::quiet_NaN());
  }
  const bool latents = model.resolve_hook(block_hook(layer, hook)).sae_latents;
  if ((hook != "mlp.hook_post" && hook != "mlp.hook_mid" && !latents) || rows.empty()) return;
  torch::NoGradGuard no_grad;
  std::vector<int64_t> units;
  for (const auto& [sweep_index, row] : rows) units.push_back(row.index);
  const at::Tensor chosen = at::tensor(units, at::kLong).to(model.device());
  const at::Tensor effects = latents ? model.latent_logit_effects(chosen) : model.neuron_logit_effects(layer, chosen);  // [n, V]
  const int64_t k = std::min<int64_t>(kOutputTokens, effects.size(1));
  // [n, 2k]: the k most raised, then the k most lowered, one copy to the host.
  const auto [top_values, top_ids] = effects.topk(k, 1, true);
  const auto [bottom_values, bottom_ids] = effects.topk(k, 1, false);
  const at::Tensor values = at::cat({top_values, bottom_values}, 1).cpu(), ids = at::cat({top_ids, bottom_ids}, 1).cpu();
  const auto v = values.accessor<float, 2>();
  const auto id = ids.accessor<int64_t, 2>();
  for (size_t i = 0; i < rows.size(); ++i)
    for (int64_t j = 0; j < 2 * k; ++j) {
      const int64_t slot = j < k ? j : kOutputTokens + (j - k);
      rows[i].second.output_tokens[slot] = static_cast<int32_t>(id[i][j]);
      rows[i].second.output_values[slot] = v[i][j];
    }
}

}  // namespace n2g
