// Everything a sweep checks and resolves before any expensive work: the model's shape and hook,
// the swept neurons, the dataset and its vocabulary, BOS / mask / special tokens, a writable
// output. Each problem is one clear error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "n2g/io/dataset.h"
#include "n2g/model/spec.h"
#include "n2g/sweep/config.h"
#include "n2g/model/sae.h"
#include "n2g/sweep/neurons.h"

namespace n2g {

struct SweepSetup {
  TransformerSpec spec;
  // What the sweep reads from the forward: `blocks.{layer}.{hook_kind}`, model.hook for neurons or
  // `{the SAE's hook kind}.hook_sae_acts_post` for SAE latents (neurons.sae).
  std::string hook_kind;
  TokenDataset dataset;
  SweptNeurons neurons;
  int64_t n_windows = 0;              // windows scanned (dataset.max_windows applied)
  int32_t bos = -1;                   // prepended when >= 0
  int32_t mask = -1;                  // saliency mask token
  std::vector<int32_t> special;       // BOS / end-of-text / padding ids: never pivots, context or nodes
  std::vector<std::string> vocab;     // display string of every token id
  std::optional<Sae> sae;             // neurons.sae, read and checked (CPU, float32); the pipeline
                                      // attaches it to the model on its device
};

// Checks the config's inputs and output (ConfigError / FormatError naming the key or file). The
// output's directory must exist, except for a check of a config whose directory a launcher creates.
SweepSetup prepare_sweep(const SweepConfig& config, bool output_directory_may_be_missing = false);

// The BOS id prepended to every sequence (-1 when `prepend` is false): the model's, else the
// dataset's, else end-of-text.
int32_t choose_bos(const TransformerSpec& spec, const TokenDataset& dataset, std::optional<int32_t> end_of_text, bool prepend);

}  // namespace n2g
