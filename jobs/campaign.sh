#!/bin/bash
# Submit a campaign to Slurm: a job array with one task per config (jobs/campaign.slurm, each an
# n2g_sweep that resumes like jobs/sweep_cpu.slurm's), and a job that waits for every task to end
# successfully and then compares the atlases (jobs/campaign_compare.slurm).
#   jobs/campaign.sh [--out DIR] [SBATCH_OPTION...] CONFIG...
# Submit from the repository root (or set N2G_BUILD). The configs are checked here first (each
# readable and valid, no two writing one atlas); nothing is submitted otherwise. Options starting
# with -- other than --out go to the array's sbatch (e.g. --ntasks=64 --time=24:00:00); DIR
# (default out/campaign) receives compare.txt, compare.csv and html/.
set -euo pipefail
usage="usage: jobs/campaign.sh [--out DIR] [SBATCH_OPTION...] CONFIG..."
out=out/campaign sbatch_options=() configs=()
while [ $# -gt 0 ]; do
  case $1 in
    --out) out=${2:?$usage}; shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    --*) sbatch_options+=("$1"); shift ;;
    *) configs+=("$1"); shift ;;
  esac
done
[ ${#configs[@]} -gt 0 ] || { echo "campaign: no config given; $usage" >&2; exit 2; }
jobs=$(cd "$(dirname "$0")" && pwd)
"$jobs/../tools/campaign.sh" --check "${configs[@]}"
array=$(sbatch --parsable --array=0-$((${#configs[@]} - 1)) "${sbatch_options[@]}" "$jobs/campaign.slurm" "${configs[@]}")
array=${array%%;*}   # --parsable prints "id" or "id;cluster"
compare=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  "$jobs/campaign_compare.slurm" --out "$out" "${configs[@]}")
echo "campaign: job array $array sweeps ${#configs[@]} configs; job ${compare%%;*} compares them into $out when all have ended"
