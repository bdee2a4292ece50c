// n2g_sweep's pipeline (ARCHITECTURE.md): start-up checks, scan, exchange, fit and evaluate in
// waves with checkpoints, and the collective atlas write.
#pragma once

#include <ostream>
#include <string>

#include "n2g/dist/rank_context.h"
#include "n2g/dist/agree.h"
#include "n2g/sweep/config.h"

namespace n2g {

// What a finished sweep tells its program; the figures and graphs are in the atlas.
struct SweepSummary {
  std::string atlas;
  int64_t neurons = 0;
  int world_size = 1;
  double wall_seconds = 0;
  double forward_share = 0;  // share of rank 0's fit stage spent in forward passes
};

// Collective over context.comm. Rank 0 writes progress and the summary to `log`. Checkpoints of
// an earlier run with the same config are resumed; `restart` discards them instead. Set-up
// failures are agreed (AgreedFailure / PeerFailure on every rank, see dist/agree.h); any other
// error is this rank's alone and the caller must end the job (MPI_Abort).
SweepSummary run_sweep(const SweepConfig& config, const RankContext& context, std::ostream& log, bool restart = false);

}  // namespace n2g
