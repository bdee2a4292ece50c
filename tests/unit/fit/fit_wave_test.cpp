// The whole fit stage for a wave against hand-worked graphs, predictions and metrics.
#include <gtest/gtest.h>

#include <cmath>

#include "n2g/fit/fit_wave.h"
#include "rule_oracle.h"

namespace n2g {
namespace {

using namespace n2g::testing;

NeuronTask bingley_task() {
  NeuronTask task;
  task.neuron = 0;
  task.a_max = 1.0f;
  task.train = {{THE, MR, OF, BINGLEY, AND, DOT, TO, IN},     // title two tokens back
                {TO, MR, BINGLEY, THE, IN, DOT, OF, AND}};    // title right before
  task.test = {{MR, BINGLEY, TO, OF, BINGLEY, MRS, THE, BINGLEY}};
  return task;
}

// The paper's method: the hand-worked graphs below are its.
FitParams paper() {
  FitParams fit;
  fit.method = FitMethod::n2g;
  return fit;
}

TEST(FitWave, BuildsTheHandWorkedGraphAndScoresIt) {
  RuleOracle oracle;
  FitParams fit = paper();
  const auto fits = fit_wave(oracle, test_table(), fit, EvalParams{}, EOT, {bingley_task()});
  ASSERT_EQ(fits.size(), 1u);
  const NeuronFit& result = fits[0];
  ASSERT_FALSE(result.failed) << result.error;
  EXPECT_EQ(result.prompts, 2);
  EXPECT_EQ(result.augmented, 2);  // Mr -> Mrs in each prompt

  // Lines: [Bingley * Mr], [Bingley * Mrs] from window 1; [Bingley Mr], [Bingley Mrs] from window 2.
  // Merging: Mr and Mrs under Bingley end paths, so they stay and receive IGNORE's {Mr, Mrs}.
  const auto skip = [](int32_t t) { return t == EOT; };
  const Trie& graph = result.graph;
  EXPECT_EQ(graph.counts().activating, 1);
  EXPECT_EQ(graph.counts().total, 10);  // Bingley; IGNORE, Mr, Mrs; 2 under each of them
  EXPECT_EQ(graph.predict({MR, BINGLEY}, skip), (std::vector<float>{0, 1.0f}));
  EXPECT_EQ(graph.predict({MRS, OF, BINGLEY}, skip), (std::vector<float>{0, 0, 1.0f}));
  EXPECT_EQ(graph.predict({TO, OF, BINGLEY}, skip), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(graph.predict({BINGLEY}, skip), (std::vector<float>{0}));

  // Test window: real firing at 1 (Mr before) and 7 (Mrs two back); 4 has 0.1. The graph predicts
  // exactly these: TP 2, FP 0, FN 0, TN 6.
  EXPECT_EQ(result.scores.counts.true_positive, 2);
  EXPECT_EQ(result.scores.counts.true_negative, 6);
  EXPECT_FLOAT_EQ(result.scores.firing.precision, 1.0f);
  EXPECT_FLOAT_EQ(result.scores.firing.recall, 1.0f);
  EXPECT_FLOAT_EQ(result.scores.firing.f1, 1.0f);
  EXPECT_FLOAT_EQ(result.scores.accuracy, 1.0f);
  EXPECT_EQ(result.scores.firing_count, 2);
  EXPECT_EQ(result.scores.nonfiring_count, 6);

  // Token lookup: Bingley -> 1.0 everywhere: TP 2, FP 1 (position 4): P 2/3, R 1, F1 0.8.
  EXPECT_FLOAT_EQ(result.token_baseline.firing.precision, 2.0f / 3.0f);
  EXPECT_FLOAT_EQ(result.token_baseline.firing.recall, 1.0f);
  EXPECT_FLOAT_EQ(result.token_baseline.firing.f1, 0.8f);
  // 5-gram: no test context equals a train one: TP 0, FP 0, FN 2: P NaN, R 0, F1 0.
  EXPECT_TRUE(std::isnan(result.ngram_baseline.firing.precision));
  EXPECT_FLOAT_EQ(result.ngram_baseline.firing.recall, 0.0f);
  EXPECT_FLOAT_EQ(result.ngram_baseline.firing.f1, 0.0f);
}

TEST(FitWave, WithoutAugmentationTheGraphMissesMrs) {
  RuleOracle oracle;
  FitParams fit = paper();
  fit.augment.method = AugmentMethod::none;
  const auto fits = fit_wave(oracle, test_table(), fit, EvalParams{}, EOT, {bingley_task()});
  ASSERT_FALSE(fits[0].failed);
  // Only Mr is known: position 7 (Mrs) is missed: TP 1, FN 1 -> P 1, R 0.5, F1 2/3.
  EXPECT_FLOAT_EQ(fits[0].scores.firing.precision, 1.0f);
  EXPECT_FLOAT_EQ(fits[0].scores.firing.recall, 0.5f);
  EXPECT_FLOAT_EQ(fits[0].scores.firing.f1, 2.0f / 3.0f);
  EXPECT_EQ(oracle.substitute_calls, 0);
}

TEST(FitWave, DiagnosesWhyFiringsWereMissed) {
  RuleOracle oracle;
  FitParams fit = paper();
  fit.augment.method = AugmentMethod::none;
  NeuronTask task = bingley_task();
  task.test[0].push_back(DARCY);  // neuron 0 never fires on Darcy: no change
  const auto fits = fit_wave(oracle, test_table(), fit, EvalParams{}, EOT, {task});
  // The one miss (Mrs Bingley at 7): Bingley is on the first level, its context is not.
  EXPECT_EQ(fits[0].misses.context_unmatched, 1);
  EXPECT_EQ(fits[0].misses.token_absent, 0);
  EXPECT_FLOAT_EQ(fits[0].misses.train_firing_per_window, 1.0f);  // one titled Bingley per train window
  EXPECT_TRUE(std::isnan(fits[0].rate_threshold));                 // the paper's method calibrates nothing
}

TEST(FitWave, RandomWindowsAreASecondTestSet) {
  RuleOracle oracle;
  NeuronTask task = bingley_task();
  task.random_test = {{TO, BINGLEY, MR, BINGLEY, THE, DARCY}};  // fires at 3 only
  const auto fits = fit_wave(oracle, test_table(), paper(), EvalParams{}, EOT, {task});
  const NeuronScores& random = fits[0].random_scores;
  EXPECT_EQ(random.firing_count, 1);
  EXPECT_EQ(random.nonfiring_count, 5);
  // The graph needs Mr or Mrs: TP 1, FP 0. Token lookup fires on both Bingleys: TP 1, FP 1.
  EXPECT_EQ(random.counts.true_positive, 1);
  EXPECT_EQ(random.counts.false_positive, 0);
  EXPECT_FLOAT_EQ(fits[0].random_token_baseline.firing.precision, 0.5f);
  // The top-window scores are those of the hand-worked case.
  EXPECT_FLOAT_EQ(fits[0].scores.firing.f1, 1.0f);
}

TEST(FitWave, PlusLearnsFromEveryTrainPosition) {
  // Neuron 3 fires on Darcy after " the". The top train window's pruned prompt gives the line
  // [Darcy, *, the]; n2g+ also reads the firing Darcy of the extra window and the quiet ones of the
  // random train window, and calibrates on all of them.
  RuleOracle oracle;
  NeuronTask task;
  task.neuron = 3;
  task.a_max = 1.0f;
  task.train = {{THE, SAID, DARCY, DOT}};
  task.test = {{DARCY, OF, THE, SAID, DARCY}};
  task.extra_train = {{THE, OF, DARCY, AND}};
  task.extra_train_activations = oracle.activations({{3, task.extra_train[0]}});
  task.random_train = {{DARCY, SAID, DOT, DARCY}};
  task.random_test = {{OF, DARCY, THE, TO, DARCY, IN}};
  FitParams plus;
  plus.augment.method = AugmentMethod::none;
  const auto fits = fit_wave(oracle, test_table(), plus, EvalParams{}, EOT, {task});
  ASSERT_FALSE(fits[0].failed) << fits[0].error;
  // Deepest nodes: "the" 2 of 2 fire (rate (2 + 0) / 4 = 1/2), Darcy alone 0 of 1, Darcy * 0 of 1.
  // Left out one at a time a firing position sees 1/3: the threshold is 0.30.
  EXPECT_NEAR(fits[0].rate_threshold, 0.30f, 1e-6);
  const auto skip = [](int32_t t) { return t == EOT; };
  EXPECT_FLOAT_EQ(fits[0].graph.predict({DARCY}, skip)[0], 0.1f);  // a calibrated quiet END
  EXPECT_FLOAT_EQ(fits[0].graph.predict({THE, IN, DARCY}, skip)[2], 1.0f);
  EXPECT_EQ(fits[0].scores.counts.true_positive, 1);
  EXPECT_EQ(fits[0].scores.counts.false_positive, 0);
  EXPECT_EQ(fits[0].random_scores.counts.true_positive, 1);
  EXPECT_EQ(fits[0].random_scores.counts.false_positive, 0);
  // Token lookup, given the same train positions, fires on every Darcy.
  EXPECT_EQ(fits[0].token_baseline.counts.false_positive, 1);
  EXPECT_EQ(fits[0].random_token_baseline.counts.false_positive, 1);
}

TEST(FitWave, BatchesAcrossNeuronsAndIsolatesFailures) {
  RuleOracle oracle;
  NeuronTask darcy;
  darcy.neuron = 1;
  darcy.a_max = 0.8f;
  darcy.train = {{THE, DARCY, SAID, DOT}};
  darcy.test = {{DARCY, OF, DARCY, EOT, DARCY}};
  NeuronTask broken = darcy;
  broken.neuron = 2;
  const auto fits = fit_wave(oracle, test_table(), FitParams{}, EvalParams{}, EOT, {bingley_task(), broken, darcy});
  // One call per stage for the whole wave: windows, 2 prune rounds, saliency (prompts, masked
  // variants), augmentations, their masked variants.
  EXPECT_EQ(oracle.activation_calls, 7);
  EXPECT_EQ(oracle.substitute_calls, 1);
  EXPECT_FALSE(fits[0].failed);
  EXPECT_TRUE(fits[1].failed);
  EXPECT_NE(fits[1].error.find("NaN"), std::string::npos);
  ASSERT_FALSE(fits[2].failed) << fits[2].error;
  // Darcy fires alone (pruned to one token, normalised 0.8 / 0.8 = 1): all three test Darcys hit.
  EXPECT_EQ(fits[2].scores.counts.true_positive, 3);
  EXPECT_EQ(fits[2].scores.counts.false_positive, 0);
  EXPECT_EQ(fits[2].scores.nonfiring_count, 1);  // "of"; the end-of-text position does not count
  EXPECT_EQ(fits[2].graph.predict({OF, DARCY}, [](int32_t t) { return t == EOT; })[1], 1.0f);
}

TEST(FitWave, ScanActivationsReplaceTheWindowPassWithTheSameResult) {
  RuleOracle with_pass, with_scan;
  NeuronTask task = bingley_task();
  FitCosts pass_costs, scan_costs;
  const auto passed = fit_wave(with_pass, test_table(), paper(), EvalParams{}, EOT, {task}, &pass_costs);
  for (const auto& window : task.train) task.train_activations.push_back(with_pass.activations({{0, window}})[0]);
  for (const auto& window : task.test) task.test_activations.push_back(with_pass.activations({{0, window}})[0]);
  const auto scanned = fit_wave(with_scan, test_table(), paper(), EvalParams{}, EOT, {task}, &scan_costs);
  // The window pass ran the 3 windows of 8 tokens; with the scan's activations no window runs.
  EXPECT_EQ(pass_costs.windows.forward_tokens, 24);
  EXPECT_EQ(scan_costs.windows.forward_tokens, 0);
  for (const auto& sequence : with_scan.sequences_seen) EXPECT_NE(sequence, task.test[0]);
  // Every later stage ran the same sequences, and the results are the same.
  EXPECT_EQ(scan_costs.prune.forward_tokens, pass_costs.prune.forward_tokens);
  EXPECT_EQ(scan_costs.saliency.forward_tokens, pass_costs.saliency.forward_tokens);
  EXPECT_GT(scan_costs.saliency.forward_tokens, 0);
  EXPECT_EQ(scan_costs.augment.forward_tokens, pass_costs.augment.forward_tokens);
  EXPECT_EQ(scan_costs.total().forward_tokens, with_scan.tokens_run);
  EXPECT_EQ(scanned[0].graph.counts().total, 10);
  EXPECT_EQ(scanned[0].graph.counts().total, passed[0].graph.counts().total);
  EXPECT_EQ(scanned[0].scores.counts.true_positive, passed[0].scores.counts.true_positive);
  EXPECT_EQ(scanned[0].token_baseline.firing.f1, passed[0].token_baseline.firing.f1);
}

TEST(FitWave, TruncatesTestWindowsToMaxTokens) {
  RuleOracle oracle;
  EvalParams eval;
  eval.max_tokens = 4;  // keeps positions 0..3: only the firing at 1 remains
  const auto fits = fit_wave(oracle, test_table(), FitParams{}, eval, EOT, {bingley_task()});
  EXPECT_EQ(fits[0].scores.firing_count, 1);
  EXPECT_EQ(fits[0].scores.nonfiring_count, 3);
}

}  // namespace
}  // namespace n2g
