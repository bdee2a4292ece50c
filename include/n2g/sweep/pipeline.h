// n2g_sweep's pipeline (ARCHITECTURE.md): start-up checks, scan, exchange, fit and evaluate in
// waves with checkpoints, and the collective atlas write.
#pragma once

#include <ostream>
#include <string>

#include "n2g/dist/rank_context.h"
#include "n2g/errors.h"
#include "n2g/sweep/config.h"

namespace n2g {

// Thrown on the ranks that did not fail when another rank did; that rank (or rank 0) reports.
class PeerFailure : public Error {
 public:
  using Error::Error;
};

struct SweepSummary {
  std::string atlas;
  int64_t neurons = 0;
  double wall_seconds = 0;
  std::string report;  // rank 0: the per-layer table and the best neurons
};

// Collective over context.comm. Rank 0 writes progress and the summary to `log`. Checkpoints of
// an earlier run with the same config are resumed; `restart` discards them instead.
SweepSummary run_sweep(const SweepConfig& config, const RankContext& context, std::ostream& log, bool restart = false);

}  // namespace n2g
