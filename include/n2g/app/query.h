// What `n2g_query` does: the neurons whose graph activates on a token with given context tokens,
// ranked by firing F1.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
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

// Other spellings of `token` (the same text up to case and leading or trailing spaces) that some
// graph activates on, with how many graphs: the hint when a query finds nothing.
std::vector<std::pair<int32_t, size_t>> activating_alternatives(const AtlasReader& atlas, int32_t token);

// The table (at most `limit` hits, all when 0); when there are none, a hint: how many graphs
// activate on the token without the context (`activating_graphs`), and the alternatives. The index
// column is headed "latent" in an atlas of SAE latents.
std::string format_hits(const std::vector<QueryHit>& hits, size_t limit, const AtlasHeader& header,
                        size_t activating_graphs, const std::vector<std::pair<int32_t, size_t>>& alternatives);
// The same hits as a JSON array of {row, layer, index, f1, nodes, fires_on} (full precision).
std::string format_hits_json(const std::vector<QueryHit>& hits, size_t limit);

}  // namespace n2g
