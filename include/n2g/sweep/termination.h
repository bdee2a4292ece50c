// What a sweep says when it is told to stop (SIGTERM: Slurm preemption, scancel, the end of the
// time limit): one line on rank 0 saying where the finished waves are and how to resume. The
// checkpoints need nothing more: every file is written under a temporary name and renamed, so a
// run stopped at any instant leaves a resumable state.
#pragma once

#include "n2g/dist/rank_context.h"
#include "n2g/sweep/config.h"

namespace n2g {

// Installs the SIGTERM handler: rank 0 writes the notice to stderr, then the signal takes its
// default action (the process ends with it, so schedulers see a terminated job).
void announce_termination(const SweepConfig& config, const RankContext& context);

}  // namespace n2g
