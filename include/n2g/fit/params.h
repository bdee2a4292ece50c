// The N2G parameters of ALGORITHM.md; defaults are the published ones. The sweep config holds
// these structs and fills them from YAML.
#pragma once

#include <cstdint>
#include <optional>

#include "n2g/fit/oracle.h"

namespace n2g {

struct PruneParams {
  double min_ratio = 0.5;
  int max_context = 30;
  int step = 1;
  int post_context = 5;
  double pivot_threshold = 1.0;
};

struct AugmentParams {
  AugmentMethod method = AugmentMethod::lm;
  int max_substitutes = 5;
  double important_threshold = 0.8;
  double min_ratio = 0.5;
  double min_prob = 1.0e-5;
};

struct GraphParams {
  double activation_threshold = 0.5;
  double importance_threshold = 0.75;
};

struct EvalParams {
  double fire_threshold = 0.5;
  int max_tokens = 256;
  bool baselines = true;
};

struct FitParams {
  double train_fraction = 0.5;
  uint64_t seed = 0;
  PruneParams prune;
  std::optional<int32_t> mask_token;  // nullopt = auto: the tokenizer's pad token, else end-of-text
  AugmentParams augment;
  GraphParams graph;
};

}  // namespace n2g
