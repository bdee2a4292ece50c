#!/usr/bin/env bash
# The same sweep at several rank counts (configs/demo.yaml, 64 neurons of each layer, default n2g+;
# oversubscribed on a small machine, where forward tokens are the figure that survives): forward
# tokens per neuron by stage, scan and fit rank-seconds (min, max, max/mean) from /run, and whether
# each atlas agrees with the first's (compare_atlases --fast: same top-K windows, >= 99% graphs).
#   tools/bench/ranks.sh [ranks...]   (default 2 16 64; from the repository root, after tools/setup.sh)
#   N2G_SWEEP=/path/to/n2g_sweep tools/bench/ranks.sh 64   (another build, for a before/after)
#   N2G_INDICES=0-383 tools/bench/ranks.sh 2 64   (more neurons of each layer: 1,152, 18 a rank at 64)
set -euo pipefail
counts=("${@:-2}")
[ $# -eq 0 ] && counts=(2 16 64)
sweep=${N2G_SWEEP:-build/n2g_sweep}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sed -e "s#indices: \"0-127\"#indices: \"${N2G_INDICES:-0-63}\"#" -e "s#output: out/demo/atlas.h5#output: $out/atlas.h5\n  progress: false#" \
    configs/demo.yaml > "$out/bench.yaml"
flags=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
attribute() { h5dump -a "/run/$1" "$2" | awk '/\(0\)/ {print $2}'; }
# column c of /run/rank_seconds ([ranks, 4]: scan, exchange, fit, write): min, max, max/mean
balance() {
  h5dump -d /run/rank_seconds "$1" | awk -v c=$2 '/\([0-9]+,[0-9]+\):/ { sub(/^.*\): /, ""); gsub(/,/, " ");
      v = $(c + 1); n++; s += v; if (n == 1 || v < lo) lo = v; if (v > hi) hi = v }
    END { printf "%6.2f %6.2f %5.2f", lo, hi, hi / (s / n) }'
}
printf "%6s %8s %8s %9s %8s  %-20s %-20s %s\n" ranks windows prune saliency augment "scan s min max ratio" \
       "fit s min max ratio" "agrees with the first"
first=""
for ranks in "${counts[@]}"; do
  mpirun -np "$ranks" "${flags[@]}" "$sweep" "$out/bench.yaml" --restart > "$out/log" 2>&1 || { cat "$out/log"; exit 1; }
  cp "$out/atlas.h5" "$out/np$ranks.h5"
  tokens=$(for stage in windows prune saliency augment; do
             attribute ${stage}_forward_tokens_per_neuron "$out/np$ranks.h5"; done | awk '{printf "%8.0f ", $1}')
  agrees="(first)"
  if [ -n "$first" ]; then
    agrees=$(build/tests/compare_atlases "$out/$first" "$out/np$ranks.h5" --fast > "$out/compare" 2>&1 && echo yes || echo no)
    agrees="$agrees ($(grep -o 'top-K windows equal for .* fitted' "$out/compare" | head -1 || true))"
  fi
  printf "%6d %s  %-20s %-20s %s\n" "$ranks" "$tokens" "$(balance "$out/np$ranks.h5" 0)" "$(balance "$out/np$ranks.h5" 2)" "$agrees"
  first=${first:-np$ranks.h5}
done
