#include "n2g/app/match.h"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "n2g/errors.h"
#include "n2g/graph/similarity.h"
#include "n2g/io/atlas.h"

namespace n2g {
namespace {

// Every row's graph tokens, as ids of one shared vocabulary: `ids` maps token text to id, new
// texts get the next id (A's vocabulary first, so A's ids stay what they are).
std::vector<GraphTokens> graph_tokens(const AtlasReader& atlas, std::unordered_map<std::string, int32_t>& ids) {
  const auto& vocab = atlas.header().vocab;
  std::vector<int32_t> id_of(vocab.size());
  for (size_t t = 0; t < vocab.size(); ++t) id_of[t] = ids.emplace(vocab[t], static_cast<int32_t>(ids.size())).first->second;
  std::vector<GraphTokens> out;
  for (const FlatGraph& graph : atlas.graphs()) {
    GraphTokens tokens = tokens_of(graph);
    for (auto* list : {&tokens.activating, &tokens.context})
      for (int32_t& t : *list) t = id_of.at(t);
    out.push_back(std::move(tokens));
  }
  return out;
}

}  // namespace

AtlasMatch match_atlases(const std::string& a_path, const std::string& b_path, size_t count) {
  const AtlasReader a(a_path), b(b_path);
  std::unordered_map<std::string, int32_t> ids;
  const auto a_graphs = graph_tokens(a, ids), b_graphs = graph_tokens(b, ids);
  const auto similar = similar_across(a_graphs, b_graphs, count);
  AtlasMatch out;
  std::map<int32_t, LayerMatchShare> layers;
  for (int64_t r = 0; r < a.rows(); ++r) {
    NeuronMatches m;
    std::tie(m.layer, m.index) = a.neuron_of(r);
    for (size_t i = 0; i < similar[r].rows.size(); ++i) {
      m.matches.push_back(b.neuron_of(similar[r].rows[i]));
      m.scores.push_back(similar[r].scores[i]);
    }
    LayerMatchShare& share = layers[m.layer];
    share.layer = m.layer;
    if (!a_graphs[r].activating.empty() || !a_graphs[r].context.empty()) {
      ++share.with_graph;
      share.matched += !m.scores.empty() && m.scores[0] >= kMatchedScore;
      share.itself += !m.matches.empty() && m.matches[0] == std::make_pair(m.layer, m.index);
    }
    out.neurons.push_back(std::move(m));
  }
  for (const auto& [layer, share] : layers) out.layers.push_back(share);
  return out;
}

std::string format_matches(const AtlasMatch& match, const std::string& format) {
  std::ostringstream out;
  if (format == "text") {
    char line[200];
    std::snprintf(line, sizeof(line), "%-6s %-11s %-22s %s\n", "layer", "with graph", "best match >= 0.5", "best match itself");
    out << line;
    for (const auto& l : match.layers) {
      const auto share = [&](int64_t n) {
        char text[48];
        std::snprintf(text, sizeof(text), "%lld (%.2f)", static_cast<long long>(n),
                      l.with_graph ? static_cast<double>(n) / static_cast<double>(l.with_graph) : 0.0);
        return std::string(text);
      };
      std::snprintf(line, sizeof(line), "%-6d %-11lld %-22s %s\n", l.layer, static_cast<long long>(l.with_graph),
                    share(l.matched).c_str(), share(l.itself).c_str());
      out << line;
    }
  } else if (format == "csv") {
    out << "layer,index,rank,match_layer,match_index,score\n";
    for (const auto& n : match.neurons)
      for (size_t i = 0; i < n.matches.size(); ++i)
        out << n.layer << "," << n.index << "," << i + 1 << "," << n.matches[i].first << "," << n.matches[i].second << ","
            << n.scores[i] << "\n";
  } else if (format == "json") {
    nlohmann::json records = nlohmann::json::array();
    for (const auto& n : match.neurons) {
      nlohmann::json matches = nlohmann::json::array();
      for (size_t i = 0; i < n.matches.size(); ++i)
        matches.push_back({{"layer", n.matches[i].first}, {"index", n.matches[i].second}, {"score", n.scores[i]}});
      records.push_back({{"layer", n.layer}, {"index", n.index}, {"matches", matches}});
    }
    out << records.dump(1) << "\n";
  } else {
    throw UsageError("unknown format '" + format + "' (text, csv, json)");
  }
  return out.str();
}

}  // namespace n2g
