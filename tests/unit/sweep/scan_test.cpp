// The scan against a naive path (each window alone, maxima by hand), the candidate merge, and
// checkpoint files.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "n2g/base/histogram.h"
#include "n2g/dist/exchange.h"
#include "n2g/io/checkpoint.h"
#include "n2g/io/dataset.h"
#include "n2g/model/transformer.h"
#include "n2g/sweep/scan.h"

namespace n2g {
namespace {

TEST(Scan, MatchesEachWindowRunAlone) {
  const std::string path = ::testing::TempDir() + "/scan_tokens.h5";
  const int64_t windows = 13, length = 10;
  {
    DatasetWriter writer(path, {length, 512, 511, "test", "test"});
    std::vector<int32_t> tokens;
    for (int64_t i = 0; i < windows * length; ++i) tokens.push_back(static_cast<int32_t>((i * 37 + 11) % 509));
    tokens[25] = 510;  // an end-of-text token never counts
    writer.append(tokens, std::vector<int64_t>(windows, 0));
    writer.finish({});
  }
  const TokenDataset data(path);
  const Transformer model = Transformer::load(std::string(N2G_FIXTURES) + "/models/tiny-gpt2");
  NeuronSelection selection;
  selection.layers = std::vector<int32_t>{1};
  selection.indices = std::vector<int32_t>{3, 77, 200};
  const SweptNeurons neurons(selection, 2, 256, "test");
  ScanOptions options;
  options.top_k = 4;
  options.batch_windows = 5;  // 13 windows: batches of 5, 5 and a padded 3
  options.bos = 511;
  options.special = {511, 510};
  options.sampled = {{12, 0, 6, 5}};  // the layer's random windows: in every batch, the padded one too
  int64_t progress = 0;
  const auto got = scan_windows(model, data, 0, windows, neurons, options, [&](int64_t done) { progress = done; });
  EXPECT_EQ(progress, windows);
  ASSERT_EQ(got.size(), 3u);

  for (size_t i = 0; i < 3; ++i) {
    const int32_t neuron = neurons.indices()[i];
    std::vector<std::tuple<float, int64_t, int32_t>> expected;  // (max, window, position)
    std::vector<std::vector<float>> values;                     // [window][position]
    double positive = 0;
    std::vector<int64_t> histogram(kHistogramBins, 0);  // bins by hand: the first edge above each value
    const auto edges = histogram_edges();
    for (int64_t w = 0; w < windows; ++w) {
      const auto tokens = data.read_range(w, 1);
      std::vector<int64_t> input{511};
      input.insert(input.end(), tokens.begin(), tokens.end());
      const at::Tensor acts = model.forward(at::tensor(input).view({1, -1}), {"blocks.1.mlp.hook_post"})
                                  .hooks.at("blocks.1.mlp.hook_post")[0].select(1, neuron);
      float best = -INFINITY;
      int32_t where = -1;
      values.emplace_back();
      for (int64_t j = 0; j < length; ++j) values.back().push_back(acts[j + 1].item<float>());
      for (int64_t j = 0; j < length; ++j) {
        if (tokens[j] == 510) continue;
        const float a = acts[j + 1].item<float>();
        positive += a > 0;
        ++histogram[std::upper_bound(edges.begin(), edges.end(), static_cast<double>(a)) - edges.begin()];
        if (a > best) best = a, where = static_cast<int32_t>(j);
      }
      expected.emplace_back(best, w, where);
    }
    std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
      return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b) : std::get<1>(a) < std::get<1>(b);
    });
    const NeuronCandidates& c = got[i];
    EXPECT_EQ(c.neuron, static_cast<int64_t>(i));
    ASSERT_EQ(c.window.size(), 4u);
    for (size_t k = 0; k < 4; ++k) {
      EXPECT_EQ(c.window[k], std::get<1>(expected[k]));
      EXPECT_EQ(c.position[k], std::get<2>(expected[k]));
      EXPECT_NEAR(c.activation[k], std::get<0>(expected[k]), 1e-5);
      // The neuron's activations over the whole window (the end-of-text position included) travel
      // with the candidate, so that the fit stage never runs the window again.
      for (int64_t j = 0; j < length; ++j)
        EXPECT_NEAR(c.values.at(k * length + j), values[std::get<1>(expected[k])][j], 1e-5) << "window " << k << " position " << j;
    }
    // ... and over the layer's sampled windows, ascending, so that the fit runs none of them.
    ASSERT_EQ(c.sampled_window, (std::vector<int64_t>{0, 5, 6, 12}));
    ASSERT_EQ(c.sampled_values.size(), 4u * length);
    for (size_t s = 0; s < 4; ++s)
      for (int64_t j = 0; j < length; ++j)
        EXPECT_NEAR(c.sampled_values[s * length + j], values[c.sampled_window[s]][j], 1e-5) << "sampled " << s << " position " << j;
    EXPECT_EQ(c.positive, positive);
    EXPECT_EQ(c.tokens, windows * length - 1);
    EXPECT_EQ(c.histogram, histogram);  // every countable position once, in its bin
  }
}

// Every rank scans (up to one window a rank), shares differ by at most one batch, slices tile the
// dataset in order on batch boundaries, and the batch is scan.batch_windows wherever the dataset
// holds a whole batch for every rank (the rank-count agreement of fast mode rests on it).
TEST(Scan, SlicesGiveEveryRankAShareWithinOneBatch) {
  for (const int64_t windows : {1, 7, 60, 899, 5000})
    for (const int64_t batch_windows : {8, 32})
      for (int world = 1; world <= 80; ++world) {
        int64_t next = 0, smallest = windows, largest = 0, batch = 0;
        for (int rank = 0; rank < world; ++rank) {
          const ScanSlice slice = scan_slice(windows, batch_windows, rank, world);
          ASSERT_EQ(slice.first, next) << windows << " windows, rank " << rank << " of " << world;
          ASSERT_EQ(slice.first % slice.batch, 0);
          batch = slice.batch;
          next = slice.last;
          smallest = std::min(smallest, slice.last - slice.first);
          largest = std::max(largest, slice.last - slice.first);
        }
        EXPECT_EQ(next, windows) << windows << " windows on " << world << " ranks";
        if (windows >= world) EXPECT_GT(smallest, 0) << windows << " windows on " << world << " ranks";
        EXPECT_LE(largest - smallest, batch) << windows << " windows on " << world << " ranks";
        if (windows / world >= batch_windows) EXPECT_EQ(batch, batch_windows);
      }
}

TEST(Exchange, MergeKeepsBestKWithTiesByLowerWindow) {
  // Windows of 2 tokens: each window's activation vector is (window, -window).
  NeuronCandidates a{4, {0.9f, 0.5f, 0.5f}, {10, 3, 30}, {1, 2, 3}, {10, -10, 3, -3, 30, -30}, 5, 100};
  NeuronCandidates b{4, {0.7f, 0.5f}, {8, 1}, {4, 5}, {8, -8, 1, -1}, 2, 50};
  const NeuronCandidates m = merge_candidates(a, b, 4);
  EXPECT_EQ(m.window, (std::vector<int64_t>{10, 8, 1, 3}));
  EXPECT_EQ(m.position, (std::vector<int32_t>{1, 4, 5, 2}));
  EXPECT_EQ(m.values, (std::vector<float>{10, -10, 8, -8, 1, -1, 3, -3}));
  EXPECT_EQ(m.positive, 7);
  EXPECT_EQ(m.tokens, 150);
  // Histograms add up bin by bin; a rank that saw no position of the neuron sends none.
  a.histogram = {1, 2, 3};
  b.histogram = {10, 0, 5};
  EXPECT_EQ(merge_candidates(a, b, 4).histogram, (std::vector<int64_t>{11, 2, 8}));
  EXPECT_EQ(merge_candidates(a, NeuronCandidates{4}, 4).histogram, a.histogram);
  // Sampled windows (ranks scan disjoint slices): the union, ascending, with each window's values.
  a.sampled_window = {2, 9};
  a.sampled_values = {2, -2, 9, -9};
  b.sampled_window = {5};
  b.sampled_values = {5, -5};
  const NeuronCandidates both = merge_candidates(b, a, 4);
  EXPECT_EQ(both.sampled_window, (std::vector<int64_t>{2, 5, 9}));
  EXPECT_EQ(both.sampled_values, (std::vector<float>{2, -2, 5, -5, 9, -9}));
  EXPECT_EQ(merge_candidates(both, NeuronCandidates{4}, 4).sampled_values, both.sampled_values);
}

TEST(Checkpoint, TornOrForeignFilesReadAsAbsent) {
  const std::string path = ::testing::TempDir() + "/wave.ckpt";
  const std::vector<char> payload{'a', 'b', 'c', 'd'};
  write_checkpoint(path, 42, payload);
  EXPECT_EQ(read_checkpoint(path, 42), payload);
  EXPECT_FALSE(read_checkpoint(path, 43).has_value());  // another config's
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  EXPECT_FALSE(read_checkpoint(path, 42).has_value());  // torn
  write_checkpoint(path, 42, payload);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(25);
    f.put('X');  // flipped payload byte: checksum fails
  }
  EXPECT_FALSE(read_checkpoint(path, 42).has_value());
  EXPECT_FALSE(read_checkpoint(path + ".absent", 42).has_value());
}

}  // namespace
}  // namespace n2g
