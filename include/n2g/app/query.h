// What `n2g_query` does: the neurons whose graph activates on a token with given context tokens,
// ranked by firing F1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "n2g/io/atlas.h"

namespace n2g {

// A token given as an id ("8599", "#8599") or as its exact display text (" Captain"); an unknown
// text is an error that suggests the spellings that do exist.
int32_t resolve_token(const std::vector<std::string>& vocab, const std::string& text);

struct QueryHit {
  int64_t row;
  int32_t layer, index;
  float f1;
  int32_t nodes;
  std::string description;  // what the graph fires on
};

std::vector<QueryHit> query_atlas(const AtlasReader& atlas, int32_t activating, const std::vector<int32_t>& context);
std::string format_hits(const std::vector<QueryHit>& hits);

}  // namespace n2g
