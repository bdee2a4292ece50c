#!/usr/bin/env bash
# Installs every package n2g's build needs on Debian bookworm / Ubuntu (as root, or with sudo),
# then configures and builds n2g in Release into ./build. Running it again only rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake pkg-config libtorch-dev libopenblas0-pthread libopenmpi-dev openmpi-bin
          libhdf5-openmpi-dev hdf5-tools libyaml-cpp-dev libgtest-dev nlohmann-json3-dev libcli11-dev
          python3 python3-h5py python3-numpy python3-pytest chromium python3-websocket)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: run as root or install sudo" >&2; exit 1; }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
