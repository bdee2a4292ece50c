#include "n2g/graph/similarity.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace n2g {
namespace {

constexpr double kContextWeight = 0.5;

// (token, role) as one key: role 0 activating, 1 context.
int64_t key_of(int32_t token, int role) { return static_cast<int64_t>(token) * 2 + role; }

}  // namespace

std::vector<SimilarNeurons> similar_neurons(const std::vector<GraphTokens>& graphs, size_t count) {
  std::unordered_map<int64_t, std::vector<int32_t>> postings;  // key -> graphs holding it
  for (size_t g = 0; g < graphs.size(); ++g) {
    for (int32_t t : graphs[g].activating) postings[key_of(t, 0)].push_back(static_cast<int32_t>(g));
    for (int32_t t : graphs[g].context) postings[key_of(t, 1)].push_back(static_cast<int32_t>(g));
  }
  double with_graph = 0;
  for (const auto& g : graphs) with_graph += !g.activating.empty() || !g.context.empty();
  std::unordered_map<int64_t, double> weight;  // key -> role weight x idf
  for (const auto& [key, holders] : postings)
    weight[key] = (key % 2 ? kContextWeight : 1.0) * std::log(with_graph / static_cast<double>(holders.size()));
  std::vector<double> norm(graphs.size(), 0.0);
  const auto keys = [](const GraphTokens& g) {
    std::vector<int64_t> out;
    for (int32_t t : g.activating) out.push_back(key_of(t, 0));
    for (int32_t t : g.context) out.push_back(key_of(t, 1));
    return out;
  };
  for (size_t g = 0; g < graphs.size(); ++g)
    for (int64_t k : keys(graphs[g])) norm[g] += weight[k] * weight[k];

  std::vector<SimilarNeurons> out(graphs.size());
  for (size_t g = 0; g < graphs.size(); ++g) {
    if (norm[g] <= 0) continue;
    std::map<int32_t, double> dot;  // other graph -> dot product
    for (int64_t k : keys(graphs[g])) {
      const double w = weight[k];
      if (w <= 0) continue;  // held by every graph: says nothing
      for (int32_t other : postings[k])
        if (other != static_cast<int32_t>(g)) dot[other] += w * w;
    }
    std::vector<std::pair<double, int32_t>> ranked;
    for (const auto& [other, value] : dot)
      if (norm[other] > 0) ranked.emplace_back(value / std::sqrt(norm[g] * norm[other]), other);
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    for (size_t i = 0; i < ranked.size() && i < count; ++i) {
      out[g].rows.push_back(ranked[i].second);
      out[g].scores.push_back(static_cast<float>(ranked[i].first));
    }
  }
  return out;
}

}  // namespace n2g
