// The fixed bins of every neuron's activation histogram (FORMATS.md, "/histogram"): 0 and signed
// quarter octaves 2^(k/4) for k = -32 .. 32 (about 0.004 to 256) as edges; bin b holds the values v
// with edges[b-1] <= v < edges[b] (bin 0: below the first edge, the last bin: at or above the last).
#pragma once

#include <cmath>
#include <vector>

namespace n2g {

constexpr int kHistogramOctaveSteps = 4;  // edges per octave
constexpr int kHistogramLowestPower = -8, kHistogramHighestPower = 8;
constexpr int kHistogramMagnitudes = (kHistogramHighestPower - kHistogramLowestPower) * kHistogramOctaveSteps + 1;  // 65
constexpr int kHistogramEdges = 2 * kHistogramMagnitudes + 1;  // 131
constexpr int kHistogramBins = kHistogramEdges + 1;            // 132

// Ascending: -256 .. -2^-8, 0, 2^-8 .. 256.
inline std::vector<double> histogram_edges() {
  std::vector<double> magnitudes;
  for (int k = kHistogramLowestPower * kHistogramOctaveSteps; k <= kHistogramHighestPower * kHistogramOctaveSteps; ++k)
    magnitudes.push_back(std::pow(2.0, static_cast<double>(k) / kHistogramOctaveSteps));
  std::vector<double> edges;
  for (auto m = magnitudes.rbegin(); m != magnitudes.rend(); ++m) edges.push_back(-*m);
  edges.push_back(0.0);
  edges.insert(edges.end(), magnitudes.begin(), magnitudes.end());
  return edges;
}

// The share of the counted values at or above `threshold` (> 0), the bin holding it counted in
// proportion to where it falls (linearly between the bin's edges).
inline double share_at_or_above(const std::vector<int64_t>& counts, const std::vector<double>& edges, double threshold) {
  double total = 0, above = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    total += static_cast<double>(counts[b]);
    const double low = b == 0 ? -INFINITY : edges[b - 1], high = b == edges.size() ? INFINITY : edges[b];
    if (low >= threshold) above += static_cast<double>(counts[b]);
    else if (high > threshold && std::isfinite(high)) above += static_cast<double>(counts[b]) * (high - threshold) / (high - low);
  }
  return total > 0 ? above / total : NAN;
}

}  // namespace n2g
