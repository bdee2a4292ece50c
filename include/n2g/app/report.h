// The per-layer table of the paper's Table 1 from an atlas: N2G, token lookup and n-gram firing
// precision / recall / F1 (means over ok neurons, NaN precision left out; N2G also pooled) and the
// neuron counts by status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "n2g/fit/metrics.h"
#include "n2g/io/atlas.h"

namespace n2g {

struct LayerReport {
  int32_t layer = 0;
  int64_t neurons = 0, ok = 0, dead = 0, failed = 0, pending = 0;
  ClassScores n2g_mean, n2g_pooled, token_mean, ngram_mean;
};

std::vector<LayerReport> layer_reports(const AtlasReader& atlas);

// format: text | csv | markdown
std::string format_reports(const std::vector<LayerReport>& reports, const std::string& format);

}  // namespace n2g
