// Deterministic synthetic atlas rows for the atlas writer tests (no model needed).
#pragma once

#include <cmath>

#include "n2g/base/histogram.h"
#include "n2g/graph/serialize.h"
#include "n2g/graph/trie.h"
#include "n2g/io/atlas.h"

namespace n2g::testing {

constexpr int64_t kSyntheticRows = 7;
constexpr int64_t kSyntheticTopK = 4;

inline AtlasHeader synthetic_header() {
  AtlasHeader h;
  h.model = "synthetic";
  h.architecture = "gpt2";
  h.hook = "mlp.hook_post";
  h.dataset = "synthetic.h5";
  h.config = "model: {path: synthetic}\n";
  h.n_layers = 2;
  h.d_mlp = 4;
  h.n_windows = 100;
  h.top_k = kSyntheticTopK;
  h.n_neurons = kSyntheticRows;
  for (int t = 0; t < 20; ++t) h.vocab.push_back("tok" + std::to_string(t));
  return h;
}

// Row r: neuron (r / 4, r % 4); row 2 is dead (no graph), row 5 failed; the others have graphs
// that activate on token r + 1 with context r + 2 (and token 3 for every even row).
inline AtlasRow synthetic_row(int64_t r) {
  AtlasRow row;
  row.layer = static_cast<int32_t>(r / 4);
  row.index = static_cast<int32_t>(r % 4);
  row.max_activation = 1.5f + r;
  row.density = 0.1f * r;
  for (int64_t k = 0; k < kSyntheticTopK; ++k) {
    const bool present = k < 3;
    row.example_window.push_back(present ? 10 * r + k : -1);
    row.example_position.push_back(present ? static_cast<int32_t>(k + 1) : -1);
    row.example_activation.push_back(present ? 1.0f - 0.1f * k : std::numeric_limits<float>::quiet_NaN());
    row.example_split.push_back(static_cast<uint8_t>(k % 2));
    // Stored examples: tokens (k + j) % 20, activations j / 31 of the scale (quantised: 127 j / 31).
    row.example_start.push_back(present ? static_cast<int32_t>(k) : -1);
    for (int j = 0; j < kExampleWidth; ++j) {
      row.example_tokens.push_back(present ? static_cast<int32_t>((k + j) % 20) : -1);
      row.example_values.push_back(present ? static_cast<int8_t>(std::lround(127.0 * j / 31)) : 0);
    }
  }
  row.example_scale = row.max_activation;
  // Quantile examples: two picks in the lowest band (windows 50 and 51), none in the others.
  for (int q = 0; q < kQuantileExamples; ++q) {
    const bool present = q < 2;
    row.quantile_window.push_back(present ? 50 + q : -1);
    row.quantile_activation.push_back(present ? 0.1f * (q + 1) : std::numeric_limits<float>::quiet_NaN());
    row.quantile_start.push_back(present ? 3 : -1);
    for (int j = 0; j < kExampleWidth; ++j) {
      row.quantile_tokens.push_back(present ? (q + j) % 20 : -1);
      row.quantile_values.push_back(present ? 10 : 0);
    }
  }
  row.histogram.assign(kHistogramBins, 0);
  row.histogram[60] = 5;
  row.histogram[70 + r] = 100 + r;
  row.share_above_half_max = 0.05f * static_cast<float>(r);
  for (int j = 0; j < 2 * kOutputTokens; ++j) {
    row.output_tokens.push_back(j % 20);
    row.output_values.push_back(j < kOutputTokens ? 1.0f - 0.1f * j : -0.1f * (j - kOutputTokens + 1));
  }
  if (r == 2) {
    row.status = kDead;
    return row;
  }
  if (r == 5) {
    row.status = kFailed;
    row.error = "NaN activation during saliency";
    return row;
  }
  row.status = kOk;
  Trie trie;
  const int32_t t = static_cast<int32_t>(r + 1);
  trie.insert({{{t, 0.9f}, {t + 1, 0.8f}}, 0.9f});
  if (r % 2 == 0) trie.insert({{{3, 0.7f}, {kIgnoreToken, 0.0f}, {t + 1, 0.95f}}, 0.6f});
  trie.merge_ignores();
  row.graph = flatten(trie);
  row.firing = {0.5f + 0.01f * r, 0.75f, 0.6f};
  row.nonfiring = {0.99f, 0.98f, std::numeric_limits<float>::quiet_NaN()};
  row.accuracy = 0.97f;
  row.firing_count = 3 * r;
  row.nonfiring_count = 100 - r;
  row.token_baseline = {0.25f, 1.0f, 0.4f};
  row.ngram_baseline = {std::numeric_limits<float>::quiet_NaN(), 0.0f, 0.0f};
  row.random_firing = {0.4f, 0.5f + 0.01f * r, 0.45f};
  row.random_token_baseline = {0.2f, 0.9f, 0.33f};
  row.random_ngram_baseline = {std::numeric_limits<float>::quiet_NaN(), 0.0f, 0.0f};
  row.random_firing_count = 2 * r;
  row.random_nonfiring_count = 4000 - r;
  row.miss_token_absent = r;
  row.miss_context_unmatched = r % 3;
  row.train_firing_per_window = 1.5f + r;
  row.rate_threshold = 0.3f;
  row.correlation_graph_random = 0.5f + 0.01f * r;
  row.correlation_graph_all = 0.8f;
  row.correlation_token_random = r % 2 ? -0.25f : std::numeric_limits<float>::quiet_NaN();
  row.correlation_token_all = 0.6f;
  return row;
}

// This rank's rows under the sweep's ownership rule: row n belongs to rank n mod world.
inline std::vector<std::pair<int64_t, AtlasRow>> synthetic_rows(int rank, int world) {
  std::vector<std::pair<int64_t, AtlasRow>> rows;
  for (int64_t r = rank; r < kSyntheticRows; r += world) rows.emplace_back(r, synthetic_row(r));
  return rows;
}

}  // namespace n2g::testing
