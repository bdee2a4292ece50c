#!/usr/bin/env bash
# Fetches, on a Debian bookworm machine with package access, the Debian packages the GPU machine
# lacks for building n2g (OpenMPI with its runtime libraries, parallel HDF5, yaml-cpp,
# nlohmann-json, GoogleTest) into gpu-packages/ (ignored by git, about 12 MB), to travel with the
# working tree to a machine that cannot fetch anything. tools/gpu/device_check.sh unpacks them
# there. Run from the repository root.
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(libopenmpi-dev libopenmpi3 openmpi-bin openmpi-common libpmix2 libhwloc15 libevent-2.1-7
          libevent-core-2.1-7 libevent-pthreads-2.1-7 libfabric1 libucx0 libibverbs1 librdmacm1 libpsm2-2
          libpsm-infinipath1 libnl-3-200 libnl-route-3-200 libmunge2 libltdl7 libnuma1
          libhdf5-openmpi-dev libhdf5-openmpi-103-1 libsz2 libaec0
          libyaml-cpp-dev libyaml-cpp0.7 nlohmann-json3-dev libcli11-dev libgtest-dev)
mkdir -p gpu-packages
cd gpu-packages
apt-get download "${packages[@]}"
echo "fetched $(ls *.deb | wc -l) packages, $(du -sh . | cut -f1), into gpu-packages/"
