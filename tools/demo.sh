#!/usr/bin/env bash
# The demo: set up (installs and builds when needed), sweep configs/demo.yaml on 2 MPI ranks, write
# the web atlas, and say where everything is.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh > out.setup.log 2>&1 || { cat out.setup.log; exit 1; }
rm -f out.setup.log
mkdir -p out/demo
launch=(mpirun -np 2)
[ "$(id -u)" -eq 0 ] && launch+=(--allow-run-as-root)   # OpenMPI refuses root otherwise
[ "$(nproc)" -lt 2 ] && launch+=(--oversubscribe)
"${launch[@]}" build/n2g_sweep configs/demo.yaml
build/n2g_report out/demo/atlas.h5 --html out/demo/html > /dev/null   # its errors stay visible
echo
echo "atlas:       out/demo/atlas.h5"
echo "web atlas:   out/demo/html/index.html (open it in a browser: file://$PWD/out/demo/html/index.html)"
echo "try:         build/n2g_query out/demo/atlas.h5 --activating ' Captain' --limit 5"
