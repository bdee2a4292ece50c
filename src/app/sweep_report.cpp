#include "n2g/app/sweep_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include "n2g/app/report.h"
#include "n2g/graph/describe.h"
#include "n2g/graph/serialize.h"
#include "n2g/io/atlas.h"

namespace n2g {
namespace {

std::string best_neurons(const AtlasReader& atlas, size_t count) {
  const auto f1 = atlas.float_column("/stats/firing_f1");
  const auto firing = atlas.int64_column("/stats/firing_count");
  std::vector<int64_t> order;
  for (size_t r = 0; r < f1.size(); ++r)
    if (!std::isnan(f1[r]) && firing[r] >= 3) order.push_back(static_cast<int64_t>(r));
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return f1[a] > f1[b]; });
  std::ostringstream out;
  for (size_t i = 0; i < order.size() && i < count; ++i) {
    const AtlasRow row = atlas.row(order[i]);
    char f1_text[32];
    std::snprintf(f1_text, sizeof(f1_text), "  F1 %.2f  ", f1[order[i]]);
    out << "  " << atlas.header().unit_name(row.layer, row.index) << f1_text
        << describe_graph(unflatten(row.graph), atlas.header().vocab) << "\n";
  }
  return out.str();
}

// The fit stage's cost per neuron, as the atlas's /run records it.
std::string fit_cost_lines(const RunTimings& t) {
  char line[400];
  std::snprintf(line, sizeof(line),
                "fit cost per neuron: %.1f ms core-seconds (windows %.1f, prune %.1f, saliency %.1f, augment %.1f, "
                "evaluate %.1f; %s, %s)\nforward tokens per neuron: windows %.0f, prune %.0f, saliency %.0f, augment %.0f\n",
                1e3 * t.fit_core_seconds_per_neuron, 1e3 * t.windows_core_seconds_per_neuron,
                1e3 * t.prune_core_seconds_per_neuron, 1e3 * t.saliency_core_seconds_per_neuron,
                1e3 * t.augment_core_seconds_per_neuron, 1e3 * t.evaluate_core_seconds_per_neuron, t.dtype.c_str(),
                t.reproducible.c_str(), t.windows_forward_tokens_per_neuron, t.prune_forward_tokens_per_neuron,
                t.saliency_forward_tokens_per_neuron, t.augment_forward_tokens_per_neuron);
  return line;
}

}  // namespace

std::string sweep_report(const SweepSummary& summary) {
  const AtlasReader atlas(summary.atlas);
  const RunTimings timings = atlas.run();
  std::ostringstream report;
  report << format_reports(layer_reports(atlas), "text");
  char line[160];
  std::snprintf(line, sizeof(line), "%lld neurons in %.1f s (%.1f neurons/s over the fit stage) on %d rank(s)\n",
                static_cast<long long>(summary.neurons), summary.wall_seconds, timings.neurons_per_second,
                summary.world_size);
  report << line;
  if (summary.forward_share > 0) {
    std::snprintf(line, sizeof(line), "forward passes took %.0f%% of rank 0's fit stage\n", 100 * summary.forward_share);
    report << line;
  }
  report << fit_cost_lines(timings) << "best neurons:\n" << best_neurons(atlas, 3);
  return report.str();
}

}  // namespace n2g
