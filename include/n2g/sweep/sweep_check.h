// n2g_sweep --check: a config and its inputs checked as a sweep checks them before any work, and
// whether its atlas is already done, i.e. written by a sweep of the same run identity (the config
// as far as it decides results, the model's and the dataset's contents; sweep/identity.h).
#pragma once

#include <string>

#include "n2g/sweep/config.h"

namespace n2g {

struct SweepCheck {
  std::string atlas;  // run.output
  bool done = false;
  std::string state;  // "done: ..." or "to do: ..." with the reason
};

// Throws what the sweep would throw for a bad config, model or dataset.
SweepCheck check_sweep(const SweepConfig& config);

}  // namespace n2g
