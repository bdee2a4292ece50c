// make_large_atlas OUT.h5 [neurons=36864]: a synthetic atlas the size of GPT-2 small's (12 layers of
// 3,072 neurons, a 50,257-token vocabulary) for the web atlas's speed test, with display strings
// that must be shown safely: markup, ampersands, quotes, \r, tabs and a byte fragment. Neuron r
// activates on token 1000 + (r * 7919) % 40000 and on token 10 + r % 50 after context 300 + r % 13;
// rows 0, 1 and 2 also activate on tokens 1, 2 and 3 (the unsafe strings).
#include <mpi.h>

#include <cmath>
#include <iostream>
#include <limits>

#include "n2g/base/histogram.h"
#include "n2g/graph/serialize.h"
#include "n2g/graph/trie.h"
#include "n2g/io/atlas.h"
#include "synthetic_atlas.h"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  try {
    using namespace n2g;
    const int64_t n = argc > 2 ? std::stoll(argv[2]) : 36864;
    const int64_t K = 20, d_mlp = 3072;
    AtlasHeader header = testing::synthetic_header();
    header.model = "synthetic-gpt2-small";
    header.n_layers = (n + d_mlp - 1) / d_mlp;
    header.d_mlp = d_mlp;
    header.n_windows = 100000;
    header.top_k = K;
    header.n_neurons = n;
    header.vocab.clear();
    for (int t = 0; t < 50257; ++t) header.vocab.push_back(" w" + std::to_string(t));
    header.vocab[1] = "<b>bold</b> & \"q\" 'x'";
    header.vocab[2] = "\r\t<tab>";
    header.vocab[3] = "\\xe2\\x80";
    std::vector<std::pair<int64_t, AtlasRow>> rows;
    for (int64_t r = 0; r < n; ++r) {
      AtlasRow row;
      row.layer = static_cast<int32_t>(r / d_mlp);
      row.index = static_cast<int32_t>(r % d_mlp);
      row.status = r % 101 == 7 ? kDead : kOk;
      row.max_activation = row.status == kDead ? -0.001f : 1.0f + 0.001f * (r % 1000);
      row.density = 0.01f * static_cast<float>(r % 50 + 1);
      const float f1 = static_cast<float>((r * 37) % 100) / 100.0f;
      row.firing = {f1, f1, f1};
      row.nonfiring = {0.99f, 0.99f, 0.99f};
      row.token_baseline = {0.5f, 0.5f, 0.5f};
      row.ngram_baseline = {0.9f, 0.1f, 0.2f};
      row.random_firing = {f1 / 2, f1, f1 / 2};
      row.firing_count = 10;
      row.nonfiring_count = 1000;
      row.random_firing_count = 3;
      row.random_nonfiring_count = 4000;
      for (int64_t k = 0; k < K; ++k) {
        row.example_window.push_back(r + k);
        row.example_position.push_back(10);
        row.example_activation.push_back(row.max_activation);
        row.example_split.push_back(static_cast<uint8_t>(k % 2));
        row.example_start.push_back(0);
        for (int j = 0; j < kExampleWidth; ++j) {
          row.example_tokens.push_back(static_cast<int32_t>(j < 3 ? j + 1 : 1000 + (r + j) % 40000));
          row.example_values.push_back(static_cast<int8_t>(j == 10 ? 127 : j));
        }
      }
      row.example_scale = row.max_activation;
      for (int q = 0; q < kQuantileExamples; ++q) {
        row.quantile_window.push_back(-1);
        row.quantile_activation.push_back(std::numeric_limits<float>::quiet_NaN());
        row.quantile_start.push_back(-1);
        row.quantile_tokens.insert(row.quantile_tokens.end(), kExampleWidth, -1);
        row.quantile_values.insert(row.quantile_values.end(), kExampleWidth, 0);
      }
      row.histogram.assign(kHistogramBins, 0);
      row.histogram[66 + r % 60] = 1000;
      row.output_tokens.assign(2 * kOutputTokens, 5);
      row.output_values.assign(2 * kOutputTokens, 0.5f);
      if (row.status == kOk) {
        Trie trie;
        trie.insert({{{static_cast<int32_t>(1000 + (r * 7919) % 40000), 1.0f}}, 0.9f});
        trie.insert({{{static_cast<int32_t>(10 + r % 50), 0.8f}, {static_cast<int32_t>(300 + r % 13), 0.9f}}, 0.8f});
        if (r < 3) trie.insert({{{static_cast<int32_t>(r + 1), 0.7f}}, 0.7f});
        trie.merge_ignores();
        row.graph = flatten(trie);
      }
      rows.emplace_back(r, std::move(row));
    }
    write_atlas(argv[1], header, std::move(rows), RunTimings{}, {0, 0, 0}, MPI_COMM_WORLD, AtlasWriteMode::gather);
  } catch (const std::exception& error) {
    std::cerr << "make_large_atlas: " << error.what() << "\n";
    status = 1;
  }
  MPI_Finalize();
  return status;
}
