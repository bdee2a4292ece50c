// What the atlas stores to show a neuron alone: example slices, quantile picks, quantisation.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "n2g/base/histogram.h"
#include "n2g/sweep/stored_examples.h"

namespace n2g {
namespace {

TEST(StoredExamples, SliceHoldsTheMaxWithContextBefore) {
  std::vector<int32_t> tokens(128);
  std::iota(tokens.begin(), tokens.end(), 0);
  const std::vector<float> values(128, 0.5f);
  EXPECT_EQ(slice_around(tokens, values, 50).start, 50 - kExampleBefore);  // 23 before, 8 after
  EXPECT_EQ(slice_around(tokens, values, 3).start, 0);                      // the window's start
  EXPECT_EQ(slice_around(tokens, values, 127).start, 128 - kExampleWidth);  // its end
  const ExampleSlice shorter = slice_around({7, 8, 9}, {0.1f, 0.2f, 0.3f}, 1);
  EXPECT_EQ(shorter.start, 0);
  EXPECT_EQ(shorter.tokens[2], 9);
  EXPECT_EQ(shorter.tokens[3], -1);  // padded past the window
}

TEST(StoredExamples, QuantilesTakeTheFirstWindowsOfEachBand) {
  // Maxima / a_max: 0.9, 0.1, 0.3, 0.95, 0.8, 0.2 (bands 3, 0, 1, 3, 3, 0); a_max 1.
  const std::vector<float> maxima = {0.9f, 0.1f, 0.3f, 0.95f, 0.8f, 0.2f};
  std::vector<int64_t> ids;
  std::vector<std::vector<int32_t>> tokens;
  std::vector<std::vector<float>> activations;
  for (size_t w = 0; w < maxima.size(); ++w) {
    ids.push_back(100 + static_cast<int64_t>(w));
    tokens.push_back({0, 5, 6});  // token 0 is special: its 9.0 never counts
    activations.push_back({9.0f, maxima[w], 0.0f});
  }
  const auto picks = pick_quantiles(ids, tokens, activations, 1.0f, [](int32_t t) { return t == 0; });
  ASSERT_EQ(picks.size(), static_cast<size_t>(kQuantileExamples));
  EXPECT_EQ(picks[0].window, 101);  // band 0: 0.1, 0.2
  EXPECT_EQ(picks[1].window, 105);
  EXPECT_EQ(picks[2].window, 102);  // band 1: 0.3 only
  EXPECT_EQ(picks[3].window, -1);
  EXPECT_EQ(picks[4].window, -1);   // band 2: none
  EXPECT_EQ(picks[6].window, 100);  // band 3: the first two of 0.9, 0.95, 0.8
  EXPECT_EQ(picks[7].window, 103);
  EXPECT_FLOAT_EQ(picks[7].activation, 0.95f);
  EXPECT_EQ(picks[7].slice.start, 0);
}

TEST(StoredExamples, OneScaleQuantisesTopAndQuantileExamples) {
  AtlasRow row;
  ExampleSlice top;
  top.start = 4;
  top.tokens.assign(kExampleWidth, 3);
  top.values.assign(kExampleWidth, 0.0f);
  top.values[0] = 2.0f;
  top.values[1] = -0.5f;
  QuantilePick pick;
  pick.window = 9;
  pick.activation = 4.0f;
  pick.slice = top;
  pick.slice.values[2] = -4.0f;  // the largest |activation|: the scale
  store_examples(row, 2, {top}, {pick});
  EXPECT_FLOAT_EQ(row.example_scale, 4.0f);
  EXPECT_EQ(row.example_start, (std::vector<int32_t>{4, -1}));
  ASSERT_EQ(row.example_values.size(), 2u * kExampleWidth);
  EXPECT_EQ(row.example_values[0], 64);   // round(127 * 2 / 4) = 63.5 -> 64
  EXPECT_EQ(row.example_values[1], -16);  // round(-127 / 8) = -15.875 -> -16
  EXPECT_EQ(row.example_tokens[kExampleWidth], -1);  // the missing second example
  EXPECT_EQ(row.quantile_window[0], 9);
  EXPECT_EQ(row.quantile_window[1], -1);
  EXPECT_EQ(row.quantile_values[2], -127);
}

TEST(Histogram, ShareAboveAThresholdInterpolatesItsBin) {
  const auto edges = histogram_edges();
  ASSERT_EQ(edges.size(), static_cast<size_t>(kHistogramEdges));
  EXPECT_EQ(edges[kHistogramMagnitudes], 0.0);
  EXPECT_DOUBLE_EQ(edges[kHistogramMagnitudes + 1], std::pow(2.0, -8));
  std::vector<int64_t> counts(kHistogramBins, 0);
  // The bin [1, 2^0.25) holds 10 positions, the bin [0, 2^-8) 30.
  const size_t one = std::lower_bound(edges.begin(), edges.end(), 1.0) - edges.begin() + 1;
  counts[one] = 10;
  counts[kHistogramMagnitudes + 1] = 30;
  EXPECT_DOUBLE_EQ(share_at_or_above(counts, edges, 1.0), 0.25);
  const double middle = (1.0 + std::pow(2.0, 0.25)) / 2;  // half of that bin lies above
  EXPECT_NEAR(share_at_or_above(counts, edges, middle), 0.125, 1e-12);
}

}  // namespace
}  // namespace n2g
