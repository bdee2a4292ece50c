#!/usr/bin/env bash
# n2g_prepare's peak memory against input size, for the text shapes that used to be held whole:
# one paragraph per line between blank lines, and no line breaks at all (the demo novel's words,
# repeated). Peak resident memory must not grow with the input.
#   tools/bench/prepare_memory.sh [MB ...]   (default: 10 50; from the repository root, after tools/setup.sh)
set -euo pipefail
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 50)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# One paragraph per line: the novel's lines joined, paragraphs separated by a blank line.
tr '\n' ' ' < data/austen-gpt2/persuasion.txt | sed 's/   */\n\n/g' > "$out/paragraphs.unit"
tr '\n' ' ' < data/austen-gpt2/persuasion.txt > "$out/unbroken.unit"
printf "%-12s %8s %14s %12s\n" "shape" "input MB" "peak RSS MB" "seconds"
for shape in paragraphs unbroken; do
  for mb in "${sizes[@]}"; do
    : > "$out/input.txt"
    while [ "$(stat -c %s "$out/input.txt")" -lt $((mb * 1024 * 1024)) ]; do cat "$out/$shape.unit" >> "$out/input.txt"; done
    /usr/bin/time -f "%M %e" -o "$out/time" build/n2g_prepare --model data/austen-gpt2/model --window-len 128 \
      --output "$out/data.h5" "$out/input.txt" > /dev/null 2>&1
    read -r kb seconds < "$out/time"
    awk -v s="$shape" -v b="$(stat -c %s "$out/input.txt")" -v k="$kb" -v t="$seconds" 'BEGIN { printf "%-12s %8d %14.0f %12s\n", s, b / 1048576, k / 1024, t }'
  done
done
