// Hand-worked tries: each expected prediction is derived in the comment above it.
#include <gtest/gtest.h>

#include <cmath>

#include "n2g/errors.h"
#include "n2g/graph/display.h"
#include "n2g/graph/serialize.h"
#include "n2g/graph/trie.h"

namespace n2g {
namespace {

constexpr int32_t A = 1, B = 2, C = 3, D = 4, X = 5, Y = 6, EOT = 0;
constexpr int32_t I = kIgnoreToken;

Line line(std::vector<int32_t> tokens, float end, bool activator = true) {
  Line l{{}, end, activator};
  for (size_t e = 0; e < tokens.size(); ++e) l.elements.push_back({tokens[e], e == 0 ? end : 0.9f});
  return l;
}

const auto kSkipEot = [](int32_t token) { return token == EOT; };

TEST(Trie, WildcardMatchesAnyOneToken) {
  Trie trie;
  trie.insert(line({B, I, A}, 0.9f));  // B fires when A is two tokens back
  // "A X B": B -> IGNORE (X) -> A: END 0.9. "A X Y B": B -> IGNORE (Y) -> X is not A: no END.
  EXPECT_EQ(trie.predict({A, X, B}, kSkipEot), (std::vector<float>{0, 0, 0.9f}));
  EXPECT_EQ(trie.predict({A, X, Y, B}, kSkipEot), (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(trie.predict({Y, A, B}, kSkipEot), (std::vector<float>{0, 0, 0}));
}

TEST(Trie, LongestMatchWins) {
  Trie trie;
  trie.insert(line({B}, 0.6f));
  trie.insert(line({B, A}, 1.0f));
  trie.insert(line({B, A, C}, 0.7f));
  EXPECT_EQ(trie.predict({C, B}, kSkipEot), (std::vector<float>{0, 0.6f}));
  EXPECT_EQ(trie.predict({X, A, B}, kSkipEot), (std::vector<float>{0, 0, 1.0f}));
  // The deepest END reached wins even when a shallower one is larger.
  EXPECT_EQ(trie.predict({C, A, B}, kSkipEot), (std::vector<float>{0, 0, 0.7f}));
}

TEST(Trie, SpecialTokensAreSteppedOver) {
  Trie trie;
  trie.insert(line({B, A}, 0.8f));
  trie.insert(line({EOT}, 0.8f));
  EXPECT_EQ(trie.predict({A, EOT, B, EOT}, kSkipEot), (std::vector<float>{0, 0, 0.8f, 0}));
}

TEST(Trie, NonActivatingRootTokenPredictsZero) {
  Trie trie;
  trie.insert(line({B, A}, 0.8f, /*activator=*/false));
  EXPECT_EQ(trie.predict({A, B}, kSkipEot), (std::vector<float>{0, 0}));
  trie.insert(line({B, A}, 0.5f, /*activator=*/true));
  EXPECT_EQ(trie.predict({A, B}, kSkipEot), (std::vector<float>{0, 0.8f}));
}

TEST(Trie, TwoLinesEndingAtOneNodeKeepTheLargerValue) {
  Trie trie;
  trie.insert(line({B, A}, 0.6f));
  trie.insert(line({B, A}, 0.9f));
  trie.insert(line({B, A}, 0.7f));
  ASSERT_EQ(trie.nodes().size(), 3u);  // root, B, A
  EXPECT_FLOAT_EQ(trie.nodes()[2].end_activation, 0.9f);
  EXPECT_FLOAT_EQ(trie.nodes()[1].importance, 0.9f);  // activating node keeps its max activation
  EXPECT_TRUE(std::isnan(trie.nodes()[1].end_activation));
}

TEST(Trie, MergeIgnoresKeepsSpecificPathReachable) {
  Trie trie;
  trie.insert(line({B, A, C}, 0.8f));  // B after A after C
  trie.insert(line({B, I, D}, 0.7f));  // B two tokens after D
  // Before merging, "D A B" takes the specific child A and misses the wildcard path.
  EXPECT_EQ(trie.predict({D, A, B}, kSkipEot)[2], 0.0f);
  trie.merge_ignores();
  // A (not an end) was moved under IGNORE: both paths are now reached through it.
  EXPECT_EQ(trie.predict({C, A, B}, kSkipEot)[2], 0.8f);
  EXPECT_EQ(trie.predict({D, A, B}, kSkipEot)[2], 0.7f);
  EXPECT_EQ(trie.predict({D, X, B}, kSkipEot)[2], 0.7f);
  EXPECT_EQ(trie.predict({C, X, B}, kSkipEot)[2], 0.8f);  // generalised: any token in A's place
  // root, B, IGNORE, C, D
  const NodeCounts counts = trie.counts();
  EXPECT_EQ(counts.total, 4);
  EXPECT_EQ(counts.activating, 1);
  EXPECT_EQ(counts.context, 3);
}

TEST(Trie, MergeIgnoresKeepsEndChildAndGivesItTheWildcardPaths) {
  Trie trie;
  trie.insert(line({B, A}, 0.9f));
  trie.insert(line({B, I, D}, 0.7f));
  trie.merge_ignores();
  // A ends a path, so it stays; it also gets IGNORE's child D so it hides nothing.
  EXPECT_EQ(trie.predict({X, A, B}, kSkipEot)[2], 0.9f);
  EXPECT_EQ(trie.predict({D, A, B}, kSkipEot)[2], 0.7f);
  EXPECT_EQ(trie.predict({D, X, B}, kSkipEot)[2], 0.7f);
  EXPECT_EQ(trie.counts().total, 5);  // B, IGNORE, A, D under IGNORE, D under A
}

TEST(Trie, MergeIgnoresWorksBelowTheFirstLevel) {
  Trie trie;
  trie.insert(line({B, A, I, C}, 0.9f));
  trie.insert(line({B, A, X, D}, 0.6f));
  trie.merge_ignores();
  EXPECT_EQ(trie.predict({D, X, A, B}, kSkipEot)[3], 0.6f);
  EXPECT_EQ(trie.predict({D, Y, A, B}, kSkipEot)[3], 0.6f);
  EXPECT_EQ(trie.predict({C, X, A, B}, kSkipEot)[3], 0.9f);
}

TEST(Serialize, FlatArraysRoundTrip) {
  Trie trie;
  trie.insert(line({B, A, C}, 0.8f));
  trie.insert(line({B, I, D}, 0.7f));
  trie.insert(line({C}, 0.55f));
  trie.merge_ignores();
  const FlatGraph flat = flatten(trie);
  ASSERT_EQ(flat.size(), static_cast<size_t>(trie.counts().total));
  for (size_t i = 0; i < flat.size(); ++i) EXPECT_LT(flat.parent[i], static_cast<int32_t>(i));
  const Trie back = unflatten(flat);
  ASSERT_EQ(back.nodes().size(), trie.nodes().size());
  for (size_t i = 0; i < trie.nodes().size(); ++i) {
    const TrieNode& a = trie.nodes()[i];
    const TrieNode& b = back.nodes()[i];
    EXPECT_EQ(a.token, b.token);
    EXPECT_EQ(a.children, b.children);
    EXPECT_EQ(a.activator, b.activator);
    EXPECT_FLOAT_EQ(a.importance, b.importance);
    EXPECT_EQ(a.is_end(), b.is_end());
    if (a.is_end()) EXPECT_FLOAT_EQ(a.end_activation, b.end_activation);
  }
  const std::vector<int32_t> probe{C, A, B, D, X, B, C};
  EXPECT_EQ(back.predict(probe, kSkipEot), trie.predict(probe, kSkipEot));
}

TEST(Serialize, RejectsBadParents) {
  FlatGraph flat;
  flat.token = {B, A};
  flat.parent = {-1, 1};  // a node cannot be its own parent
  flat.importance = {1, 1};
  flat.end_activation = {NAN, 0.5f};
  flat.activator = {1, 0};
  try {
    unflatten(flat);
    FAIL() << "expected FormatError";
  } catch (const FormatError& error) {
    EXPECT_NE(std::string(error.what()).find("graph node 1 has parent 1"), std::string::npos) << error.what();
  }
  flat.activator = {1};
  EXPECT_THROW(unflatten(flat), FormatError);
}

TEST(Serialize, JsonNamesTokensAndEnds) {
  Trie trie;
  trie.insert(line({B, I, A}, 0.9f));
  const std::string json = to_json(trie, {"<eot>", " Mr", " Darcy"});
  EXPECT_EQ(json,
            "[{\"activator\":true,\"children\":[{\"children\":[{\"end\":0.8999999761581421,\"importance\":0.8999999761581421,"
            "\"text\":\" Mr\",\"token\":1}],\"importance\":0.8999999761581421,\"text\":\"*\",\"token\":-1}],"
            "\"importance\":0.8999999761581421,\"text\":\" Darcy\",\"token\":2}]");
}

TEST(Display, DropsIgnoreAndMergesSameTokenAtSameDepth) {
  Trie trie;
  trie.insert(line({B, I, A}, 0.9f));
  trie.insert(line({B, X, A}, 0.6f));
  trie.insert(line({C, A}, 0.7f));
  const DisplayGraph graph = display_graph(trie);
  // Nodes: B@1, A@3 (merged from the IGNORE path and the X path), X@2, C@1, A@2.
  ASSERT_EQ(graph.nodes.size(), 5u);
  int a_at_depth3 = 0;
  for (const auto& node : graph.nodes) {
    EXPECT_NE(node.token, kIgnoreToken);
    if (node.token == A && node.depth == 3) {
      ++a_at_depth3;
      EXPECT_TRUE(node.ends_path);
      EXPECT_FLOAT_EQ(node.importance, 0.9f);
    }
    if (node.depth == 1) EXPECT_TRUE(node.activator);
  }
  EXPECT_EQ(a_at_depth3, 1);
  // Edges: B->A (across the IGNORE), B->X, X->A, C->A.
  EXPECT_EQ(graph.edges.size(), 4u);

  const std::string dot = to_dot(graph, {"<eot>", " \"Mr\"", "B", "C", "D", "X"}, "L0 N1");
  EXPECT_NE(dot.find("rankdir=RL"), std::string::npos);
  EXPECT_NE(dot.find("label=\"B\", fillcolor=\"#ff0000e6\"]"), std::string::npos) << dot;  // 0.9 red, no end
  EXPECT_NE(dot.find("label=\" \\\"Mr\\\"\", fillcolor=\"#0000ffe6\", penwidth=3"), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"X\", fillcolor=\"#0000ffe6\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("label=\"C\", fillcolor=\"#ff0000b3\"]"), std::string::npos) << dot;  // 0.7
}

TEST(Display, ActivatingTokensComeStrongestFirst) {
  Trie trie;  // token order B < C < D; activations 0.6, 0.9, 0.7
  trie.insert(line({B}, 0.6f));
  trie.insert(line({C}, 0.9f));
  trie.insert(line({D, A}, 0.7f));
  const DisplayGraph graph = display_graph(trie);
  ASSERT_EQ(graph.nodes.size(), 4u);
  EXPECT_EQ(graph.nodes[0].token, C);
  EXPECT_EQ(graph.nodes[1].token, D);
  EXPECT_EQ(graph.nodes[2].token, A);  // D's context follows it
  EXPECT_EQ(graph.nodes[3].token, B);
}

}  // namespace
}  // namespace n2g
