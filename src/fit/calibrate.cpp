#include "n2g/fit/calibrate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace n2g {
namespace {

// What the train positions that walk through each node did ([node]).
struct NodeStats {
  std::vector<double> count, fires, firing_sum, quiet_sum;
  std::vector<double> token_fires;  // first level: firing positions of the token (every walk starts there)
  std::vector<bool> fallback;       // first level: on the graph only as a firing token (add_firing_tokens)
};

// One train position: the nodes it walks through and whether it fired.
struct Visit {
  std::vector<int32_t> path;
  bool fired;
};

double shrunk(double fires, double count, double prior_weight, double parent_rate) {
  if (count + prior_weight <= 0) return 0.0;  // first level (no prior) and no position: not on the graph
  return (fires + prior_weight * parent_rate) / (count + prior_weight);
}

// Leave-one-position-out: the firing rate of the deepest node of `visit.path` with the visit's own
// observation taken out of it. A firing token that would not reach `min_firings` without this
// position is not on the graph: rate 0.
double rate_without(const Visit& visit, const NodeStats& stats, double prior_weight, int min_firings) {
  const int32_t first = visit.path.front();
  if (stats.fallback[first] && stats.token_fires[first] - visit.fired < min_firings) return 0.0;
  double rate = 0.0;
  for (size_t d = 0; d < visit.path.size(); ++d) {
    const int32_t node = visit.path[d];
    const bool own = d + 1 == visit.path.size();
    rate = shrunk(stats.fires[node] - (own && visit.fired), stats.count[node] - own, d == 0 ? 0.0 : prior_weight, rate);
  }
  return rate;
}

// The rate threshold in {0.10, 0.15, ..., 0.60} whose leave-one-out predictions have the best
// firing F1 over the train positions (the higher on ties).
double choose_threshold(const std::vector<Visit>& visits, const NodeStats& stats, double prior_weight, int min_firings) {
  std::vector<double> rates;
  for (const Visit& visit : visits) rates.push_back(rate_without(visit, stats, prior_weight, min_firings));
  double best = 0.5, best_f1 = -1.0;
  for (int step = 12; step >= 2; --step) {
    const double threshold = 0.05 * step;
    double tp = 0, fp = 0, fn = 0;
    for (size_t v = 0; v < visits.size(); ++v) {
      const bool predicted = rates[v] >= threshold - 1e-9;
      tp += predicted && visits[v].fired;
      fp += predicted && !visits[v].fired;
      fn += !predicted && visits[v].fired;
    }
    const double f1 = tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
    if (f1 > best_f1 + 1e-12) {
      best_f1 = f1;
      best = threshold;
    }
  }
  return best;
}

// Whether a position that walks to `node` and stops there is predicted to fire.
bool fires_at(const Trie& graph, const std::vector<int32_t>& parent, int32_t node, double threshold) {
  for (; node > 0; node = parent[node])
    if (graph.nodes()[node].is_end()) return graph.nodes()[node].end_activation >= threshold;
  return false;
}

// Leaves whose prediction is the one a position would get without them.
void drop_redundant_leaves(Trie& graph, double threshold) {
  std::vector<int32_t> parent(graph.nodes().size(), -1);
  for (size_t node = 0; node < graph.nodes().size(); ++node)
    for (const auto& entry : graph.nodes()[node].children) parent[entry.second] = static_cast<int32_t>(node);
  graph.remove_leaves([&](int32_t leaf, int32_t up) {
    const auto& siblings = graph.nodes()[up].children;
    if (graph.nodes()[leaf].token != kIgnoreToken && siblings.count(kIgnoreToken)) return false;  // would walk the wildcard
    return fires_at(graph, parent, leaf, threshold) == fires_at(graph, parent, up, threshold);
  });
}

}  // namespace

void add_firing_tokens(Trie& graph, const std::vector<TrainWindow>& windows, const TokenTable& table,
                       double activation_threshold, int min_firings) {
  std::map<int32_t, std::pair<int, float>> firings;  // token -> (firing positions, largest activation)
  for (const TrainWindow& window : windows)
    for (size_t j = 0; j < window.tokens->size(); ++j) {
      const int32_t token = (*window.tokens)[j];
      const float value = (*window.normalised)[j];
      if (table.is_special(token) || !(value >= activation_threshold)) continue;
      auto& [count, largest] = firings[token];
      ++count;
      largest = std::max(largest, value);
    }
  for (const auto& [token, seen] : firings)
    if (seen.first >= min_firings) graph.insert(Line{{{token, seen.second}}, seen.second});
}

double calibrate_ends(Trie& graph, const std::vector<TrainWindow>& windows, const TokenTable& table,
                      double activation_threshold, double prior_weight, const std::set<int32_t>& line_tokens, int min_firings) {
  const auto skip = [&table](int32_t token) { return table.is_special(token); };
  const size_t n = graph.nodes().size();
  NodeStats stats{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n), std::vector<double>(n),
                  std::vector<double>(n), std::vector<bool>(n, false)};
  for (const auto& [token, node] : graph.root().children) stats.fallback[node] = !line_tokens.count(token);
  std::vector<Visit> visits;
  std::vector<bool> visited(n, false);
  for (const TrainWindow& window : windows)
    for (size_t i = 0; i < window.tokens->size(); ++i) {
      if (skip((*window.tokens)[i])) continue;
      const double value = (*window.normalised)[i];
      Visit visit{{}, value >= activation_threshold};
      graph.walk(*window.tokens, i, skip, visit.path);
      if (visit.path.empty()) continue;
      for (int32_t node : visit.path) visited[node] = true;
      stats.token_fires[visit.path.front()] += visit.fired;
      const int32_t deepest = visit.path.back();
      stats.count[deepest] += 1;
      stats.fires[deepest] += visit.fired;
      (visit.fired ? stats.firing_sum : stats.quiet_sum)[deepest] += value;
      visits.push_back(std::move(visit));
    }
  const double threshold = choose_threshold(visits, stats, prior_weight, min_firings);
  std::vector<double> rate(n, 0.0);
  for (size_t parent = 0; parent < n; ++parent)  // parents come before their children
    for (const auto& [token, child] : graph.nodes()[parent].children) {
      rate[child] = shrunk(stats.fires[child], stats.count[child], parent == 0 ? 0.0 : prior_weight, rate[parent]);
      if (!visited[child]) continue;  // reached by no train position: its END stays
      const double quiet = stats.count[child] - stats.fires[child];
      const bool fires = rate[child] >= threshold - 1e-9;
      const double value = fires && stats.fires[child] > 0 ? stats.firing_sum[child] / stats.fires[child]
                           : fires                         ? static_cast<double>(activation_threshold)
                           : quiet > 0                     ? stats.quiet_sum[child] / quiet
                                                           : 0.0;
      graph.set_end(child, static_cast<float>(value));
    }
  // Firing tokens below the support leave the graph (they have no children).
  graph.remove_leaves([&](int32_t leaf, int32_t up) { return up == 0 && stats.fallback[leaf] && stats.token_fires[leaf] < min_firings; });
  drop_redundant_leaves(graph, activation_threshold);
  return threshold;
}

}  // namespace n2g
