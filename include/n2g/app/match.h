// Matching neurons across two atlases (checkpoints of one run, two seeds, two sizes): for every
// neuron of A, the most similar neurons of B by what their graphs fire on (the similar-neuron
// index's idf-weighted cosine, graph/similarity.h, with the idf over both atlases and tokens
// matched by their text), and per layer of A the share of its neurons with a graph whose best
// match scores at least 0.5 (the "universal neurons" question asked with graphs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace n2g {

inline constexpr float kMatchedScore = 0.5f;

struct NeuronMatches {
  int32_t layer = 0, index = 0;                       // the neuron of A
  std::vector<std::pair<int32_t, int32_t>> matches;   // (layer, index) in B, best first
  std::vector<float> scores;                          // cosine in (0, 1]
};

struct LayerMatchShare {
  int32_t layer = 0;
  int64_t with_graph = 0;  // neurons of A's layer with a graph
  int64_t matched = 0;     // of those, best match in B at least kMatchedScore
  int64_t itself = 0;      // of those, best match the same (layer, index) in B
};

struct AtlasMatch {
  std::vector<NeuronMatches> neurons;  // every neuron of A, in A's row order
  std::vector<LayerMatchShare> layers;
};

// The `count` best matches in atlas B of every neuron of atlas A (A may be B: then each neuron
// with a graph finds itself first, unless another graph holds exactly its tokens).
AtlasMatch match_atlases(const std::string& a, const std::string& b, size_t count = 5);

// text (the per-layer table) | csv | json (every neuron's matches)
std::string format_matches(const AtlasMatch& match, const std::string& format);

}  // namespace n2g
