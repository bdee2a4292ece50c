#include <gtest/gtest.h>

#include <cmath>

#include "n2g/fit/baselines.h"
#include "n2g/fit/metrics.h"
#include "n2g/fit/split.h"

namespace n2g {
namespace {

TEST(Metrics, CountsAndScoresBothClasses) {
  ConfusionCounts counts;
  // real fires at 0, 1, 3; predicted at 1, 2, 3; position 4 skipped.
  count_firings({0.9f, 0.5f, 0.1f, 1.2f, 0.9f}, {0.0f, 0.7f, 0.6f, 0.5f, 0.0f}, {false, false, false, false, true},
                0.5, counts);
  EXPECT_EQ(counts.true_positive, 2);
  EXPECT_EQ(counts.false_positive, 1);
  EXPECT_EQ(counts.false_negative, 1);
  EXPECT_EQ(counts.true_negative, 0);
  const NeuronScores s = score(counts);
  EXPECT_FLOAT_EQ(s.firing.precision, 2.0f / 3.0f);
  EXPECT_FLOAT_EQ(s.firing.recall, 2.0f / 3.0f);
  EXPECT_FLOAT_EQ(s.firing.f1, 2.0f / 3.0f);
  // Non-firing class: TP = TN = 0, FP = FN = 1, FN = FP = 1 -> P 0, R 0, F1 0.
  EXPECT_FLOAT_EQ(s.nonfiring.precision, 0.0f);
  EXPECT_FLOAT_EQ(s.nonfiring.recall, 0.0f);
  EXPECT_FLOAT_EQ(s.accuracy, 0.5f);
  EXPECT_EQ(s.firing_count, 3);
  EXPECT_EQ(s.nonfiring_count, 1);
}

// Worked by hand: real (0, 1, 2, 3) against predicted (0, 0, 1, 1) gives means 1.5 and 0.5,
// covariance sum 2, variance sums 5 and 1: r = 2 / sqrt(5) = 0.894427; the special position (9, 9)
// is left out, and a second sequence adds to the same sums.
TEST(Metrics, PearsonCorrelationByHandAndItsNanConventions) {
  CorrelationSums sums;
  sums.add({0, 1, 9}, {0, 0, 9}, {false, false, true});
  sums.add({2, 3}, {1, 1}, {false, false});
  EXPECT_NEAR(sums.pearson(), 2.0 / std::sqrt(5.0), 1e-6);
  CorrelationSums reversed;
  reversed.add({0, 1, 2, 3}, {3, 2, 1, 0}, std::vector<bool>(4, false));
  EXPECT_NEAR(reversed.pearson(), -1.0, 1e-6);
  CorrelationSums both = sums;
  both += reversed;
  EXPECT_EQ(both.n, 8);
  CorrelationSums never_fires;  // a constant prediction has no correlation
  never_fires.add({0, 1, 2}, {0, 0, 0}, std::vector<bool>(3, false));
  EXPECT_TRUE(std::isnan(never_fires.pearson()));
  CorrelationSums one;
  one.add({1}, {1}, {false});
  EXPECT_TRUE(std::isnan(one.pearson()));
}

TEST(Metrics, NanConventionsWhenNothingIsTruePositive) {
  const ClassScores nothing_predicted = class_scores(0, 0, 3);
  EXPECT_TRUE(std::isnan(nothing_predicted.precision));
  EXPECT_EQ(nothing_predicted.recall, 0.0f);
  EXPECT_EQ(nothing_predicted.f1, 0.0f);
  const ClassScores nothing_real = class_scores(0, 0, 0);
  EXPECT_TRUE(std::isnan(nothing_real.precision));
  EXPECT_EQ(nothing_real.recall, 1.0f);
  EXPECT_EQ(nothing_real.f1, 0.0f);
  const ClassScores wrong = class_scores(0, 2, 0);
  EXPECT_EQ(wrong.precision, 0.0f);
  EXPECT_EQ(wrong.recall, 1.0f);
}

TEST(Metrics, LayerMeanLeavesNanOutAndPoolsCounts) {
  ConfusionCounts a{3, 1, 0, 6};   // P 0.75, R 1
  ConfusionCounts b{0, 0, 2, 8};   // P NaN, R 0
  const LayerScores layer = summarize({score(a), score(b)});
  EXPECT_EQ(layer.neurons, 2);
  EXPECT_FLOAT_EQ(layer.mean.firing.precision, 0.75f);  // NaN left out
  EXPECT_FLOAT_EQ(layer.mean.firing.recall, 0.5f);
  EXPECT_FLOAT_EQ(layer.mean.firing.f1, (2 * 0.75f / 1.75f + 0.0f) / 2);
  // Pooled: TP 3, FP 1, FN 2 -> P 0.75, R 0.6.
  EXPECT_FLOAT_EQ(layer.pooled.firing.precision, 0.75f);
  EXPECT_FLOAT_EQ(layer.pooled.firing.recall, 0.6f);
  EXPECT_EQ(layer.pooled.firing_count, 5);
}

TEST(Baselines, TokenAndNgramLookup) {
  LookupBaseline token(0), ngram(2);
  const std::vector<int32_t> train{1, 2, 3, 2};
  const std::vector<float> acts{0.1f, 0.9f, 0.0f, 0.4f};
  token.fit(train, acts);
  ngram.fit(train, acts);
  EXPECT_EQ(token.predict({2, 5, 1}), (std::vector<float>{0.9f, 0.0f, 0.1f}));
  // n-gram keys: [1], [1 2], [1 2 3], [2 3 2]; fewer tokens only at the start of a window.
  EXPECT_EQ(ngram.predict({1, 2, 3}), (std::vector<float>{0.1f, 0.9f, 0.0f}));
  EXPECT_EQ(ngram.predict({5, 1, 2}), (std::vector<float>{0.0f, 0.0f, 0.0f}));
  EXPECT_EQ(ngram.predict({7, 2, 3, 2}), (std::vector<float>{0.0f, 0.0f, 0.0f, 0.4f}));
}

TEST(Baselines, LongestContextAndBeyond) {
  LookupBaseline longest(kMaxLookupContext);
  std::vector<int32_t> train(kMaxLookupContext + 2);
  for (size_t j = 0; j < train.size(); ++j) train[j] = static_cast<int32_t>(j);
  std::vector<float> acts(train.size(), 0.0f);
  acts.back() = 0.7f;
  longest.fit(train, acts);
  EXPECT_FLOAT_EQ(longest.predict(train).back(), 0.7f);
  std::vector<int32_t> other_oldest = train;
  other_oldest[1] = 99;  // the oldest token of the last key
  EXPECT_FLOAT_EQ(longest.predict(other_oldest).back(), 0.0f);
  try {
    LookupBaseline too_long(kMaxLookupContext + 1);
    FAIL() << "context beyond the maximum accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("context 8 is outside 0..7"), std::string::npos) << error.what();
  }
}

TEST(Split, SeededByNeuronAndFractionRounded) {
  const auto split = split_examples(20, 0.5, 0, 3, 17);
  // Golden: splitmix64 seeded with seed, layer and index, then a Fisher-Yates shuffle, worked out
  // independently (a Python transcription of the same steps); a changed split changes every atlas.
  EXPECT_EQ(split, (std::vector<uint8_t>{0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1}));
  EXPECT_EQ(std::count(split.begin(), split.end(), kTrain), 10);
  EXPECT_EQ(split, split_examples(20, 0.5, 0, 3, 17));
  EXPECT_NE(split, split_examples(20, 0.5, 0, 3, 18));
  EXPECT_NE(split, split_examples(20, 0.5, 1, 3, 17));
  EXPECT_NE(split, split_examples(20, 0.5, 0, 4, 17));
  const auto few = split_examples(7, 0.3, 0, 0, 0);
  EXPECT_EQ(std::count(few.begin(), few.end(), kTrain), 2);  // round(2.1)
}

}  // namespace
}  // namespace n2g
