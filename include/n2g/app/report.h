// The per-layer tables of an atlas, after the paper's Table 1: N2G, token lookup and 5-gram firing
// precision / recall / F1 on both test sets (the top-window test half and the random windows),
// means over the ok neurons with a real firing in that set (the others are counted, not averaged),
// with 95% bootstrap intervals of the F1 means; N2G also pooled on the top windows; the neuron
// counts by status; the correlation of predicted and real activation; and the fit's diagnostics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "n2g/fit/metrics.h"
#include "n2g/io/atlas.h"

namespace n2g {

struct PredictorSummary {
  ClassScores mean;
  Interval f1_interval;  // of the F1 mean
};

struct TestSetReport {
  int64_t scored = 0;    // ok neurons with a real firing in the set
  int64_t left_out = 0;  // ok neurons without one
  PredictorSummary n2g, token, ngram;
  ClassScores n2g_pooled;  // top windows only (NaN for the random windows)
};

struct LayerReport {
  int32_t layer = 0;
  int64_t neurons = 0, ok = 0, dead = 0, failed = 0, pending = 0;
  TestSetReport top, random;
  // Mean Pearson r of predicted and real activation (graph, token lookup) over the ok neurons that
  // have one, on the random test windows and on all test windows; NaN for atlases written before it.
  MeanWithInterval graph_random, graph_all, token_random, token_all;
  float median_graph_nodes = kNotANumber;
  float train_firing_per_window = kNotANumber;  // mean over ok neurons
  int64_t miss_token_absent = 0, miss_context_unmatched = 0;  // summed over ok neurons
};

std::vector<LayerReport> layer_reports(const AtlasReader& atlas);

// format: text | csv | markdown
std::string format_reports(const std::vector<LayerReport>& reports, const std::string& format);

}  // namespace n2g
