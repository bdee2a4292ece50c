#!/usr/bin/env bash
# A campaign: sweep several configs (a family of models, checkpoints of one run, two methods) one
# after another, then compare their atlases side by side.
#   tools/campaign.sh [--np N] [--out DIR] [--restart] [--compare-only | --check] CONFIG...
# - every config is checked first (n2g_sweep --check: config, model, dataset), and two configs writing
#   one atlas are refused, before any work;
# - each sweep runs on N ranks (mpirun -np N; default 2) and resumes from its checkpoints like a
#   plain n2g_sweep; a config whose atlas is done (swept from the same config, model and dataset) is
#   skipped, so after a failure the same command goes on where it stopped (--restart sweeps all again);
# - then DIR (default out/campaign) gets compare.txt and compare.csv (n2g_compare's table) and
#   html/index.html (its plots), each written under a temporary name and renamed when whole;
# - --compare-only skips the sweeps (what jobs/campaign.sh's dependent job runs); --check only checks
#   the configs (what jobs/campaign.sh does before it submits anything).
# n2g's programs are $N2G_BUILD/... (default: build/ under the directory you run from).
set -euo pipefail
usage="usage: tools/campaign.sh [--np N] [--out DIR] [--restart] [--compare-only | --check] CONFIG..."
ranks=2 out=out/campaign restart=() compare_only=false check_only=false configs=()
while [ $# -gt 0 ]; do
  case $1 in
    --np) ranks=${2:?$usage}; shift 2 ;;
    --out) out=${2:?$usage}; shift 2 ;;
    --restart) restart=(--restart); shift ;;
    --compare-only) compare_only=true; shift ;;
    --check) check_only=true; shift ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "campaign: unknown option $1; $usage" >&2; exit 2 ;;
    *) configs+=("$1"); shift ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || { echo "campaign: no config given; $usage" >&2; exit 2; }
[[ $ranks =~ ^[1-9][0-9]*$ ]] || { echo "campaign: --np must be a positive number of ranks, not '$ranks'" >&2; exit 2; }
build=${N2G_BUILD:-$PWD/build}
for program in n2g_sweep n2g_compare; do
  [ -x "$build/$program" ] || { echo "campaign: $build/$program not found: run from the repository root or set N2G_BUILD" >&2; exit 1; }
done

# Check every config and collect its atlas; one atlas written by two configs is refused.
atlases=() states=()
declare -A written_by
for config in "${configs[@]}"; do
  check=$("$build/n2g_sweep" "$config" --check) || { echo "campaign: $config is refused (above); nothing was run" >&2; exit 1; }
  atlas=$(sed -n '1s/^atlas: //p' <<< "$check")
  states+=("$(sed -n 2p <<< "$check")")
  key=$(realpath -m -- "$atlas")
  if [ -n "${written_by[$key]:-}" ]; then
    echo "campaign: $config and ${written_by[$key]} both write $atlas (run.output): give each its own; nothing was run" >&2
    exit 1
  fi
  written_by[$key]=$config
  atlases+=("$atlas")
done
if $check_only; then
  echo "campaign: ${#configs[@]} configs checked, each with its own atlas" >&2
  exit 0
fi

launch=(mpirun -np "$ranks")
[ "$(id -u)" -eq 0 ] && launch+=(--allow-run-as-root)   # OpenMPI refuses root otherwise
[ "$(nproc)" -lt "$ranks" ] && launch+=(--oversubscribe)
if ! $compare_only; then
  for i in "${!configs[@]}"; do
    progress="campaign: [$((i + 1))/${#configs[@]}] ${configs[$i]} -> ${atlases[$i]}"
    if [[ ${states[$i]} == done:* && ${#restart[@]} -eq 0 ]]; then
      echo "$progress: skipped, ${states[$i]}" >&2
      continue
    fi
    echo "$progress ($ranks ranks; ${states[$i]})" >&2
    mkdir -p "$(dirname "${atlases[$i]}")"
    if ! "${launch[@]}" "$build/n2g_sweep" "${configs[$i]}" "${restart[@]}"; then
      echo "campaign: the sweep of ${configs[$i]} failed; the atlases before it are kept: run the same command again to go on" >&2
      exit 1
    fi
  done
fi

for atlas in "${atlases[@]}"; do
  [ -f "$atlas" ] || { echo "campaign: $atlas does not exist: its sweep has not finished (run without --compare-only)" >&2; exit 1; }
done
mkdir -p "$out"
for format in text csv; do
  file=$out/compare.${format/text/txt}
  "$build/n2g_compare" "${atlases[@]}" --format "$format" > "$file.partial" || { rm -f "$file.partial"; exit 1; }
  mv "$file.partial" "$file"
done
"$build/n2g_compare" "${atlases[@]}" --html "$out/html" > /dev/null
echo "campaign: ${#atlases[@]} atlases compared: $out/compare.txt, $out/compare.csv, $out/html/index.html" >&2
cat "$out/compare.txt"
