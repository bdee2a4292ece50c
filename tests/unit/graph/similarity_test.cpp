// Similar neurons by weighted overlap of their graphs' tokens, worked by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "n2g/graph/similarity.h"

namespace n2g {
namespace {

TEST(Similarity, CosineOfIdfWeightedTokensThroughTheIndex) {
  // Four graphs: 0 and 1 share activating 5; 1 and 2 share context 7; 3 has nothing.
  // Keys held by 1 of 3 graphs weigh log 3, by 2 of 3 log 1.5 (context: half).
  const std::vector<GraphTokens> graphs = {{{5, 6}, {}}, {{5}, {7}}, {{8}, {7}}, {{}, {}}};
  const auto similar = similar_neurons(graphs, 10);
  ASSERT_EQ(similar.size(), 4u);
  const double a = std::log(1.5), b = std::log(3.0), c = 0.5 * std::log(1.5);
  // 0 = (5: a, 6: b), 1 = (5: a, ctx 7: c), 2 = (8: b, ctx 7: c).
  const double n0 = std::sqrt(a * a + b * b), n1 = std::sqrt(a * a + c * c), n2 = std::sqrt(b * b + c * c);
  ASSERT_EQ(similar[0].rows, (std::vector<int32_t>{1}));
  EXPECT_NEAR(similar[0].scores[0], a * a / (n0 * n1), 1e-6);
  ASSERT_EQ(similar[1].rows.size(), 2u);
  EXPECT_NEAR(similar[1].scores[0], std::max(a * a / (n0 * n1), c * c / (n1 * n2)), 1e-6);
  EXPECT_EQ(similar[1].rows[0], a * a / (n0 * n1) > c * c / (n1 * n2) ? 0 : 2);
  EXPECT_EQ(similar[2].rows, (std::vector<int32_t>{1}));
  EXPECT_TRUE(similar[3].rows.empty());  // no graph, no neighbours
}

// Across two sets (two atlases), worked by hand: A = {act 5}, {act 6}, {act 5, ctx 6};
// B = {act 5}, {act 7}. Over all 5 graphs: act 5 is held by 3 (log 5/3), act 6, ctx 6 and act 7
// by 1 each (log 5; context half). A0 meets B0 at 1; A1 meets nothing; A2 meets B0 at
// w5^2 / (|A2| w5). The same set twice finds each graph itself first, at 1.
TEST(Similarity, AcrossTwoSetsWithTheIdfOfBoth) {
  const std::vector<GraphTokens> a = {{{5}, {}}, {{6}, {}}, {{5}, {6}}}, b = {{{5}, {}}, {{7}, {}}};
  const auto across = similar_across(a, b, 5);
  ASSERT_EQ(across.size(), 3u);
  const double w5 = std::log(5.0 / 3.0), c6 = 0.5 * std::log(5.0);
  ASSERT_EQ(across[0].rows, (std::vector<int32_t>{0}));
  EXPECT_NEAR(across[0].scores[0], 1.0, 1e-6);
  EXPECT_TRUE(across[1].rows.empty());
  ASSERT_EQ(across[2].rows, (std::vector<int32_t>{0}));
  EXPECT_NEAR(across[2].scores[0], w5 * w5 / (std::sqrt(w5 * w5 + c6 * c6) * w5), 1e-6);
  const auto itself = similar_across(a, a, 5);
  for (int32_t g = 0; g < 3; ++g) {
    ASSERT_FALSE(itself[g].rows.empty());
    EXPECT_EQ(itself[g].rows[0], g);
    EXPECT_NEAR(itself[g].scores[0], 1.0, 1e-6);
  }
  // The one-set index is the same ranking without the graph itself (act 6 and ctx 6 are different keys).
  const auto one_set = similar_neurons(a, 5);
  EXPECT_EQ(one_set[2].rows, (std::vector<int32_t>{0}));
  EXPECT_EQ(std::vector<int32_t>(itself[2].rows.begin() + 1, itself[2].rows.end()), one_set[2].rows);
}

TEST(Similarity, KeepsTheBestCountWithTiesByLowerRow) {
  std::vector<GraphTokens> graphs(6, GraphTokens{{1}, {}});
  graphs.push_back({{2}, {}});  // a token only one graph holds: nobody shares it
  const auto similar = similar_neurons(graphs, 3);
  EXPECT_EQ(similar[0].rows, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(similar[5].rows, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_FLOAT_EQ(similar[0].scores[0], 1.0f);
  EXPECT_TRUE(similar[6].rows.empty());
}

}  // namespace
}  // namespace n2g
