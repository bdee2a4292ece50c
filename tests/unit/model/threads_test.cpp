// The BLAS kernels a rank runs (never OpenBLAS's pre-AVX2 fallback on a CPU that runs AVX2) and
// how many threads it sizes itself to.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "n2g/model/threads.h"

namespace n2g {
namespace {

TEST(Threads, OpenBlasUsesTheKernelsTheCpuRuns) {
  set_cpu_threads(1);
  std::string core = select_blas_kernels();
  if (core.empty()) GTEST_SKIP() << "the BLAS library is not OpenBLAS";
  std::transform(core.begin(), core.end(), core.begin(), [](unsigned char c) { return std::tolower(c); });
  __builtin_cpu_init();
  if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) GTEST_SKIP() << "the CPU has no AVX2";
  const std::set<std::string> before_avx2 = {"prescott", "core2", "penryn", "dunnington", "nehalem", "sandybridge", "atom"};
  EXPECT_EQ(before_avx2.count(core), 0u) << "OpenBLAS runs its " << core << " kernels on an AVX2 CPU";
  // Switching is repeatable and reports what it switched to.
  EXPECT_EQ(use_blas_kernels("Haswell"), "Haswell");
  EXPECT_EQ(use_blas_kernels(core == "skylakex" ? "SkylakeX" : "Haswell"), core == "skylakex" ? "SkylakeX" : "Haswell");
}

TEST(Threads, RankThreadsFollowConfigThenOmpThenTheAffinityMask) {
  EXPECT_EQ(rank_threads(3, "8", 1, 16, 4), 3);        // run.threads wins
  EXPECT_EQ(rank_threads(0, "8", 1, 16, 4), 8);        // then OMP_NUM_THREADS (the Slurm scripts')
  EXPECT_EQ(rank_threads(0, nullptr, 4, 16, 4), 4);    // then a bound rank's mask (srun -c 4 --cpu-bind)
  EXPECT_EQ(rank_threads(0, nullptr, 1, 16, 1), 1);    // a rank pinned to one CPU runs one thread
  EXPECT_EQ(rank_threads(0, nullptr, 16, 16, 4), 4);   // unbound: the node shared by its ranks
  EXPECT_EQ(rank_threads(0, "", 16, 16, 32), 1);       // never fewer than one
}

}  // namespace
}  // namespace n2g
