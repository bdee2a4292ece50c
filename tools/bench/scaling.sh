#!/usr/bin/env bash
# The same sweep (configs/demo.yaml, 48 neurons) on 1 and on 2 MPI ranks on this machine: wall
# time and per-stage seconds from each atlas's /run group.
#   tools/bench/scaling.sh   (from the repository root, after tools/setup.sh)
set -euo pipefail
out=$(mktemp -d)
sed -e 's#indices: "0-127"#indices: "0-15"#' -e "s#output: out/demo/atlas.h5#output: $out/atlas.h5#" \
    configs/demo.yaml > "$out/bench.yaml"
flags=()
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
for ranks in 1 2; do
  start=$(date +%s.%N)
  mpirun -np $ranks --oversubscribe "${flags[@]}" build/n2g_sweep "$out/bench.yaml" > /dev/null 2>&1
  end=$(date +%s.%N)
  stages=$(for a in scan_seconds fit_seconds write_seconds neurons_per_second; do
             h5dump -a /run/$a "$out/atlas.h5" | awk -v a=$a '/\(0\)/ {printf "%s %.2f  ", a, $2}'; done)
  printf "np %d: wall %.1f s  %s\n" $ranks "$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" "$stages"
done
rm -rf "$out"
