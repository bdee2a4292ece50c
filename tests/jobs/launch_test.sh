#!/bin/bash
# jobs/launch.sh without a Slurm: fake srun, scontrol and module commands record how they were
# called. Checks argument passing, -c and OMP_NUM_THREADS from --cpus-per-task, the build path,
# the output directory, a failed module load, and the USR1 requeue before the time limit.
set -uo pipefail
launch=$(cd "$(dirname "$0")/../../jobs" && pwd)/launch.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/build" "$work/submit"
cat > "$work/bin/srun" <<'FAKE'
#!/bin/bash
echo "srun $* OMP_NUM_THREADS=$OMP_NUM_THREADS" >> "$WORK/calls"
sleep "${FAKE_SRUN_SECONDS:-0}"
FAKE
cat > "$work/bin/scontrol" <<'FAKE'
#!/bin/bash
echo "scontrol $*" >> "$WORK/calls"
FAKE
# The fake n2g_sweep answers --check as the real one does (the atlas path first).
printf '#!/bin/bash\n[ "$2" = --check ] && echo "atlas: results/deep/atlas.h5" && echo "to do: no atlas yet"\nexit 0\n' > "$work/build/n2g_sweep"
chmod +x "$work/bin/"* "$work/build/n2g_sweep"
printf 'model: {path: m}\nrun: {output: results/deep/atlas.h5}\n' > "$work/submit/run.yaml"
export WORK=$work PATH=$work/bin:$PATH SLURM_SUBMIT_DIR=$work/submit
unset N2G_BUILD N2G_MODULES
failures=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi
}

# Arguments, cores and the output directory.
cd "$work/submit"
SLURM_CPUS_PER_TASK=4 N2G_BUILD=$work/build "$launch" run.yaml --restart > "$work/out" 2>&1
check "srun gets -c from --cpus-per-task, the build's n2g_sweep, the config and the extra arguments" \
  grep -qx "srun -c 4 --mpi=pmix --cpu-bind=cores $work/build/n2g_sweep run.yaml --restart OMP_NUM_THREADS=4" "$work/calls"
check "the output's directory exists" test -d "$work/submit/results/deep"

# n2g_sweep resolves from the submit directory, and its absence is named.
: > "$work/calls"
SLURM_CPUS_PER_TASK=2 "$launch" run.yaml > "$work/out" 2>&1
check "a missing build is named" grep -q "n2g: $work/submit/build/n2g_sweep not found: submit from the repository root or set N2G_BUILD" "$work/out"
check "and nothing is started" test ! -s "$work/calls"

# A failed module load stops the job with a message.
printf '#!/bin/bash\necho "module: $2 not found" >&2\nexit 1\n' > "$work/bin/module"
chmod +x "$work/bin/module"
N2G_BUILD=$work/build N2G_MODULES="openmpi nosuch" "$launch" run.yaml > "$work/out" 2>&1
check "a failed module load exits non-zero" test $? -ne 0
check "and says so" grep -q "n2g: 'module load openmpi nosuch' failed" "$work/out"
rm "$work/bin/module"

# USR1 before the time limit requeues the job; the sweep's exit status is the job's.
: > "$work/calls"
SLURM_JOB_ID=123 FAKE_SRUN_SECONDS=2 N2G_BUILD=$work/build "$launch" run.yaml > "$work/out" 2>&1 &
pid=$!
sleep 1
kill -USR1 "$pid"
wait "$pid"
check "USR1 ends in a successful job once srun is done" test $? -eq 0
check "USR1 requeues the job" grep -qx "scontrol requeue 123" "$work/calls"
check "and says why" grep -q "n2g: the time limit is near: requeueing job 123" "$work/out"

[ "$failures" -eq 0 ] && echo "all launcher checks passed"
exit "$failures"
