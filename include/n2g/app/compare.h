// n2g_compare: several atlases side by side (a family of models, checkpoints of one run): a row
// per (atlas, layer) and one per atlas with what scaling plots need: model size, relative depth,
// neurons ok / dead / near-dead, N2G and token-lookup firing F1 on both test sets with 95%
// bootstrap intervals, the share of neurons with F1 >= 0.8, graph size, density, correlation and
// the fit's cost. Atlases that differ in method, hook or dataset are allowed; the rows say so.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "n2g/fit/metrics.h"
#include "n2g/io/atlas.h"

namespace n2g {

struct ComparisonRow {
  std::string atlas, model, method, hook, dataset;
  int64_t parameters = 0;  // 0: unknown (atlas written before it was recorded)
  int64_t n_layers = 0, d_mlp = 0;
  int32_t layer = -1;                     // -1: the whole atlas
  float relative_depth = kNotANumber;     // (layer + 0.5) / n_layers; NaN for the whole atlas
  int64_t neurons = 0, ok = 0, dead = 0, near_dead = 0;
  MeanWithInterval top_f1, random_f1, top_token_f1, random_token_f1;  // over ok neurons with a real firing in the set
  float share_f1_at_least_0_8 = kNotANumber;  // of the ok neurons scored on the top-window test half
  float median_graph_nodes = kNotANumber;     // ok neurons
  float mean_density = kNotANumber;           // ok neurons
  MeanWithInterval graph_correlation;         // Pearson r over the random test windows (NaN in older atlases)
  double fit_core_seconds_per_neuron = 0;     // the atlas's /run (the same on every row of an atlas)
};

// Rows of every atlas, in the given order: its layers, then the whole atlas. Throws UsageError
// when a path is given twice (or names the same file twice) or fewer than one is given, and
// FormatError (from the reader) for a file that is no atlas or of an unreadable version.
std::vector<ComparisonRow> compare_atlases(const std::vector<std::string>& paths);

// text | csv | json
std::string format_comparison(const std::vector<ComparisonRow>& rows, const std::string& format);

}  // namespace n2g
