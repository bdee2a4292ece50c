// Wall-clock seconds for stage timings.
#pragma once

#include <chrono>

namespace n2g {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace n2g
