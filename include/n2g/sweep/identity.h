// What checkpoints belong to: the config as far as it decides results and the dataset's and the
// model's contents; not the number of ranks, batch sizes, wave size, threads or progress, which
// checkpoints survive (a requeue on other nodes, a smaller batch after running out of memory).
// Stored in the checkpoint directory's manifest; a resume with anything else is refused, naming
// what changed.
#pragma once

#include <string>

#include "n2g/sweep/config.h"
#include "n2g/sweep/setup.h"

namespace n2g {

struct RunIdentity {
  std::string config;   // resolved YAML without output paths and performance-only keys
  std::string dataset;  // shape, file size and a checksum of up to 256 evenly spaced windows
  std::string model;    // checksum of config.json and of each safetensors file's size, head and tail
  std::string sae;      // the same of the SAE's directory (cfg.json included); "" when neurons are swept

  std::string text() const;  // the manifest
  static RunIdentity parse(const std::string& text);
  // "" when equal, else what differs from `earlier`, e.g. "the dataset changed (was ..., now ...)".
  std::string difference_from(const RunIdentity& earlier) const;
};

RunIdentity run_identity(const SweepConfig& config, const SweepSetup& setup);

}  // namespace n2g
