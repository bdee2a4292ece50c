#!/usr/bin/env bash
# Explanation quality on the demo model (configs/demo.yaml: 128 neurons in each of 3 layers, top-20,
# LM augmentation, 2 ranks): the paper's n2g, n2g+, and n2g+ without each of its changes (or with
# the one it leaves off), and n2g+ with fewer, better-supported firing tokens (graph size against
# F1), one sweep each. Prints a markdown table per layer: mean firing
# precision / recall / F1 over the neurons with a real firing, with the 95% bootstrap interval of
# the F1 mean, on the top-window test half and on the random windows; token lookup and 5-gram on
# the top windows (given each variant's train data); median graph nodes; fit core-seconds per
# neuron (/run).
#   tools/bench/quality.sh [out_dir]   (from the repository root, after tools/setup.sh)
set -euo pipefail
out=${1:-$(mktemp -d)}
mkdir -p "$out"
flags=()
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
[ "$(nproc)" -lt 2 ] && flags+=(--oversubscribe)
variants=(
  "n2g|method: n2g"
  "n2g+|method: n2g+"
  "n2g+ with tokens firing once|plus: {min_token_firings: 1}"
  "n2g+ without calibrated ENDs|plus: {calibrate: false}"
  "n2g+ without firing tokens|plus: {token_fallback: false}"
  "n2g+ without windows after the top K|plus: {extra_train_windows: 0}"
  "n2g+ without random train windows|plus: {random_train_windows: 0}"
  "n2g+ without the prune scale cap|plus: {max_prune_scale: 1.0e30}"
  "n2g+ with secondary pivots|plus: {secondary_pivots: true}"
  "n2g+ with tokens firing 3 times|plus: {min_token_firings: 3}"
  "n2g+ with tokens firing 4 times|plus: {min_token_firings: 4}"
  "n2g+ with 60 windows after the top K, tokens firing 4 times|plus: {extra_train_windows: 60, min_token_firings: 4}"
  "n2g+ with 150 windows after the top K, tokens firing 8 times|plus: {extra_train_windows: 150, min_token_firings: 8}"
)
attribute() { h5dump -a "/run/$1" "$2" | awk '/\(0\)/ {print $2}'; }
echo "| variant | layer | top: P / R / F1 [95%] | random: P / R / F1 [95%] | token top F1 | 5-gram top F1 | median nodes | fit ms/neuron |"
echo "|---|---|---|---|---|---|---|---|"
for i in "${!variants[@]}"; do
  name=${variants[$i]%%|*}
  keys=${variants[$i]#*|}
  atlas=$out/variant$i.h5
  sed -e "s#^fit:#fit:\n  $keys#" -e "s#output: out/demo/atlas.h5#output: $atlas#" configs/demo.yaml > "$out/variant$i.yaml"
  rm -rf "$atlas" "$atlas.ckpt"
  mpirun -np 2 "${flags[@]}" build/n2g_sweep "$out/variant$i.yaml" > "$out/variant$i.log" 2>&1
  cost=$(attribute fit_core_seconds_per_neuron "$atlas")
  build/n2g_report "$atlas" --format csv | awk -F, -v name="$name" -v cost="$cost" '
    NR == 1 { for (c = 1; c <= NF; ++c) col[$c] = c; next }
    { printf "| %s | %s | %s / %s / %s [%s-%s] | %s / %s / %s [%s-%s] | %s | %s | %s | %.1f |\n", name, $col["layer"],
        $col["top_n2g_precision"], $col["top_n2g_recall"], $col["top_n2g_f1"], $col["top_n2g_f1_low"], $col["top_n2g_f1_high"],
        $col["random_n2g_precision"], $col["random_n2g_recall"], $col["random_n2g_f1"], $col["random_n2g_f1_low"],
        $col["random_n2g_f1_high"], $col["top_token_f1"], $col["top_ngram_f1"], $col["median_graph_nodes"], cost * 1000 }'
done
