#!/usr/bin/env bash
# Fit cost where users see it: the demo sweep (configs/demo.yaml, 384 neurons, top-20, 2 ranks)
# with augmentation off and with LM augmentation, in fast and exact mode, each run `runs` times
# (default 3): fit core-seconds per neuron (median and range) and forward tokens per neuron by
# stage, from each atlas's /run group.
#   tools/bench/fit_sweep.sh [runs]   (from the repository root, after tools/setup.sh)
set -euo pipefail
runs=${1:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=()
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
attribute() { h5dump -a "/run/$1" "$2" | awk '/\(0\)/ {print $2}'; }
printf "%-26s %10s %16s %8s %9s %8s\n" "demo sweep, 2 ranks" "ms/neuron" "(min-max)" "prune" "saliency" "augment"
printf "%-26s %10s %16s %27s\n" "" "core" "" "forward tokens per neuron"
for case in "none fast" "none exact" "lm fast"; do
  set -- $case
  sed -e "s#method: lm#method: $1#" -e "s#output: out/demo/atlas.h5#output: $out/atlas.h5\n  reproducible: $2#" \
      configs/demo.yaml > "$out/bench.yaml"
  costs=()
  for _ in $(seq "$runs"); do
    mpirun -np 2 --oversubscribe "${flags[@]}" build/n2g_sweep "$out/bench.yaml" > /dev/null 2>&1
    costs+=("$(attribute fit_core_seconds_per_neuron "$out/atlas.h5")")
  done
  tokens=$(for stage in prune saliency augment; do attribute ${stage}_forward_tokens_per_neuron "$out/atlas.h5"; done)
  printf '%s\n' "${costs[@]}" | sort -g | awk -v name="augment $1, $2" -v tokens="$(echo $tokens)" '
    { v[NR] = $1 * 1000 }
    END { split(tokens, t, " ");
          printf "%-26s %10.1f %7.1f - %6.1f %8.0f %9.0f %8.0f\n", name, v[int((NR + 1) / 2)], v[1], v[NR], t[1], t[2], t[3] }'
done
