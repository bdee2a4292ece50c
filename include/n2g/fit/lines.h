// ALGORITHM.md section 4, first half: turn a group of samples into trie lines.
#pragma once

#include <vector>

#include "n2g/fit/params.h"
#include "n2g/fit/saliency.h"
#include "n2g/fit/token_table.h"
#include "n2g/graph/trie.h"

namespace n2g {

struct Sample {
  const std::vector<int32_t>* tokens;  // [L]
  std::vector<float> normalised;       // [L] activation * scale / a_max
  const Saliency* saliency;            // importance matrix of these tokens
};

// `group[0]` is the unaugmented prompt; its importances count for every sample of the group.
std::vector<Line> make_lines(const std::vector<Sample>& group, const TokenTable& table, const GraphParams& params);

}  // namespace n2g
