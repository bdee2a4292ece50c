// CPU threads of one rank. Matrix products run on the BLAS library's threads and libtorch's own
// intra-op pool stays at one thread: two pools on the same cores spin against each other (on
// 2 cores that wasted about half the time in sched_yield).
#pragma once

namespace n2g {

// Uses `threads` BLAS threads (when the BLAS library lets us set them) and one libtorch thread.
void set_cpu_threads(int threads);

}  // namespace n2g
