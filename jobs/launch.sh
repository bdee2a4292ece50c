#!/bin/bash
# What both Slurm scripts run inside their allocation:
#   jobs/launch.sh CONFIG.yaml [n2g_sweep arguments, e.g. --restart]
# - n2g_sweep is $N2G_BUILD/n2g_sweep (default: build/ under the directory you submitted from);
# - site modules ($N2G_MODULES) are loaded where a module system exists, and a failed load stops
#   the job with the module's message;
# - every rank gets the job's --cpus-per-task: srun -c (Slurm 22.05 and later no longer pass it
#   from sbatch to srun), and OMP_NUM_THREADS says the same to n2g's thread sizing;
# - the run.output directory exists before the sweep checks it;
# - USR1 (sbatch --signal=B:USR1@300, five minutes before the time limit) requeues the job, which
#   then resumes from its checkpoints like after a preemption.
set -euo pipefail
config=${1:?usage: launch.sh CONFIG.yaml [n2g_sweep arguments]}
shift
build=${N2G_BUILD:-${SLURM_SUBMIT_DIR:-$PWD}/build}
sweep=$build/n2g_sweep
[ -x "$sweep" ] || { echo "n2g: $sweep not found: submit from the repository root or set N2G_BUILD" >&2; exit 1; }
[ -r "$config" ] || { echo "n2g: cannot read the config $config (relative paths are relative to $PWD)" >&2; exit 1; }

if [ -n "${N2G_MODULES:-}" ]; then
  if type module > /dev/null 2>&1; then
    module load $N2G_MODULES || { echo "n2g: 'module load $N2G_MODULES' failed: adjust N2G_MODULES" >&2; exit 1; }
  else
    echo "n2g: no module system here; not loading: $N2G_MODULES" >&2
  fi
fi

# The atlas's directory, from n2g's own reading of the config (a bad config is left for the sweep
# to report on every rank's terms).
output=$("$sweep" "$config" --check 2> /dev/null | sed -n '1s/^atlas: //p') || true
[ -n "$output" ] && mkdir -p "$(dirname "$output")"

cpus=${SLURM_CPUS_PER_TASK:-1}
export OMP_NUM_THREADS=$cpus
requeue() {
  echo "n2g: the time limit is near: requeueing job ${SLURM_JOB_ID:-?} to resume from its checkpoints" >&2
  scontrol requeue "${SLURM_JOB_ID:?}"
}
trap requeue USR1
srun -c "$cpus" --mpi=pmix --cpu-bind=cores "$sweep" "$config" "$@" &
sweep_pid=$!
status=0
# wait returns early when the trap runs; wait again until srun itself ends.
while kill -0 "$sweep_pid" 2> /dev/null; do
  wait "$sweep_pid" && status=0 || status=$?
done
exit "$status"
