#include "n2g/model/threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <sched.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <thread>

namespace n2g {
namespace {

// OpenBLAS's entry points, found at run time so that any BLAS library links.
template <class Function>
Function* openblas(const char* name) {
  return reinterpret_cast<Function*>(dlsym(RTLD_DEFAULT, name));
}

std::string blas_kernels() {
  const auto corename = openblas<char*()>("openblas_get_corename");
  return corename ? corename() : "";
}

}  // namespace

std::string use_blas_kernels(const std::string& core) {
  const auto quit = openblas<void()>("gotoblas_dynamic_quit");
  const auto init = openblas<void()>("gotoblas_dynamic_init");
  if (!quit || !init) return blas_kernels();  // not a dynamic-architecture OpenBLAS
  const char* chosen = std::getenv("OPENBLAS_CORETYPE");
  const std::string previous = chosen ? chosen : "";
  setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
  quit();
  init();
  if (previous.empty()) unsetenv("OPENBLAS_CORETYPE");
  else setenv("OPENBLAS_CORETYPE", previous.c_str(), 1);
  return blas_kernels();
}

std::string select_blas_kernels() {
  const char* chosen = std::getenv("OPENBLAS_CORETYPE");
  if (chosen && *chosen) return blas_kernels();
  static const std::set<std::string> before_avx2 = {"katmai", "coppermine", "northwood", "prescott", "banias",
                                                    "atom",   "core2",      "penryn",    "dunnington", "nehalem",
                                                    "sandybridge"};
  std::string core = blas_kernels();
  std::transform(core.begin(), core.end(), core.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!before_avx2.count(core)) return blas_kernels();
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512cd"))
    return use_blas_kernels("SkylakeX");
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return use_blas_kernels("Haswell");
  return blas_kernels();
}

int rank_threads(int configured, const char* omp_num_threads, int mask_cpus, int node_cpus, int ranks_on_node) {
  if (configured > 0) return configured;
  if (omp_num_threads && std::atoi(omp_num_threads) > 0) return std::atoi(omp_num_threads);
  if (mask_cpus < node_cpus) return std::max(1, mask_cpus);  // bound by srun, mpirun or taskset
  return std::max(1, node_cpus / std::max(1, ranks_on_node));
}

int rank_threads(int configured, int ranks_on_node) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  const int node_cpus = static_cast<int>(std::thread::hardware_concurrency());
  const int mask_cpus = sched_getaffinity(0, sizeof(mask), &mask) == 0 ? CPU_COUNT(&mask) : node_cpus;
  return rank_threads(configured, std::getenv("OMP_NUM_THREADS"), mask_cpus, node_cpus, ranks_on_node);
}

void set_cpu_threads(int threads) {
  select_blas_kernels();
  at::set_num_threads(1);
  if (auto set = openblas<void(int)>("openblas_set_num_threads")) set(threads);
}

}  // namespace n2g
