#include <gtest/gtest.h>

#include "n2g/graph/describe.h"

namespace n2g {
namespace {

constexpr int32_t EOT = 0, MR = 1, DARCY = 2, BINGLEY = 3, THE = 4;

Line line(std::vector<int32_t> tokens, float end) {
  Line out{{}, end};
  for (int32_t t : tokens) out.elements.push_back({t, end});
  return out;
}

Trie example() {
  Trie trie;
  trie.insert(line({DARCY, MR}, 0.9f));                 // Darcy after Mr
  trie.insert(line({DARCY, kIgnoreToken, THE}, 0.6f));  // Darcy two after the
  trie.insert(line({BINGLEY}, 0.7f));
  trie.set_end(trie.root().children.at(DARCY), 0.2f);  // Darcy alone: a quiet END (as n2g+ calibrates)
  return trie;
}

TEST(Describe, OneLineStrongestTokensAndContext) {
  EXPECT_EQ(describe_graph(example(), {"<eot>", " Mr", " Darcy", " Bingley", " the"}),
            "fires on ' Darcy' (0.90), ' Bingley' (0.70); context ' Mr', ' the'");
  EXPECT_EQ(describe_graph(Trie{}, {}), "no graph");
}

TEST(Describe, PathsLargestEndFirstWithContextNearestFirst) {
  const std::vector<GraphPath> paths = graph_paths(example());
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_EQ(paths[0].activating, DARCY);
  EXPECT_EQ(paths[0].context, (std::vector<int32_t>{MR}));
  EXPECT_FLOAT_EQ(paths[0].end, 0.9f);
  EXPECT_EQ(paths[1].activating, BINGLEY);
  EXPECT_TRUE(paths[1].context.empty());
  EXPECT_EQ(paths[2].activating, DARCY);
  EXPECT_EQ(paths[2].context, (std::vector<int32_t>{kIgnoreToken, THE}));
  EXPECT_FLOAT_EQ(paths[2].end, 0.6f);
  EXPECT_EQ(paths[3].activating, DARCY);
  EXPECT_TRUE(paths[3].context.empty());
  EXPECT_FLOAT_EQ(paths[3].end, 0.2f);
  EXPECT_TRUE(graph_paths(Trie{}).empty());
  (void)EOT;
}

}  // namespace
}  // namespace n2g
