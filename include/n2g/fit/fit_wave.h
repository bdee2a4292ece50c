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
};

struct NeuronFit {
  bool failed = false;
  std::string error;  // why it failed
  Trie graph;
  NeuronScores scores;          // N2G on the test windows
  NeuronScores token_baseline;  // token lookup on the test windows
  NeuronScores ngram_baseline;  // 5-gram lookup on the test windows
  int64_t prompts = 0;          // pruned prompts
  int64_t augmented = 0;        // kept augmentations
};

std::vector<NeuronFit> fit_wave(ActivationOracle& oracle, const TokenTable& table, const FitParams& fit,
                                const EvalParams& eval, int32_t mask_token, const std::vector<NeuronTask>& tasks);

}  // namespace n2g
