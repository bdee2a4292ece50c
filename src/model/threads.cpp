#include "n2g/model/threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

namespace n2g {

void set_cpu_threads(int threads) {
  at::set_num_threads(1);
  // OpenBLAS's setter, found at run time so that any BLAS library links.
  using Setter = void (*)(int);
  if (auto set = reinterpret_cast<Setter>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

}  // namespace n2g
