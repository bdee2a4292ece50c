// n2g+ calibration against values worked out by hand.
#include <gtest/gtest.h>

#include "n2g/fit/calibrate.h"
#include "rule_oracle.h"

namespace n2g {
namespace {

using namespace n2g::testing;

TEST(Calibrate, EndsAreTrainRatesWithALeaveOneOutThreshold) {
  Trie graph;
  graph.insert(Line{{{BINGLEY, 1.0f}, {MR, 0.9f}}, 1.0f});   // a pruned prompt's line: Mr Bingley
  graph.insert(Line{{{BINGLEY, 0.8f}, {THE, 0.9f}}, 0.8f});  // an augmentation's: the Bingley
  const std::vector<std::vector<int32_t>> tokens = {{MR, BINGLEY}, {TO, BINGLEY}, {THE, BINGLEY}, {MR, BINGLEY}};
  const std::vector<std::vector<float>> normalised = {{0, 1.0f}, {0, 0.1f}, {0, 0.1f}, {0, 0.9f}};
  std::vector<TrainWindow> train;
  for (size_t w = 0; w < tokens.size(); ++w) train.push_back({&tokens[w], &normalised[w]});
  const TokenTable table = test_table();
  add_firing_tokens(graph, train, table, 0.5);  // Bingley fired: already on the first level
  graph.merge_ignores();
  // Each position counts at the deepest node it reaches: Bingley alone 0 of 1 fire (rate 0, no
  // shrinking at the first level); Mr Bingley 2 of 2: (2 + 2 * 0) / (2 + 2) = 1/2; the Bingley 0 of 1.
  // Leave one out: a firing Mr Bingley sees (1 + 0) / (1 + 2) = 1/3, a quiet position 0. Thresholds
  // 0.60 .. 0.35 predict nothing (F1 0); 0.30 predicts exactly the two firings (F1 1).
  const double threshold = calibrate_ends(graph, train, table, {0.5, 2.0});
  EXPECT_DOUBLE_EQ(threshold, 0.30000000000000004);  // 0.05 * 6
  const auto skip = [](int32_t t) { return t == EOT; };
  // Bingley (rate 0): the mean of its quiet positions; Mr Bingley (1/2 >= 0.30): of its firing ones.
  const auto predicted = graph.predict({TO, BINGLEY, MR, BINGLEY}, skip);
  EXPECT_FLOAT_EQ(predicted[1], 0.1f);
  EXPECT_FLOAT_EQ(predicted[3], 0.95f);
  // "the" under Bingley predicts what Bingley alone does (no firing): removed; Mr stays.
  EXPECT_EQ(graph.counts().total, 2);
  EXPECT_FLOAT_EQ(graph.predict({THE, BINGLEY}, skip)[1], 0.1f);
}

TEST(Calibrate, FiringTokensNeedTheirSupportAlsoWhenLeftOut) {
  Trie graph;
  graph.insert(Line{{{BINGLEY, 1.0f}}, 1.0f});  // a pruned prompt's line: kept whatever its support
  const std::vector<std::vector<int32_t>> tokens = {{BINGLEY}, {DARCY}, {JANE}, {JANE}, {THE}};
  const std::vector<std::vector<float>> normalised = {{1.0f}, {0.9f}, {0.8f}, {0.7f}, {0.0f}};
  std::vector<TrainWindow> train;
  for (size_t w = 0; w < tokens.size(); ++w) train.push_back({&tokens[w], &normalised[w]});
  const TokenTable table = test_table();
  add_firing_tokens(graph, train, table, 0.5);  // Darcy (1 firing) and Jane (2) join Bingley
  graph.merge_ignores();
  // Support 2: Darcy leaves. Left out one at a time, every position predicts 0 (Bingley's only
  // position is its own; Jane keeps 1 firing, below 2): every threshold has F1 0, so 0.60 stays.
  const double threshold = calibrate_ends(graph, train, table, {0.5, 2.0, 2}, {BINGLEY});
  EXPECT_DOUBLE_EQ(threshold, 0.6000000000000001);
  EXPECT_EQ(graph.counts().activating, 2);
  EXPECT_EQ(graph.predict({DARCY, JANE, BINGLEY}, [](int32_t t) { return t == EOT; }),
            (std::vector<float>{0.0f, 0.75f, 1.0f}));
}

TEST(Calibrate, FiringTokensJoinTheFirstLevel) {
  Trie graph;
  const std::vector<int32_t> tokens = {THE, DARCY, SAID, EOT, JANE};
  const std::vector<float> normalised = {0.2f, 0.5f, 0.49f, 1.0f, 0.7f};
  add_firing_tokens(graph, {{&tokens, &normalised}}, test_table(), 0.5);
  // Darcy (0.5, at the threshold) and Jane; not "said" (below) nor end-of-text (special).
  EXPECT_EQ(graph.counts().activating, 2);
  EXPECT_EQ(graph.counts().total, 2);
  EXPECT_EQ(graph.predict({JANE, DARCY, SAID}, [](int32_t t) { return t == EOT; }), (std::vector<float>{0.7f, 0.5f, 0}));
}

}  // namespace
}  // namespace n2g
