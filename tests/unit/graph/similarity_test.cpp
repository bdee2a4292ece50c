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
