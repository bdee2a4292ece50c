#!/usr/bin/env bash
# The demo: set up (installs and builds when needed), sweep a demo config on 2 MPI ranks, write
# the web atlas, and say where everything is.
#   tools/demo.sh        MLP neurons of the demo model (configs/demo.yaml, out/demo)
#   tools/demo.sh sae    the latents of the SAE on its blocks.1.hook_resid_post (configs/demo-sae.yaml, out/demo-sae)
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-neurons} in
  neurons) config=configs/demo.yaml out=out/demo query=" Captain" ;;
  sae) config=configs/demo-sae.yaml out=out/demo-sae query=" knew" ;;
  *) echo "usage: tools/demo.sh [sae]" >&2; exit 2 ;;
esac
tools/setup.sh > out.setup.log 2>&1 || { cat out.setup.log; exit 1; }
rm -f out.setup.log
mkdir -p "$out"
launch=(mpirun -np 2)
[ "$(id -u)" -eq 0 ] && launch+=(--allow-run-as-root)   # OpenMPI refuses root otherwise
[ "$(nproc)" -lt 2 ] && launch+=(--oversubscribe)
"${launch[@]}" build/n2g_sweep "$config"
build/n2g_report "$out/atlas.h5" --html "$out/html" > /dev/null   # its errors stay visible
echo
echo "atlas:       $out/atlas.h5"
echo "web atlas:   $out/html/index.html (open it in a browser: file://$PWD/$out/html/index.html)"
echo "try:         build/n2g_query $out/atlas.h5 --activating '$query' --limit 5"
