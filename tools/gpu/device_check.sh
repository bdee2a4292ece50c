#!/usr/bin/env bash
# The GPU checks in one run, on a machine with an NVIDIA GPU, PyTorch with CUDA, nvcc, CMake and
# ninja, that cannot fetch anything. From the repository root, after tools/gpu/fetch_packages.sh
# put the Debian packages n2g needs besides libtorch into gpu-packages/ on a machine that can:
#
#   tools/gpu/device_check.sh              # build against the machine's CUDA libtorch, then check
#   tools/gpu/device_check.sh --rehearse   # the same steps without a GPU (CPU libtorch, smaller runs)
#
# 1. unpacks gpu-packages/*.deb into build-gpu/root and puts its OpenMPI (relocated with
#    OPAL_PREFIX), parallel HDF5, yaml-cpp, nlohmann-json and GoogleTest first on every path;
# 2. configures and builds n2g (Release, -DN2G_WITH_CUDA=ON against torch.utils.cmake_prefix_path);
# 3. checks: the fixtures' golden activations on CUDA in float32 and bfloat16; the demo sweep
#    (first 40 neurons of each layer) on the CPU in float32 and on the GPU in bfloat16 with -np 1
#    and -np 2 sharing the GPU, compared (>= 95% of neurons with the same top-K windows and the
#    same graph, layer mean F1 within 0.01; the neurons that differ are listed); the planted-model
#    proof on the GPU;
# 4. measures: n2g_bench_forward (forward TFLOP/s against the matrix-product peak, bfloat16), a
#    GPT-2-small-shaped sweep with random weights (scan tokens/s, fit seconds and forward tokens
#    per neuron by stage, exchange bytes and seconds) and the GPU's peak memory.
# Everything goes to $OUT (the device tool's output folder) or out/gpu: one log per step and
# summary.txt with each step's result. Steps go on after a failure; the exit status says whether all passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
rehearse=false
[ "${1:-}" = "--rehearse" ] && rehearse=true
out=${OUT:-out/gpu}
mkdir -p "$out"
out=$(cd "$out" && pwd)
top=$PWD
work=$top/build-gpu
root=$work/root
summary=$out/summary.txt
: > "$summary"
failures=0
note() { echo "$*" | tee -a "$summary"; }
step() {  # step NAME COMMAND...: runs it with its output in $out/NAME.log, records pass or fail
  local name=$1
  shift
  local start=$SECONDS
  if "$@" > "$out/$name.log" 2>&1; then
    note "PASS $name ($((SECONDS - start)) s)"
  else
    note "FAIL $name ($((SECONDS - start)) s): see $name.log"
    tail -5 "$out/$name.log" | sed 's/^/     /' | tee -a "$summary"
    failures=$((failures + 1))
  fi
}

# 1. The Debian packages, unpacked and first on every path.
unpack() {
  rm -rf "$root"
  mkdir -p "$root" "$work/bin"
  ls gpu-packages/*.deb > /dev/null || { echo "no gpu-packages/*.deb: run tools/gpu/fetch_packages.sh first"; return 1; }
  for deb in gpu-packages/*.deb; do
    if command -v dpkg-deb > /dev/null; then
      dpkg-deb -x "$deb" "$root"
    else  # a .deb is an ar archive holding data.tar.*
      local tmp
      tmp=$(mktemp -d)
      (cd "$tmp" && ar x "$top/$deb") && tar -xf "$tmp"/data.tar.* -C "$root"
      rm -rf "$tmp"
    fi
  done
  # Debian's alternatives (mpicc -> mpicc.openmpi, h5pcc) are not in the packages; h5pcc carries
  # its install prefix, rewritten here.
  for tool in mpicc mpicxx mpiexec mpirun orterun; do ln -sf "$root/usr/bin/$tool.openmpi" "$work/bin/$tool" 2>/dev/null ||
                                                       ln -sf "$root/usr/bin/$tool" "$work/bin/$tool"; done
  ln -sf "$root/usr/bin/orterun" "$work/bin/mpiexec"
  sed "s#^prefix=\"/usr\"#prefix=\"$root/usr\"#" "$root/usr/bin/h5pcc.openmpi" > "$work/bin/h5pcc"
  chmod +x "$work/bin/h5pcc"
  "$work/bin/mpicxx" --showme && "$work/bin/h5pcc" -showconfig | head -20
}
export OPAL_PREFIX=$root/usr
export PATH=$work/bin:$root/usr/bin:$PATH
lib=$root/usr/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH=$lib:$lib/openmpi/lib:$lib/hdf5/openmpi/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm_rsh_agent=

# 2. Configure and build against the machine's libtorch.
configure_and_build() {
  local torch_prefix="" cuda=OFF
  if ! $rehearse; then
    local python
    for python in python3 python; do
      torch_prefix=$($python -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null) && break
    done
    [ -n "$torch_prefix" ] || { echo "no Python with torch found"; return 1; }
    $python -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
    if [ "$($python -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')" = 0 ]; then
      echo "this torch uses the pre-C++11 string ABI: yaml-cpp and GoogleTest from Debian cannot link with it"
      return 1
    fi
    cuda=ON
  fi
  local generator=()
  command -v ninja > /dev/null && generator=(-G Ninja)
  cmake -S . -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DN2G_WITH_CUDA=$cuda \
        -DCMAKE_PREFIX_PATH="${torch_prefix:+$torch_prefix;}$root/usr;$lib/cmake" -DHDF5_PREFER_PARALLEL=ON \
        -DMPIEXEC_EXECUTABLE="$work/bin/mpiexec" -DTORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}" &&
    grep -E "^(MPI_CXX_COMPILER|HDF5_C_LIBRARY_hdf5|HDF5_IS_PARALLEL|yaml-cpp_DIR|GTest_DIR|nlohmann_json_DIR|Torch_DIR):" \
         "$work/build/CMakeCache.txt" &&
    cmake --build "$work/build" -j"$(nproc)"
}

bin=$work/build
device=cuda
$rehearse && device=cpu

# The demo sweep config, first 40 neurons of each layer, on a device and dtype.
demo_config() {  # demo_config NAME DEVICE DTYPE
  mkdir -p "$out/$1"
  sed -e "s#path: data/#path: $top/data/#" -e "s#indices: \"0-127\"#indices: \"0-39\"#" \
      -e "s#output: out/demo/atlas.h5#output: $out/$1/atlas.h5\n  checkpoint_dir: $out/$1/ckpt#" \
      -e "s#hook: mlp.hook_post#hook: mlp.hook_post\n  device: $2\n  dtype: $3#" configs/demo.yaml > "$out/$1/config.yaml"
}
sweep() {  # sweep NAME RANKS
  mpiexec -np "$2" --oversubscribe "$bin/n2g_sweep" --restart "$out/$1/config.yaml"
}
run_attributes() {  # the /run group of an atlas
  h5dump -A -g /run "$1" 2>/dev/null | grep -E "ATTRIBUTE|\(0\)" | paste - - | sed 's/ATTRIBUTE "\([a-z_]*\)".*(0): /\1 = /'
}

planted() {  # the e2e layout: DIR/planted (model), DIR/corpus.h5, DIR/atlas.h5
  local dir=$out/planted
  mkdir -p "$dir"
  "$bin/n2g_plant" model "$dir/planted" && "$bin/n2g_plant" corpus "$dir/planted" "$dir/corpus.h5" &&
    printf 'model: {path: %s, device: %s}\ndataset: {path: %s}\nneurons: {layers: all, indices: "0-3"}\nrun: {output: %s, progress: false}\n' \
           "$dir/planted" "$device" "$dir/corpus.h5" "$dir/atlas.h5" > "$dir/config.yaml" &&
    mpiexec -np 2 --oversubscribe "$bin/n2g_sweep" --restart "$dir/config.yaml" &&
    N2G_E2E_OUT="$dir" "$bin/tests/test_e2e" --gtest_filter=Planted.*
}

gpt2_small_sweep() {
  "$bin/tools/bench/n2g_bench_gpt2_small_model" "$work/gpt2-small" || return 1
  local windows=2048 indices="0-255"
  $rehearse && windows=64 indices="0-3"
  mkdir -p "$out/gpt2-small"
  printf 'model: {path: %s, device: %s}\ndataset: {path: %s/data/austen-gpt2/persuasion.h5, max_windows: %s}\nneurons: {layers: [0, 5, 11], indices: "%s"}\nfit: {augment: {method: none}}\nrun: {output: %s, checkpoint_dir: %s}\n' \
         "$work/gpt2-small" "$device" "$top" "$windows" "$indices" "$out/gpt2-small/atlas.h5" "$out/gpt2-small/ckpt" \
         > "$out/gpt2-small/config.yaml"
  (while sleep 1; do nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null; done) > "$out/gpu-memory.txt" &
  local watcher=$!
  mpiexec -np 1 "$bin/n2g_sweep" --restart "$out/gpt2-small/config.yaml"
  local status=$?
  kill $watcher
  run_attributes "$out/gpt2-small/atlas.h5"
  echo "peak GPU memory (MiB, nvidia-smi, all processes): $(sort -n "$out/gpu-memory.txt" | tail -1)"
  return $status
}

note "n2g device check, $(date -u), rehearse=$rehearse"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | tee -a "$summary"
step unpack unpack
step build configure_and_build
if [ -x "$bin/n2g_sweep" ]; then
  step cuda_goldens "$bin/tests/test_model" --gtest_filter='*Cuda*:*ColumnsAlone*'
  demo_config demo_cpu cpu float32
  step demo_cpu sweep demo_cpu 1
  demo_config demo_gpu_np1 "$device" auto
  step demo_gpu_np1 sweep demo_gpu_np1 1
  demo_config demo_gpu_np2 "$device" auto
  step demo_gpu_np2 sweep demo_gpu_np2 2
  step demo_gpu_vs_cpu "$bin/tests/compare_atlases" "$out/demo_cpu/atlas.h5" "$out/demo_gpu_np1/atlas.h5" --fast --graph-share=0.95 --window-share=0.95
  step demo_gpu_np1_vs_np2 "$bin/tests/compare_atlases" "$out/demo_gpu_np1/atlas.h5" "$out/demo_gpu_np2/atlas.h5" --fast --graph-share=0.95
  for name in demo_cpu demo_gpu_np1 demo_gpu_np2; do run_attributes "$out/$name/atlas.h5" > "$out/$name/run.txt"; done
  step planted planted
  step bench_forward "$bin/tools/bench/n2g_bench_forward" 1 "$device" "$($rehearse && echo float32 || echo bfloat16)"
  step gpt2_small_sweep gpt2_small_sweep
fi
note "$failures step(s) failed"
[ "$failures" -eq 0 ]
