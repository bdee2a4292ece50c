#!/bin/bash
# Campaigns: tools/campaign.sh on two tiny sweeps (n2g and n2g+ of the tiny GPT-2) and jobs/campaign.sh
# with a fake sbatch.
#   campaign_test.sh BUILD_DIR SOURCE_DIR TOKENS.h5
# Checks: bad configs and two configs on one atlas are refused before anything runs; a campaign
# sweeps every config and compares them (a table row per atlas, the csv, the page); the same command
# again resumes every neuron; the Slurm submission is an array of one task per config with a
# dependent compare job, and a bad config submits nothing.
set -uo pipefail
build=$1 source=$2 tokens=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi
}
config() {  # config FILE METHOD OUTPUT [MODEL]
  cat > "$1" <<EOF
model: {path: ${4:-$source/tests/fixtures/models/tiny-gpt2}}
dataset: {path: $tokens}
neurons: {layers: all, indices: "0-3"}
scan: {top_k: 6, batch_windows: 8}
fit: {method: $2, augment: {method: lm, max_substitutes: 3}}
run: {output: $3, neurons_per_wave: 2, progress: false}
EOF
}
cd "$work"
config a.yaml n2g runs/a/atlas.h5
config b.yaml n2g+ runs/b/atlas.h5
config same.yaml n2g+ runs/a/./atlas.h5
config broken.yaml n2g runs/c/atlas.h5 "$work/no-such-model"
export N2G_BUILD=$build
campaign=$source/tools/campaign.sh

# Refusals before any work.
"$campaign" a.yaml same.yaml > out 2>&1
check "two configs on one atlas are refused" test $? -ne 0
check "naming both configs and run.output" grep -q "campaign: same.yaml and a.yaml both write runs/a/./atlas.h5 (run.output)" out
"$campaign" a.yaml broken.yaml > out 2>&1
check "a bad config is refused" test $? -ne 0
check "with the sweep's own reason and the config" grep -q "no-such-model" out
check "and the config named" grep -q "campaign: broken.yaml is refused (above); nothing was run" out
check "nothing was swept" test ! -e runs/a
"$campaign" --np zero a.yaml > out 2>&1
check "a bad --np is refused" grep -q "campaign: --np must be a positive number of ranks, not 'zero'" out

# The campaign: two sweeps, then the comparison.
"$campaign" --np 2 --out cmp a.yaml b.yaml > out 2>&1
check "a campaign succeeds" test $? -eq 0
check "it says which sweep runs" grep -q "campaign: \[2/2\] b.yaml -> runs/b/atlas.h5 (2 ranks; to do: no atlas yet)" out
check "both atlases exist" test -f runs/a/atlas.h5 -a -f runs/b/atlas.h5
check "the table has a row for each atlas" test "$(grep -c '^"runs/[ab]/atlas.h5",.*,"all",' cmp/compare.csv)" -eq 2
check "the text table names both methods" grep -q "n2g+" cmp/compare.txt
check "the page exists" test -s cmp/html/index.html
check "no partial file is left" test -z "$(find cmp -name '*.partial')"

# The same command again sweeps only what is not done: a changed config, not an unchanged one.
cp runs/a/atlas.h5 a_before.h5
sed -i 's/top_k: 6/top_k: 5/' b.yaml
"$campaign" --np 2 --out cmp a.yaml b.yaml > out 2>&1
check "the same command again succeeds" test $? -eq 0
check "it skips the done sweep" grep -q "campaign: \[1/2\] a.yaml -> runs/a/atlas.h5: skipped, done: the atlas there was swept from this config, model and dataset" out
check "and leaves its atlas as it was" cmp -s a_before.h5 runs/a/atlas.h5
check "it sweeps the changed config again, saying why" grep -q "campaign: \[2/2\] b.yaml -> runs/b/atlas.h5 (2 ranks; to do: the atlas there is from a run with a different config)" out
check "which is now the new one's" grep -q "top_k: 5" <(h5dump -a /config runs/b/atlas.h5)

# Slurm: a fake sbatch records its calls.
mkdir bin
cat > bin/sbatch <<'FAKE'
#!/bin/bash
echo "sbatch $*" >> "$WORK/calls"
case "$*" in *--dependency*) echo 101 ;; *) echo "100;cluster" ;; esac
FAKE
chmod +x bin/sbatch
export WORK=$work PATH=$work/bin:$PATH
"$source/jobs/campaign.sh" --out cmp2 --ntasks=4 a.yaml b.yaml > out 2>&1
check "the submission succeeds" test $? -eq 0
check "an array of one task per config, with the options given" \
  grep -qx "sbatch --parsable --array=0-1 --ntasks=4 $source/jobs/campaign.slurm a.yaml b.yaml" calls
check "and a compare job after every task has ended well" \
  grep -qx "sbatch --parsable --dependency=afterok:100 --kill-on-invalid-dep=yes $source/jobs/campaign_compare.slurm --out cmp2 a.yaml b.yaml" calls
check "it says so" grep -q "campaign: job array 100 sweeps 2 configs; job 101 compares them into cmp2" out
: > calls
"$source/jobs/campaign.sh" a.yaml broken.yaml > out 2>&1
check "a bad config submits nothing" test $? -ne 0 -a ! -s calls
# An array task sweeps its own config (jobs/launch.sh with a fake srun).
cat > bin/srun <<'FAKE'
#!/bin/bash
echo "srun $*" >> "$WORK/calls"
FAKE
chmod +x bin/srun
sed -i 's/top_k: 5/top_k: 4/' b.yaml   # b's atlas is no longer done
SLURM_ARRAY_TASK_ID=1 SLURM_SUBMIT_DIR=$source N2G_MODULES= bash "$source/jobs/campaign.slurm" a.yaml b.yaml > out 2>&1
check "array task 1 sweeps the second config" grep -q "srun -c 1 --mpi=pmix --cpu-bind=cores $build/n2g_sweep b.yaml" calls
: > calls
SLURM_ARRAY_TASK_ID=0 SLURM_SUBMIT_DIR=$source N2G_MODULES= bash "$source/jobs/campaign.slurm" a.yaml b.yaml > out 2>&1
check "a task whose atlas is done sweeps nothing" test ! -s calls
check "and says so" grep -q "n2g: a.yaml: skipped, done: the atlas there was swept from this config, model and dataset" out
SLURM_ARRAY_TASK_ID=2 SLURM_SUBMIT_DIR=$source N2G_MODULES= bash "$source/jobs/campaign.slurm" a.yaml b.yaml > out 2>&1
check "a task beyond the configs is an error" grep -q "n2g: array task 2, but only 2 configs were given" out

if [ "$failures" -eq 0 ]; then echo "all campaign checks passed"; else echo "$failures campaign checks FAILED"; exit 1; fi
