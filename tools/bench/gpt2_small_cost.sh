#!/usr/bin/env bash
# The sweep's cost per neuron at GPT-2 small's size on CPUs: a GPT-2-small-shaped model with random
# weights (n2g_bench_gpt2_small_model; random weights are a worst case for pruning), 16 neurons of
# each of layers 0, 5 and 11, the first 240 windows of the demo dataset (128 tokens), fit.method
# n2g, augmentation off, on 2 ranks: scan tokens per second and core-seconds per neuron, the fit's
# core-seconds and forward tokens per neuron by stage (from the atlas's /run).
#   tools/bench/gpt2_small_cost.sh            (from the repository root, after tools/setup.sh)
#   N2G_SWEEP=/path/to/n2g_sweep tools/bench/gpt2_small_cost.sh   (another build, for a before/after)
set -euo pipefail
sweep=${N2G_SWEEP:-build/n2g_sweep}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
build/tools/bench/n2g_bench_gpt2_small_model "$out/model" > /dev/null
cat > "$out/config.yaml" <<YAML
model: {path: $out/model}
dataset: {path: data/austen-gpt2/persuasion.h5, max_windows: 240}
neurons: {layers: [0, 5, 11], indices: "0-15"}
fit: {method: n2g, augment: {method: none}}
run: {output: $out/atlas.h5, progress: false, threads: 1}
YAML
flags=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
mpirun -np 2 "${flags[@]}" "$sweep" "$out/config.yaml" > "$out/log" 2>&1 || { cat "$out/log"; exit 1; }
attribute() { h5dump -a "/run/$1" "$out/atlas.h5" | awk '/\(0\)/ {print $2}'; }
scan=$(attribute scan_seconds)
tokens=$(attribute tokens_per_second)
printf "scan: %.0f tokens/s on 2 ranks, %.2f core-seconds per neuron (48 neurons, 30,720 tokens)\n" \
       "$tokens" "$(awk -v s="$scan" 'BEGIN { print s * 2 / 48 }')"
printf "fit: %.2f core-seconds per neuron\n" "$(attribute fit_core_seconds_per_neuron)"
for stage in windows prune saliency augment evaluate; do
  printf "  %-9s %6.2f core-s" "$stage" "$(attribute ${stage}_core_seconds_per_neuron)"
  [ "$stage" != evaluate ] && printf " %7.0f forward tokens" "$(attribute ${stage}_forward_tokens_per_neuron)"
  printf " per neuron\n"
done
