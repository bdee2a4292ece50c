// Similar neurons by what their graphs fire on (FORMATS.md, "/similar"): each graph is a vector over
// (token, role) with role activating (weight 1) or context (weight 0.5), each weighted by the
// token's inverse document frequency log(graphs / graphs holding it); similarity is the cosine.
// Computed through an inverted index from keys to graphs, never by comparing all pairs: a graph
// only meets the graphs sharing one of its keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "n2g/graph/serialize.h"

namespace n2g {

struct GraphTokens {
  std::vector<int32_t> activating, context;  // distinct token ids; both empty: no graph
};

// The distinct tokens a stored graph activates on (first-level activators) and uses as context.
GraphTokens tokens_of(const FlatGraph& graph);

struct SimilarNeurons {
  std::vector<int32_t> rows;   // most similar first, at most `count`
  std::vector<float> scores;   // cosine in (0, 1]
};

// For every graph, the `count` most similar other graphs (ties: lower row first).
std::vector<SimilarNeurons> similar_neurons(const std::vector<GraphTokens>& graphs, size_t count);

// For every graph of `queries`, the `count` most similar graphs of `targets` (another atlas: token
// ids must mean the same tokens in both), the idf taken over both sets together (for the same set
// twice it is the one-set idf; that graph itself then comes first).
std::vector<SimilarNeurons> similar_across(const std::vector<GraphTokens>& queries, const std::vector<GraphTokens>& targets,
                                           size_t count);

}  // namespace n2g
