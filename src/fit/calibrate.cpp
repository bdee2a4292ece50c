#include "n2g/fit/calibrate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace n2g {
namespace {

// What the train positions whose walk ends at each node did ([node]).
struct NodeStats {
  std::vector<double> count, fires, firing_sum, quiet_sum;
  std::vector<double> token_fires;  // first level: firing positions of the token (every walk starts there)
  std::vector<bool> fallback;       // first level: on the graph only as a firing token (add_firing_tokens)
  std::vector<bool> visited;        // on some train position's walk
  double firing_positions = 0;      // train positions that fired and walk the graph at all
};

double shrunk(double fires, double count, double prior_weight, double parent_rate) {
  if (count + prior_weight <= 0) return 0.0;  // first level (no prior) and no position: not on the graph
  return (fires + prior_weight * parent_rate) / (count + prior_weight);
}

// The rate threshold in {0.10, 0.15, ..., 0.60} whose leave-one-position-out predictions have the
// best firing F1 over the train positions (the higher on ties). Left out, a position's rate is its
// deepest node's without the position's own observation (ancestors keep theirs), computed per node
// from its counts; a firing token that would not reach `min_firings` without the position predicts 0.
double choose_threshold(const NodeStats& stats, const std::vector<int32_t>& parent, double prior_weight,
                        int min_firings) {
  const size_t n = parent.size();
  std::vector<double> rate(n, 0.0), fire_rate(n, 0.0), quiet_rate(n, 0.0);
  for (size_t node = 1; node < n; ++node) {  // parents come before their children
    const int32_t up = parent[node];
    const double prior = up == 0 ? 0.0 : prior_weight;
    rate[node] = shrunk(stats.fires[node], stats.count[node], prior, rate[up]);
    const bool unsupported = up == 0 && stats.fallback[node];
    fire_rate[node] = unsupported && stats.token_fires[node] - 1 < min_firings
                          ? 0.0
                          : shrunk(stats.fires[node] - 1, stats.count[node] - 1, prior, rate[up]);
    quiet_rate[node] = unsupported && stats.token_fires[node] < min_firings
                           ? 0.0
                           : shrunk(stats.fires[node], stats.count[node] - 1, prior, rate[up]);
  }
  double best = 0.5, best_f1 = -1.0;
  for (int step = 12; step >= 2; --step) {
    const double threshold = 0.05 * step - 1e-9;
    double tp = 0, fp = 0;
    for (size_t node = 1; node < n; ++node) {
      if (fire_rate[node] >= threshold) tp += stats.fires[node];
      if (quiet_rate[node] >= threshold) fp += stats.count[node] - stats.fires[node];
    }
    const double f1 = tp > 0 ? 2 * tp / (tp + fp + stats.firing_positions) : 0.0;
    if (f1 > best_f1 + 1e-12) {
      best_f1 = f1;
      best = 0.05 * step;
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
  const std::vector<int32_t> parent = graph.parents();
  graph.remove_leaves([&](int32_t leaf, int32_t up) {
    const auto& siblings = graph.nodes()[up].children;
    if (graph.nodes()[leaf].token != kIgnoreToken && siblings.count(kIgnoreToken)) return false;  // would walk the wildcard
    return fires_at(graph, parent, leaf, threshold) == fires_at(graph, parent, up, threshold);
  });
}

NodeStats train_stats(const Trie& graph, const std::vector<TrainWindow>& windows, const TokenTable& table,
                      double activation_threshold, const std::set<int32_t>& line_tokens) {
  const auto skip = [&table](int32_t token) { return table.is_special(token); };
  const size_t n = graph.nodes().size();
  NodeStats stats{std::vector<double>(n), std::vector<double>(n),     std::vector<double>(n), std::vector<double>(n),
                  std::vector<double>(n), std::vector<bool>(n, false), std::vector<bool>(n, false)};
  for (const auto& [token, node] : graph.root().children) stats.fallback[node] = !line_tokens.count(token);
  std::vector<int32_t> path;
  for (const TrainWindow& window : windows)
    for (size_t i = 0; i < window.tokens->size(); ++i) {
      if (skip((*window.tokens)[i])) continue;
      const double value = (*window.normalised)[i];
      const bool fired = value >= activation_threshold;
      graph.walk(*window.tokens, i, skip, path);
      if (path.empty()) continue;
      for (int32_t node : path) stats.visited[node] = true;
      stats.token_fires[path.front()] += fired;
      stats.firing_positions += fired;
      const int32_t deepest = path.back();
      stats.count[deepest] += 1;
      stats.fires[deepest] += fired;
      (fired ? stats.firing_sum : stats.quiet_sum)[deepest] += value;
    }
  return stats;
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
                      const CalibrationParams& params, const std::set<int32_t>& line_tokens) {
  NodeStats stats = train_stats(graph, windows, table, params.activation_threshold, line_tokens);
  const std::vector<int32_t> parent = graph.parents();
  const double threshold = choose_threshold(stats, parent, params.prior_weight, params.min_firings);
  std::vector<double> rate(parent.size(), 0.0);
  for (size_t node = 1; node < parent.size(); ++node) {  // parents come before their children
    const int32_t up = parent[node];
    rate[node] = shrunk(stats.fires[node], stats.count[node], up == 0 ? 0.0 : params.prior_weight, rate[up]);
    if (!stats.visited[node]) continue;  // reached by no train position: its END stays
    const double quiet = stats.count[node] - stats.fires[node];
    const bool fires = rate[node] >= threshold - 1e-9;
    const double value = fires && stats.fires[node] > 0 ? stats.firing_sum[node] / stats.fires[node]
                         : fires                        ? params.activation_threshold
                         : quiet > 0                    ? stats.quiet_sum[node] / quiet
                                                        : 0.0;
    graph.set_end(static_cast<int32_t>(node), static_cast<float>(value));
  }
  // Firing tokens below the support leave the graph (they have no children).
  graph.remove_leaves([&](int32_t leaf, int32_t up) {
    return up == 0 && stats.fallback[leaf] && stats.token_fires[leaf] < params.min_firings;
  });
  drop_redundant_leaves(graph, params.activation_threshold);
  return threshold;
}

}  // namespace n2g
