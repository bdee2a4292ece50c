// Each fit step against values worked out by hand for the rules of RuleOracle.
#include <gtest/gtest.h>

#include <cmath>

#include "n2g/fit/augment.h"
#include "n2g/fit/lines.h"
#include "n2g/fit/prune.h"
#include "n2g/fit/saliency.h"
#include "rule_oracle.h"

namespace n2g {
namespace {

using namespace n2g::testing;

// Bingley at position 3 fires 1.0 because Mr is two tokens before it.
const std::vector<int32_t> kWindow{THE, MR, OF, BINGLEY, AND, DOT, TO, IN};

TEST(Prune, FindsShortestContextAndAppendsSentenceEnd) {
  RuleOracle oracle;
  const TokenTable table = test_table();
  const std::vector<float> acts{0, 0, 0, 1.0f, 0, 0, 0, 0};
  const auto prompts = prune(oracle, table, PruneParams{}, {{0, &kWindow, &acts}});
  // Candidates [Bingley] -> 0.1 and [of, Bingley] -> 0.1 fail min_ratio 0.5; [Mr, of, Bingley] -> 1.0.
  // Post context: " and", "." (ends the sentence, so stop).
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].tokens, (std::vector<int32_t>{MR, OF, BINGLEY, AND, DOT}));
  EXPECT_EQ(prompts[0].pivot, 2);
  EXPECT_FLOAT_EQ(prompts[0].scale, 1.0f);
  EXPECT_EQ(oracle.activation_calls, 2);          // rounds of 2, then 4 candidates per pivot
  EXPECT_EQ(oracle.sequences_seen.size(), 4u);  // n = 0, 1; then 2, 3 (3 = the whole prefix)
}

TEST(Prune, LongContextIsFoundInALaterRound) {
  RuleOracle oracle;
  const TokenTable table = test_table();
  // " the" 12 tokens before Darcy: candidates n = 0..1 (round 1) and n = 2..5 (round 2) fail,
  // n = 12 qualifies in round 3 (n = 6..12).
  std::vector<int32_t> window{THE, OF, AND, TO, IN, OF, AND, TO, IN, OF, AND, TO, DARCY, SAID};
  std::vector<float> acts(window.size(), 0.0f);
  acts[12] = 1.0f;
  const auto prompts = prune(oracle, table, PruneParams{}, {{3, &window, &acts}});
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].tokens.front(), THE);
  EXPECT_EQ(prompts[0].pivot, 12);
  EXPECT_EQ(prompts[0].tokens.size(), 14u);  // 13 up to the pivot, then " said"
  EXPECT_EQ(oracle.activation_calls, 3);
  EXPECT_EQ(oracle.sequences_seen.size(), 2u + 4u + 7u);
}

TEST(Prune, FallsBackToLongestCandidateAndScales) {
  RuleOracle oracle;
  const TokenTable table = test_table();
  // The recorded activation (0.4) is more than twice what any candidate reaches (0.1, no title).
  const std::vector<int32_t> window{THE, OF, BINGLEY, EOT, DARCY};
  const std::vector<float> acts{0, 0, 0.4f, 0, 0};
  PruneParams params;
  params.step = 2;
  const auto prompts = prune(oracle, table, params, {{0, &window, &acts}});
  // step 2: candidates n = 0 and n = 2; none reaches 0.2, so the longest (n = 2) is taken.
  // Post context stops before the end-of-text token.
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_EQ(prompts[0].tokens, (std::vector<int32_t>{THE, OF, BINGLEY}));
  EXPECT_EQ(prompts[0].pivot, 2);
  EXPECT_FLOAT_EQ(prompts[0].scale, 4.0f);  // 0.4 / 0.1
}

TEST(Prune, TiesGiveSeveralPivotsAndDeadWindowsNone) {
  const TokenTable table = test_table();
  EXPECT_EQ(find_pivots({DARCY, OF, DARCY}, {0.8f, 0, 0.8f}, table, 1.0), (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(find_pivots({DARCY, OF, DARCY}, {0.8f, 0, 0.5f}, table, 0.5), (std::vector<int32_t>{0, 2}));
  EXPECT_TRUE(find_pivots({OF, IN}, {0, -0.1f}, table, 1.0).empty());
  EXPECT_EQ(find_pivots({EOT, OF}, {5.0f, 0.1f}, table, 1.0), (std::vector<int32_t>{1}));  // specials never pivot
}

TEST(Saliency, ImportanceMatrixByMasking) {
  RuleOracle oracle;
  const auto result = saliency(oracle, EOT, {{0, {MR, OF, BINGLEY, AND, DOT}}});
  ASSERT_EQ(result.size(), 1u);
  const auto& s = result[0];
  EXPECT_EQ(s.activations, (std::vector<float>{0, 0, 1.0f, 0, 0}));
  // Masking Mr drops Bingley from 1.0 to 0.1: I[0][2] = 0.9. Masking "of" changes nothing.
  // Masking Bingley itself drops it to 0: I[2][2] = 1. Every other entry is 0.
  for (size_t k = 0; k < 5; ++k)
    for (size_t j = 0; j < 5; ++j) {
      float expected = 0.0f;
      if (k == 0 && j == 2) expected = 0.9f;
      if (k == 2 && j == 2) expected = 1.0f;
      EXPECT_NEAR(s.importance[k][j], expected, 1e-6) << "I[" << k << "][" << j << "]";
    }
  EXPECT_EQ(oracle.activation_calls, 2);  // the prompts, then every masked variant
  EXPECT_EQ(oracle.sequences_seen.size(), 6u);
  EXPECT_EQ(oracle.sequences_seen[1], (std::vector<int32_t>{EOT, OF, BINGLEY, AND, DOT}));
}

TEST(Saliency, ColumnsUpToTheLastAskedForFromShorterVariants) {
  RuleOracle oracle;
  const NeuronSequence prompt{0, {MR, OF, BINGLEY, AND, DOT}};
  const NeuronSequence quiet{0, {OF, AND}};
  const auto result = saliency_columns(oracle, EOT, {prompt, quiet}, {{0, 0, 1.0f, 0, 0}, {0, 0}}, {2, -1}, true);
  // Only the variants k = 0..2 run, each cut after column 2; the quiet prompt runs nothing.
  EXPECT_EQ(oracle.activation_calls, 1);
  ASSERT_EQ(oracle.sequences_seen.size(), 3u);
  EXPECT_EQ(oracle.sequences_seen[0], (std::vector<int32_t>{EOT, OF, BINGLEY}));
  EXPECT_EQ(oracle.sequences_seen[2], (std::vector<int32_t>{MR, OF, EOT}));
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].activations, (std::vector<float>{0, 0, 1.0f, 0, 0}));
  // The same columns as the whole matrix: I[0][2] = 0.9, I[2][2] = 1, and 0 elsewhere.
  EXPECT_NEAR(result[0].importance[0][2], 0.9f, 1e-6);
  EXPECT_NEAR(result[0].importance[2][2], 1.0f, 1e-6);
  EXPECT_EQ(result[0].importance[1][2], 0.0f);
  EXPECT_EQ(result[1].importance, (std::vector<std::vector<float>>(2, std::vector<float>(2, 0.0f))));

  // Without the diagonal, masking Bingley itself (k = 2) does not run and I[2][2] stays 0.
  RuleOracle lines_only;
  const auto above = saliency_columns(lines_only, EOT, {prompt}, {{0, 0, 1.0f, 0, 0}}, {2}, false);
  EXPECT_EQ(lines_only.sequences_seen.size(), 2u);
  EXPECT_NEAR(above[0].importance[0][2], 0.9f, 1e-6);
  EXPECT_EQ(above[0].importance[2][2], 0.0f);
}

TEST(Augment, ReplacesImportantTokensAndKeepsActivatingVariants) {
  RuleOracle oracle;
  const TokenTable table = test_table();
  const NeuronSequence prompt{0, {MR, OF, BINGLEY, AND, DOT}};
  const auto sal = saliency(oracle, EOT, {prompt});
  EXPECT_EQ(important_positions(prompt.tokens, sal[0], 2, table, 0.8), (std::vector<int32_t>{0, 2}));

  const auto kept = augment(oracle, table, AugmentParams{}, {{&prompt, 2, &sal[0]}});
  // Mr: " mr" (same normalised text) and "." (no letter) are skipped; " said" gives 0.1 (dropped),
  // " Mrs" gives 1.0 (kept). Bingley: " Jane" gives 0 (dropped), "," has no letter.
  ASSERT_EQ(kept.size(), 1u);
  ASSERT_EQ(kept[0].size(), 1u);
  EXPECT_EQ(kept[0][0].tokens, (std::vector<int32_t>{MRS, OF, BINGLEY, AND, DOT}));
  EXPECT_EQ(kept[0][0].activations, (std::vector<float>{0, 0, 1.0f, 0, 0}));  // the variant's own, for its saliency
  ASSERT_EQ(oracle.requested.size(), 2u);
  EXPECT_EQ(oracle.requested[0].prefix, std::vector<int32_t>{});
  EXPECT_EQ(oracle.requested[0].original, MR);
  EXPECT_EQ(oracle.requested[1].prefix, (std::vector<int32_t>{MR, OF}));
  EXPECT_EQ(oracle.last_method, AugmentMethod::lm);
  EXPECT_EQ(oracle.substitute_calls, 1);

  AugmentParams none;
  none.method = AugmentMethod::none;
  EXPECT_TRUE(augment(oracle, table, none, {{&prompt, 2, &sal[0]}})[0].empty());
}

TEST(Augment, FilterSubstitutesCapsAndDeduplicates) {
  const TokenTable table = test_table();
  EXPECT_EQ(filter_substitutes({LOWER_MR, MRS, MRS, SAID, JANE, DARCY}, MR, table, 3),
            (std::vector<int32_t>{MRS, SAID, JANE}));
  EXPECT_EQ(filter_substitutes({EOT, 999, DOT}, MR, table, 5), std::vector<int32_t>{});
}

TEST(Lines, ImportantContextAndIgnoresThenEnd) {
  RuleOracle oracle;
  const TokenTable table = test_table();
  const std::vector<int32_t> prompt{MR, OF, BINGLEY, AND, DOT};
  const std::vector<int32_t> variant{MRS, OF, BINGLEY, AND, DOT};
  const auto sal = saliency(oracle, EOT, {{0, prompt}, {0, variant}});
  const std::vector<Sample> group{{&prompt, {0, 0, 0.9f, 0, 0}, &sal[0]}, {&variant, {0, 0, 0.8f, 0, 0}, &sal[1]}};
  const auto lines = make_lines(group, table, GraphParams{});
  // Position 2 only is above 0.5. Walking back: "of" has I = 0 -> IGNORE; Mr has I = 0.9 -> kept.
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_EQ(lines[0].elements.size(), 3u);
  EXPECT_EQ(lines[0].elements[0].token, BINGLEY);
  EXPECT_FLOAT_EQ(lines[0].elements[0].importance, 0.9f);
  EXPECT_EQ(lines[0].elements[1].token, kIgnoreToken);
  EXPECT_EQ(lines[0].elements[2].token, MR);
  EXPECT_NEAR(lines[0].elements[2].importance, 0.9f, 1e-6);
  EXPECT_FLOAT_EQ(lines[0].end_activation, 0.9f);
  EXPECT_EQ(lines[1].elements[2].token, MRS);
  EXPECT_FLOAT_EQ(lines[1].end_activation, 0.8f);
}

TEST(Lines, FirstSampleImportanceCountsForAugmentations) {
  const TokenTable table = test_table();
  const std::vector<int32_t> prompt{TO, DARCY};
  const std::vector<int32_t> variant{IN, DARCY};
  Saliency first{{0, 1}, {{0, 0.8f}, {0, 1}}};
  Saliency second{{0, 1}, {{0, 0.1f}, {0, 1}}};  // the substitute itself is unimportant
  const auto lines = make_lines({{&prompt, {0, 1}, &first}, {&variant, {0, 1}, &second}}, table, GraphParams{});
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_EQ(lines[1].elements.size(), 2u);
  EXPECT_EQ(lines[1].elements[1].token, IN);  // kept: position 0 was important in the prompt

  Saliency weak{{0, 1}, {{0, 0.5f}, {0, 1}}};
  const auto cut = make_lines({{&prompt, {0, 1}, &weak}}, table, GraphParams{});
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].elements.size(), 1u);  // trailing IGNOREs are cut
}

}  // namespace
}  // namespace n2g
