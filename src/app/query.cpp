#include "n2g/app/query.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "n2g/errors.h"
#include "n2g/graph/describe.h"

namespace n2g {
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  const size_t first = text.find_first_not_of(' ');
  return first == std::string::npos ? "" : text.substr(first);
}

}  // namespace

int32_t resolve_token(const std::vector<std::string>& vocab, const std::string& text) {
  const std::string digits = !text.empty() && text[0] == '#' ? text.substr(1) : text;
  if (!digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    const long long id = std::stoll(digits);
    if (id >= static_cast<long long>(vocab.size()))
      throw UsageError("token id " + digits + " is outside the vocabulary (" + std::to_string(vocab.size()) + " tokens)");
    return static_cast<int32_t>(id);
  }
  const auto exact = std::find(vocab.begin(), vocab.end(), text);
  if (exact != vocab.end()) return static_cast<int32_t>(exact - vocab.begin());
  std::string suggestions;
  for (size_t id = 0; id < vocab.size(); ++id)
    if (lower(trim(vocab[id])) == lower(trim(text)) && suggestions.size() < 200)
      suggestions += (suggestions.empty() ? "" : ", ") + std::string("'") + vocab[id] + "' (" + std::to_string(id) + ")";
  throw UsageError("unknown token '" + text + "'" + (suggestions.empty() ? "" : "; did you mean " + suggestions + "?"));
}

std::vector<QueryHit> query_atlas(const AtlasReader& atlas, int32_t activating, const std::vector<int32_t>& context) {
  std::vector<int32_t> rows = atlas.rows_activating_on(activating);
  for (int32_t token : context) {
    const auto with = atlas.rows_with_context(token);
    std::vector<int32_t> kept;
    std::set_intersection(rows.begin(), rows.end(), with.begin(), with.end(), std::back_inserter(kept));
    rows = kept;
  }
  const auto f1 = atlas.float_column("/stats/firing_f1");
  const auto nodes = atlas.int_column("/graphs/node_count");
  std::vector<QueryHit> hits;
  for (int32_t row : rows) {
    const AtlasRow data = atlas.row(row);
    hits.push_back({row, data.layer, data.index, f1[row], nodes[row],
                    describe_graph(unflatten(data.graph), atlas.header().vocab)});
  }
  std::stable_sort(hits.begin(), hits.end(), [](const QueryHit& a, const QueryHit& b) {
    const float x = std::isnan(a.f1) ? -1.0f : a.f1, y = std::isnan(b.f1) ? -1.0f : b.f1;
    return x > y;
  });
  return hits;
}

std::vector<std::pair<int32_t, size_t>> activating_alternatives(const AtlasReader& atlas, int32_t token) {
  const auto& vocab = atlas.header().vocab;
  std::vector<std::pair<int32_t, size_t>> out;
  if (token < 0 || token >= static_cast<int32_t>(vocab.size())) return out;
  const std::string wanted = lower(trim(vocab[token]));
  for (size_t id = 0; id < vocab.size(); ++id) {
    if (static_cast<int32_t>(id) == token || lower(trim(vocab[id])) != wanted) continue;
    const size_t graphs = atlas.rows_activating_on(static_cast<int32_t>(id)).size();
    if (graphs > 0) out.emplace_back(static_cast<int32_t>(id), graphs);
  }
  return out;
}

std::string format_hits(const std::vector<QueryHit>& hits, size_t limit, const AtlasHeader& header,
                        size_t activating_graphs, const std::vector<std::pair<int32_t, size_t>>& alternatives) {
  std::ostringstream out;
  char line[96];
  const std::vector<std::string>& vocab = header.vocab;
  std::snprintf(line, sizeof(line), "%-6s %-7s %-6s %-6s %s\n", "layer", header.latents() ? "latent" : "neuron", "F1", "nodes",
                "graph");
  out << line;
  const size_t shown = limit ? std::min(limit, hits.size()) : hits.size();
  for (size_t i = 0; i < shown; ++i) {
    const QueryHit& h = hits[i];
    std::snprintf(line, sizeof(line), "%-6d %-7d %-6.2f %-6d ", h.layer, h.index, h.f1, h.nodes);
    out << line << h.description << "\n";
  }
  if (shown < hits.size()) out << "(" << hits.size() - shown << " more; --limit 0 shows all)\n";
  if (hits.empty()) {
    out << "(no neuron's graph matches";
    if (activating_graphs > 0)
      out << "; " << activating_graphs << (activating_graphs == 1 ? " graph activates" : " graphs activate")
          << " on the token, but not with every context token given";
    for (size_t i = 0; i < alternatives.size(); ++i)
      out << (i ? ", " : "; graphs activate on ") << "'" << vocab[alternatives[i].first] << "' (" << alternatives[i].second
          << (alternatives[i].second == 1 ? " neuron)" : " neurons)");
    out << ")\n";
  }
  return out.str();
}

std::string format_hits_json(const std::vector<QueryHit>& hits, size_t limit) {
  nlohmann::json out = nlohmann::json::array();
  const size_t shown = limit ? std::min(limit, hits.size()) : hits.size();
  for (size_t i = 0; i < shown; ++i) {
    const QueryHit& h = hits[i];
    out.push_back({{"row", h.row}, {"layer", h.layer}, {"index", h.index},
                   {"f1", std::isnan(h.f1) ? nlohmann::json() : nlohmann::json(static_cast<double>(h.f1))},
                   {"nodes", h.nodes}, {"fires_on", h.description}});
  }
  return out.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace n2g
