// What n2g_sweep prints when a sweep ends, from its atlas: the per-layer table (N2G against the
// baselines), the run's size and speed, the fit's cost per neuron, and the best neurons.
#pragma once

#include <string>

#include "n2g/sweep/pipeline.h"

namespace n2g {

std::string sweep_report(const SweepSummary& summary);

}  // namespace n2g
