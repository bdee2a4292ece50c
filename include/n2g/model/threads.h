// CPU threads and matrix-product kernels of one rank. Matrix products run on the BLAS library's
// threads and libtorch's own intra-op pool stays at one thread: two pools on the same cores spin
// against each other (on 2 cores that wasted about half the time in sched_yield).
#pragma once

#include <string>

namespace n2g {

// Uses `threads` BLAS threads (when the BLAS library lets us set them) and one libtorch thread,
// after select_blas_kernels().
void set_cpu_threads(int threads);

// The CPU threads a rank uses: run.threads when > 0, else OMP_NUM_THREADS when set (what Slurm
// scripts say), else the CPUs of the process's affinity mask (what srun --cpu-bind or taskset
// gave it), shared among the node's ranks when the mask is the whole node (an unbound mpirun).
// At least 1.
int rank_threads(int configured, const char* omp_num_threads, int mask_cpus, int node_cpus, int ranks_on_node);

// rank_threads() for this process: reads OMP_NUM_THREADS and sched_getaffinity.
int rank_threads(int configured, int ranks_on_node);

// OpenBLAS picks its kernels from the CPU model it recognises, and falls back to SSE3 kernels
// ("Prescott") for models it does not know: OpenBLAS 0.3.21 (Debian bookworm) does so on this
// project's AVX-512 build machines, where its float32 products of a small model's shapes
// ([1024 x 128] x [128 x 384]) then take about 5x as long as with its SkylakeX kernels
// (tools/bench/blas.cpp). Where OpenBLAS fell back to kernels older than AVX2 on a CPU (and OS)
// that runs AVX-512 or AVX2 + FMA, switches to SkylakeX or Haswell, unless OPENBLAS_CORETYPE
// chose the kernels. Returns the kernels in use ("" when the BLAS is not OpenBLAS). Call before
// any matrix product runs.
std::string select_blas_kernels();

// Switches OpenBLAS to the named kernels (OPENBLAS_CORETYPE names, e.g. "SkylakeX"); returns the
// kernels in use afterwards. For benchmarks that compare kernels in one run.
std::string use_blas_kernels(const std::string& core);

}  // namespace n2g
