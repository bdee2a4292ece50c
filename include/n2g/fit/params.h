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
  int random_windows = 32;  // held-out windows drawn at random, none among the neuron's top windows
};

// n2g+ (ALGORITHM.md, "N2G+"): what it changes, one switch each, so that each change can be
// measured alone.
struct PlusParams {
  bool secondary_pivots = false;  // firing train positions besides the argmax are pivots too (measured: no gain, 2x cost)
  int max_pivots = 2;             // pivots per train window at most (the argmax and the largest others)
  bool calibrate = true;         // END values from the train positions each path matches, threshold chosen per neuron
  double prior_weight = 2.0;     // a context node's rate shrinks to its parent's with this many pseudo-positions
  bool token_fallback = true;    // tokens that fire in the train windows join the first level
  int min_token_firings = 2;     // ... when they fire at this many train positions (1: larger graphs, more recall)
  int extra_train_windows = 20;  // windows ranked after the top K, added to the train positions
  int random_train_windows = 64; // random windows (not top, not test) added to the train positions
  double max_prune_scale = 4.0;  // a pruned prompt's scale is capped here (the fallback's can explode)
};

enum class FitMethod { n2g, n2g_plus };

struct FitParams {
  FitMethod method = FitMethod::n2g_plus;
  double train_fraction = 0.5;
  uint64_t seed = 0;
  PruneParams prune;
  std::optional<int32_t> mask_token;  // nullopt = auto: the tokenizer's pad token, else end-of-text
  AugmentParams augment;
  GraphParams graph;
  PlusParams plus;  // read only by n2g+

  bool plus_method() const { return method == FitMethod::n2g_plus; }
};

}  // namespace n2g
