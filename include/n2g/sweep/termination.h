// What a sweep says when it is told to stop (SIGTERM: Slurm preemption, scancel, the end of the
// time limit; SIGINT: Ctrl-C; SIGHUP: the terminal closed): one line on rank 0 naming the signal,
// where the finished waves are and how to resume. The checkpoints need nothing more: every file is
// written under a temporary name and renamed, so a run stopped at any instant leaves a resumable
// state. When the job ends because a rank failed (mpirun then sends SIGTERM to the others), the
// failed rank leaves a marker in the checkpoint directory and rank 0 says that instead.
#pragma once

#include "n2g/dist/rank_context.h"
#include "n2g/sweep/config.h"

namespace n2g {

// Installs the handler of SIGTERM, SIGINT and SIGHUP: rank 0 writes the notice to stderr, then the
// signal takes its default action (the process ends with it, so schedulers see a terminated job).
// Rank 0 removes a failure marker left by an earlier run.
void announce_termination(const SweepConfig& config, const RankContext& context);

// Called by a rank that is about to end the job for its own error (before MPI_Abort): leaves the
// marker and silences this rank's own notice.
void announce_rank_failure();

}  // namespace n2g
