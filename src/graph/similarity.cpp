#include "n2g/graph/similarity.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

namespace n2g {
namespace {

constexpr double kContextWeight = 0.5;

// (token, role) as one key: role 0 activating, 1 context.
int64_t key_of(int32_t token, int role) { return static_cast<int64_t>(token) * 2 + role; }

std::vector<int64_t> keys_of(const GraphTokens& g) {
  std::vector<int64_t> out;
  for (int32_t t : g.activating) out.push_back(key_of(t, 0));
  for (int32_t t : g.context) out.push_back(key_of(t, 1));
  return out;
}

// The core of both: `exclude_self` leaves out target g for query g (the same set).
std::vector<SimilarNeurons> rank_similar(const std::vector<GraphTokens>& queries, const std::vector<GraphTokens>& targets,
                                         size_t count, bool exclude_self) {
  std::unordered_map<int64_t, std::vector<int32_t>> postings;  // key -> targets holding it
  std::unordered_map<int64_t, double> holders;                 // key -> graphs of both sets holding it
  for (size_t g = 0; g < targets.size(); ++g)
    for (int64_t k : keys_of(targets[g])) postings[k].push_back(static_cast<int32_t>(g));
  double with_graph = 0;
  for (const auto* set : {&queries, &targets})
    for (const auto& g : *set) {
      with_graph += !g.activating.empty() || !g.context.empty();
      for (int64_t k : keys_of(g)) holders[k] += 1;
    }
  std::unordered_map<int64_t, double> weight;  // key -> role weight x idf
  for (const auto& [key, held] : holders) weight[key] = (key % 2 ? kContextWeight : 1.0) * std::log(with_graph / held);
  const auto norms = [&weight](const std::vector<GraphTokens>& set) {
    std::vector<double> norm(set.size(), 0.0);
    for (size_t g = 0; g < set.size(); ++g)
      for (int64_t k : keys_of(set[g])) norm[g] += weight[k] * weight[k];
    return norm;
  };
  const std::vector<double> query_norm = norms(queries), target_norm = norms(targets);

  std::vector<SimilarNeurons> out(queries.size());
  for (size_t g = 0; g < queries.size(); ++g) {
    if (query_norm[g] <= 0) continue;
    std::map<int32_t, double> dot;  // target graph -> dot product
    for (int64_t k : keys_of(queries[g])) {
      const double w = weight[k];
      if (w <= 0) continue;  // held by every graph: says nothing
      const auto found = postings.find(k);
      if (found == postings.end()) continue;
      for (int32_t other : found->second)
        if (!exclude_self || other != static_cast<int32_t>(g)) dot[other] += w * w;
    }
    std::vector<std::pair<double, int32_t>> ranked;
    for (const auto& [other, value] : dot)
      if (target_norm[other] > 0) ranked.emplace_back(value / std::sqrt(query_norm[g] * target_norm[other]), other);
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    for (size_t i = 0; i < ranked.size() && i < count; ++i) {
      out[g].rows.push_back(ranked[i].second);
      out[g].scores.push_back(static_cast<float>(ranked[i].first));
    }
  }
  return out;
}

}  // namespace

GraphTokens tokens_of(const FlatGraph& graph) {
  std::set<int32_t> activating, context;
  for (size_t i = 0; i < graph.size(); ++i) {
    if (graph.token[i] < 0) continue;
    if (graph.parent[i] < 0 && graph.activator[i]) activating.insert(graph.token[i]);
    if (graph.parent[i] >= 0) context.insert(graph.token[i]);
  }
  return {{activating.begin(), activating.end()}, {context.begin(), context.end()}};
}

std::vector<SimilarNeurons> similar_neurons(const std::vector<GraphTokens>& graphs, size_t count) {
  return rank_similar(graphs, graphs, count, /*exclude_self=*/true);
}

std::vector<SimilarNeurons> similar_across(const std::vector<GraphTokens>& queries, const std::vector<GraphTokens>& targets,
                                           size_t count) {
  return rank_similar(queries, targets, count, /*exclude_self=*/false);
}

}  // namespace n2g
