#!/usr/bin/env bash
# Faults and bad input as a user on a shared cluster meets them, one group of cases per call:
#   faults.sh GROUP BUILD_DIR SOURCE_DIR WORK_DIR DATASET SYNTHETIC_ATLAS SWEEP_ATLAS
# (DATASET: a token dataset of the tiny GPT-2 fixture; the atlases: any two of different sizes.)
# GROUP: disk_sweep_np1 | disk_sweep_np2 | disk_prepare | disk_site | collisions | edge_inputs | damaged
# Writes fail through N2G_TEST_FILE_LIMIT (each file limited to a number of bytes, the failure a
# full disk gives) at several points of each write. Each case checks the exit status, that the
# message names the problem, that nothing of the user's changed and that no temporary is left.
# Prints "all <GROUP> checks passed" at the end, or the failed checks.
set -uo pipefail
group=$1 build=$2 source=$3 work=$4/$1 dataset=$5 synthetic=$6 swept=$7
model=$source/tests/fixtures/models/tiny-gpt2
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
failures=0
check() {  # check "what" command...: the command must succeed
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}
says() { grep -q -- "$2" "$1" || { echo "  $1 lacks: $2"; sed 's/^/  | /' "$1" | tail -5; return 1; }; }
no_crash() { ! grep -E -q "Segmentation|Aborted|internal error|core dumped|HDF5-DIAG" "$1" || { sed 's/^/  | /' "$1" | tail -8; return 1; }; }
no_temporaries() { [ -z "$(find "$1" -maxdepth 2 \( -name '*.tmp' -o -name '*.tmp-*' -o -name '*.old-*' \) -print -quit)" ] ||
                   { echo "  left behind:"; find "$1" -maxdepth 2 \( -name '*.tmp' -o -name '*.tmp-*' -o -name '*.old-*' \); return 1; }; }
fingerprint() { (cd "$1" && find . -type f ! -name '*.lock' | sort | xargs md5sum); }
size_of() { stat -c %s "$1"; }
sweep_config() {  # sweep_config FILE OUTPUT [extra yaml lines]
  { printf 'model: {path: %s}\ndataset: {path: %s}\n' "${MODEL:-$model}" "$dataset"
    printf 'neurons: {layers: %s, indices: "%s"}\nscan: {top_k: 6, batch_windows: 8}\n' "${LAYERS:-all}" "${INDICES:-0-5}"
    printf 'fit: {augment: {method: embedding}}\n'
    printf 'run:\n  output: %s\n  neurons_per_wave: 3\n  progress: false\n  reproducible: %s\n' "$2" "${REPRODUCIBLE:-exact}"
    if [ $# -gt 2 ]; then printf '%s\n' "${@:3}"; fi; } > "$1"
}
sweep() {  # sweep RANKS CONFIG [args]: n2g_sweep on RANKS ranks
  local ranks=$1; shift
  if [ "$ranks" = 1 ]; then "$build/n2g_sweep" "$@"; else mpiexec -np "$ranks" -x N2G_TEST_FILE_LIMIT "$build/n2g_sweep" "$@"; fi
}

disk_sweep() {  # a full disk at the atlas write and at the checkpoints, on $1 ranks
  local ranks=$1
  mkdir -p out && sweep_config run.yaml out/atlas.h5
  export N2G_TEST_FILE_LIMIT=
  check "np$ranks: a first sweep writes the atlas" sweep "$ranks" run.yaml > first.log 2>&1
  cp out/atlas.h5 good.h5
  local size; size=$(size_of good.h5)
  # The largest checkpoint (the scan's, with every neuron's random-window activations), from a run
  # stopped after its first wave; the limits lie between it and the atlas's size.
  mkdir -p probe && sweep_config probe.yaml probe/atlas.h5
  N2G_TEST_KILL_AFTER_WAVES=1 sweep "$ranks" probe.yaml > probe.log 2>&1
  local largest; largest=$(find probe/atlas.h5.ckpt -name '*.ckpt' -printf '%s\n' | sort -n | tail -1)
  check "np$ranks: the checkpoints are smaller than the atlas" test "${largest:-0}" -gt 0 -a "${largest:-0}" -lt "$size"
  for share in 10 50 97; do  # of the way from the largest checkpoint to the atlas: the atlas write fails
    export N2G_TEST_FILE_LIMIT=$((largest + (size - largest) * share / 100))
    sweep "$ranks" run.yaml > full_$share.log 2>&1
    local status=$?
    check "np$ranks: full disk at $share% of the way to the atlas's size ends the run with an error" test "$status" -ne 0
    check "np$ranks: ... naming the file and the reason" says full_$share.log "atlas.h5.tmp.*\(File too large\|disk full\)"
    check "np$ranks: ... without a crash" no_crash full_$share.log
    check "np$ranks: ... the earlier atlas is byte-identical" cmp -s good.h5 out/atlas.h5
    check "np$ranks: ... no temporary file is left" no_temporaries out
    check "np$ranks: ... the checkpoints stay" test -n "$(ls out/atlas.h5.ckpt/fit-*.ckpt 2>/dev/null)"
  done
  export N2G_TEST_FILE_LIMIT=1500   # smaller than a wave's checkpoint: the fit stage fails
  sweep "$ranks" run.yaml --restart > full_checkpoint.log 2>&1
  check "np$ranks: full disk at a checkpoint ends the run with an error" test $? -ne 0
  check "np$ranks: ... naming the checkpoint file and the reason" says full_checkpoint.log "\.ckpt\.tmp: cannot write (File too large).*cannot write the checkpoint"
  check "np$ranks: ... no temporary file is left" no_temporaries out
  check "np$ranks: ... without a crash" no_crash full_checkpoint.log
  check "np$ranks: ... the earlier atlas is byte-identical" cmp -s good.h5 out/atlas.h5
  export N2G_TEST_FILE_LIMIT=
  check "np$ranks: with room again the same command finishes" sweep "$ranks" run.yaml > again.log 2>&1
  check "np$ranks: ... to the same atlas" "$build/tests/compare_atlases" good.h5 out/atlas.h5 0
  check "np$ranks: ... and only then removes the checkpoints" test ! -e out/atlas.h5.ckpt
}

disk_prepare() {
  head -c 300000 "$source/data/austen-gpt2/persuasion.txt" > novel.txt
  local prepare=("$build/n2g_prepare" --model "$source/data/austen-gpt2/model" --window-len 64 --quiet)
  check "prepare writes a dataset" "${prepare[@]}" --output tokens.h5 novel.txt > first.log 2>&1
  cp tokens.h5 good.h5
  local size; size=$(size_of good.h5)
  for share in 5 50 95; do
    N2G_TEST_FILE_LIMIT=$((size * share / 100)) "${prepare[@]}" --output tokens.h5 novel.txt > full_$share.log 2>&1
    check "full disk at $share% of the dataset ends with an error" test $? -ne 0
    check "... naming the file and the reason" says full_$share.log "tokens.h5.tmp-[0-9]*.*\(File too large\|disk full\)"
    check "... without a crash" no_crash full_$share.log
    check "... the earlier dataset is byte-identical" cmp -s good.h5 tokens.h5
    check "... no temporary file is left" no_temporaries .
  done
}

disk_site() {
  local atlas=$synthetic
  check "a first site is written" "$build/n2g_report" "$atlas" --html site > first.log 2>&1
  fingerprint site > good.txt
  for limit in 500 5000 20000; do
    N2G_TEST_FILE_LIMIT=$limit "$build/n2g_report" "$atlas" --html site > /dev/null 2> full_$limit.log
    check "full disk after $limit bytes of a site file ends with an error" test $? -ne 0
    check "... naming the file and the reason" says full_$limit.log "site.tmp-[0-9]*/.*File too large"
    check "... without a crash" no_crash full_$limit.log
    check "... the earlier site is unchanged" cmp -s good.txt <(fingerprint site)
    check "... no staging directory is left" no_temporaries .
  done
  N2G_TEST_FILE_LIMIT=100 "$build/n2g_report" "$atlas" --neurons --format csv > export.csv 2> export.log
  check "an export to a full disk ends with an error" test $? -ne 0
  check "... saying so" says export.log "cannot write to standard output"
}

collisions() {
  local atlas=$synthetic
  cp "$dataset" data.h5
  sweep_config same_as_dataset.yaml data.h5
  sed -i "s|dataset: {path: .*}|dataset: {path: data.h5}|" same_as_dataset.yaml
  "$build/n2g_sweep" same_as_dataset.yaml > same_as_dataset.log 2>&1
  check "run.output equal to the dataset is refused" says same_as_dataset.log "run.output: data.h5 is dataset.path"
  check "... and the dataset is untouched" cmp -s "$dataset" data.h5
  sweep_config config_itself.yaml config_itself.yaml
  "$build/n2g_sweep" config_itself.yaml > config_itself.log 2>&1
  check "run.output equal to the config is refused" says config_itself.log "run.output: config_itself.yaml is the config"
  check "... and the config is untouched" grep -q "output: config_itself.yaml" config_itself.yaml
  mkdir -p out && sweep_config ckpt_is_output.yaml out/atlas.h5 "  checkpoint_dir: out/atlas.h5"
  "$build/n2g_sweep" ckpt_is_output.yaml > ckpt_is_output.log 2>&1
  check "checkpoint_dir equal to the output is refused before the sweep" says ckpt_is_output.log "is, or lies inside, out/atlas.h5"
  sweep_config ckpt_in_tmp.yaml out/atlas.h5 "  checkpoint_dir: out/atlas.h5.tmp"
  "$build/n2g_sweep" ckpt_in_tmp.yaml > ckpt_in_tmp.log 2>&1
  check "checkpoint_dir equal to the output's temporary is refused" says ckpt_in_tmp.log "lies inside, out/atlas.h5.tmp"
  # Two jobs, two outputs, one checkpoint directory: the second (and its --restart) is refused.
  mkdir -p shared && echo "held by pid 4242 on node7 since 2026-12-06 00:00:00 UTC" > shared/.n2g-lock
  sweep_config second.yaml out/second.h5 "  checkpoint_dir: shared"
  flock shared/.n2g-lock sleep 30 &
  local holder=$!
  sleep 0.5
  "$build/n2g_sweep" second.yaml --restart > second.log 2>&1
  check "a job sharing a held checkpoint directory is refused, naming the holder" says second.log "another n2g_sweep is using the checkpoint directory shared (held by pid 4242 on node7"
  check "... and its --restart removed nothing" test -e shared/.n2g-lock -a ! -e out/second.h5
  kill $holder 2>/dev/null; wait $holder 2>/dev/null
  cp "$source/README.md" input.txt
  "$build/n2g_prepare" --model "$source/data/austen-gpt2/model" --window-len 8 --output input.txt input.txt > prepare_self.log 2>&1
  check "n2g_prepare refuses an output that is one of its inputs" says prepare_self.log "--output input.txt is also an input"
  check "... and the input is untouched" cmp -s "$source/README.md" input.txt
  mkdir -p mine && echo "my notes" > mine/index.html
  "$build/n2g_report" "$atlas" --html mine > mine.log 2>&1
  check "--html into a directory of the user's is refused" says mine.log "mine holds files n2g did not write.*choose a new or empty directory"
  check "... and the user's index.html is untouched" grep -q "my notes" mine/index.html
  "$build/n2g_report" "$atlas" --html site > site1.log 2>&1
  "$build/n2g_report" "$swept" --html site > site2.log 2>&1
  "$build/n2g_report" "$swept" --html fresh > fresh.log 2>&1
  check "a second --html into n2g's own directory replaces the site whole (no file of the first is left)" \
    cmp -s <(fingerprint fresh) <(fingerprint site)
  flock site.lock sleep 30 &
  holder=$!
  sleep 0.5
  "$build/n2g_report" "$atlas" --html site > locked_site.log 2>&1
  check "a second writer of the same site is refused" says locked_site.log "another n2g_report is writing the web atlas site"
  kill $holder 2>/dev/null; wait $holder 2>/dev/null
}

edge_inputs() {
  "$build/tests/make_broken_model" "$model" broken > /dev/null
  LAYERS=[0] INDICES=0-4 MODEL=$PWD/broken sweep_config dead.yaml dead.h5
  check "a sweep whose neurons are all dead writes its atlas" "$build/n2g_sweep" dead.yaml > dead.log 2>&1
  check "... of dead rows" says dead.log "^0 *0/5/0 "
  LAYERS=[0] INDICES=3-8 MODEL=$PWD/broken sweep_config nan.yaml nan.h5
  check "NaN and Inf activations do not stop the sweep" "$build/n2g_sweep" nan.yaml > nan.log 2>&1
  check "... they fail those two neurons (3, 4 dead; 7, 8 ok)" says nan.log "^0 *2/2/2 "
  "$build/n2g_report" nan.h5 --neurons --format csv > nan.csv
  check "... with the reason" says nan.csv "^0,5,\"failed\".*NaN or infinite activations in"
  check "... and the Inf neuron too" says nan.csv "^0,6,\"failed\".*NaN or infinite activations in"
  REPRODUCIBLE=fast sweep_config half.yaml half.h5 && sed -i "s|model: {path: \(.*\)}|model: {path: \1, dtype: float16}|" half.yaml
  "$build/n2g_sweep" half.yaml > half.log 2>&1
  check "model.dtype float16 on a CPU is refused with a message" says half.log "float16 does not run on the CPU"
  check "... without a crash" no_crash half.log
  printf 'Some text.\n' > text.txt && gzip -k text.txt && head -c 4096 /dev/urandom > random.bin
  for input in text.txt.gz random.bin; do
    "$build/n2g_prepare" --model "$source/data/austen-gpt2/model" --window-len 2 --output p.h5 --quiet $input > $input.log 2>&1
    check "n2g_prepare refuses $input" says $input.log "$input: \(is gzip-compressed\|holds NUL bytes\|is mostly not UTF-8\).*--allow-binary"
  done
  check "... and wrote nothing" test ! -e p.h5
  check "--allow-binary tokenizes it anyway" "$build/n2g_prepare" --model "$source/data/austen-gpt2/model" --window-len 2 --output p.h5 --quiet --allow-binary random.bin
}

damaged() {  # every tool on an atlas with one damaged number: an error naming it, never a crash
  local cases=("/graphs/node_offset 0 99999999" "/graphs/node_count 1 -7" "/graphs/parent 0 40" "/graphs/token 0 123456"
               "/index/activating/offsets 2 -1" "/index/context/neurons 0 5000")
  local i=0
  for damage in "${cases[@]}"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    "$build/tests/damage_atlas" "$synthetic" bad$i.h5 $damage || { echo "FAILED: cannot damage ($damage)"; failures=$((failures + 1)); continue; }
    for tool in "n2g_report bad$i.h5" "n2g_report bad$i.h5 --neurons --format json" "n2g_query bad$i.h5 --activating tok3" \
                "n2g_render bad$i.h5 0 0 --out pages$i" "n2g_report bad$i.h5 --html site$i"; do
      # shellcheck disable=SC2086
      "$build"/$tool > tool.log 2>&1
      local status=$?
      check "$tool (${damage%% *} damaged) ends with status 1" test $status -eq 1
      check "... naming the dataset" says tool.log "bad$i.h5: .*${damage%% *}.*damaged atlas"
      check "... without a crash" no_crash tool.log
    done
    check "... and writes no site" test ! -e site$i
  done
}

case $group in
  disk_sweep_np1) disk_sweep 1 ;;
  disk_sweep_np2) disk_sweep 2 ;;
  disk_prepare) disk_prepare ;;
  disk_site) disk_site ;;
  collisions) collisions ;;
  edge_inputs) edge_inputs ;;
  damaged) damaged ;;
  *) echo "unknown group $group"; exit 2 ;;
esac
if [ $failures -eq 0 ]; then echo "all $group checks passed"; else echo "$failures $group checks failed"; exit 1; fi
