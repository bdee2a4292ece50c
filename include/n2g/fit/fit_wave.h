// The fit and evaluate stages for one wave of neurons of one layer: every stage gathers the
// sequences of the whole wave into one oracle call (ARCHITECTURE.md, "Speed").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "n2g/fit/metrics.h"
#include "n2g/fit/oracle.h"
#include "n2g/fit/params.h"
#include "n2g/fit/token_table.h"
#include "n2g/graph/trie.h"

namespace n2g {

struct NeuronTask {
  int32_t neuron;  // index within the oracle's layer
  float a_max;     // largest activation of the scan, > 0
  std::vector<std::vector<int32_t>> train;  // train windows, no BOS
  std::vector<std::vector<int32_t>> test;   // test windows, no BOS
  // The neuron's activations on each train / test window ([windows][window_len]) as the scan
  // computed them; left empty, fit_wave runs the windows through the oracle first.
  std::vector<std::vector<float>> train_activations, test_activations;
  // n2g+: windows ranked after the top K with their scan activations; like random_train they
  // join the train positions (END calibration, firing tokens, baselines) but are not pruned.
  std::vector<std::vector<int32_t>> extra_train;
  std::vector<std::vector<float>> extra_train_activations;
  // Windows drawn at random from the dataset, none among the top windows. random_test is the
  // second test set of every method; n2g+ adds random_train to its train positions (and the
  // baselines' train data). Their activations as the scan computed them ([windows][window_len]);
  // left empty, fit_wave runs the windows through the oracle.
  std::vector<std::vector<int32_t>> random_train, random_test;
  std::vector<std::vector<float>> random_train_activations, random_test_activations;
};

// Why the graph missed the real firings of the top-window test half (false negatives).
struct MissDiagnostics {
  int64_t token_absent = 0;       // the token is not an activating node of the graph's first level
  int64_t context_unmatched = 0;  // the token is there, but no path's context matched (or its END is low)
  float train_firing_per_window = kNotANumber;  // positions above the activation threshold per train window
};

// Pearson correlation of each predictor's predicted activation with the neuron's (normalised by
// a_max) over the positions of the random test windows, and of those and the top-window test half.
struct Correlations {
  float graph_random = kNotANumber, graph_all = kNotANumber;
  float token_random = kNotANumber, token_all = kNotANumber;
};

struct NeuronFit {
  bool failed = false;
  std::string error;  // why it failed
  Trie graph;
  NeuronScores scores;          // N2G on the test windows
  NeuronScores token_baseline;  // token lookup on the test windows
  NeuronScores ngram_baseline;  // 5-gram lookup on the test windows
  NeuronScores random_scores, random_token_baseline, random_ngram_baseline;  // the same on the random test windows
  Correlations correlation;
  MissDiagnostics misses;
  float rate_threshold = kNotANumber;  // n2g+: the firing-rate threshold its calibration chose
  // The neuron's activations on random_test (cut to eval.max_tokens), then random_train windows.
  std::vector<std::vector<float>> random_activations;
  int64_t prompts = 0;          // pruned prompts
  int64_t augmented = 0;        // kept augmentations
};

// What one stage of the fit cost: tokens run through the model and wall seconds.
struct StageCost {
  int64_t forward_tokens = 0;
  double seconds = 0;
};

// The cost of each stage, summed over waves: windows (the window pass, only for tasks without
// activations), prune, saliency (of the pruned prompts), augment (substitutes, their activations
// and their saliency) and evaluate (lines, graphs, baselines, scores; no forward).
struct FitCosts {
  StageCost windows, prune, saliency, augment, evaluate;
  FitCosts& operator+=(const FitCosts& other);
  StageCost total() const;
};

// Adds the wave's costs to `costs` when given.
std::vector<NeuronFit> fit_wave(ActivationOracle& oracle, const TokenTable& table, const FitParams& fit,
                                const EvalParams& eval, int32_t mask_token, const std::vector<NeuronTask>& tasks,
                                FitCosts* costs = nullptr);

}  // namespace n2g
