#include "n2g/fit/metrics.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace n2g {

ConfusionCounts& ConfusionCounts::operator+=(const ConfusionCounts& other) {
  true_positive += other.true_positive;
  false_positive += other.false_positive;
  false_negative += other.false_negative;
  true_negative += other.true_negative;
  return *this;
}

void count_firings(const std::vector<float>& real, const std::vector<float>& predicted,
                   const std::vector<bool>& skip, double fire_threshold, ConfusionCounts& counts) {
  for (size_t j = 0; j < real.size(); ++j) {
    if (skip[j]) continue;
    const bool real_fires = real[j] >= fire_threshold;
    const bool predicted_fires = predicted[j] >= fire_threshold;
    if (real_fires && predicted_fires) ++counts.true_positive;
    else if (predicted_fires) ++counts.false_positive;
    else if (real_fires) ++counts.false_negative;
    else ++counts.true_negative;
  }
}

void CorrelationSums::add(const std::vector<float>& real_values, const std::vector<float>& predicted_values,
                          const std::vector<bool>& skip) {
  for (size_t j = 0; j < real_values.size(); ++j) {
    if (skip[j]) continue;
    const double x = real_values[j], y = predicted_values[j];
    n += 1;
    real += x;
    predicted += y;
    real_squared += x * x;
    predicted_squared += y * y;
    product += x * y;
  }
}

CorrelationSums& CorrelationSums::operator+=(const CorrelationSums& o) {
  n += o.n;
  real += o.real;
  predicted += o.predicted;
  real_squared += o.real_squared;
  predicted_squared += o.predicted_squared;
  product += o.product;
  return *this;
}

float CorrelationSums::pearson() const {
  if (n < 2) return kNotANumber;
  const double real_variance = real_squared - real * real / n, predicted_variance = predicted_squared - predicted * predicted / n;
  // Relative to the sums' size: a constant side leaves only rounding behind.
  if (!(real_variance > 1e-12 * real_squared) || !(predicted_variance > 1e-12 * predicted_squared)) return kNotANumber;
  const double covariance = product - real * predicted / n;
  return static_cast<float>(std::clamp(covariance / std::sqrt(real_variance * predicted_variance), -1.0, 1.0));
}

ClassScores class_scores(int64_t true_positive, int64_t false_positive, int64_t false_negative) {
  if (true_positive == 0)
    return {false_positive == 0 ? kNotANumber : 0.0f, false_negative == 0 ? 1.0f : 0.0f,
            0.0f};
  const double precision = static_cast<double>(true_positive) / static_cast<double>(true_positive + false_positive);
  const double recall = static_cast<double>(true_positive) / static_cast<double>(true_positive + false_negative);
  return {static_cast<float>(precision), static_cast<float>(recall),
          static_cast<float>(2.0 * precision * recall / (precision + recall))};
}

NeuronScores score(const ConfusionCounts& c) {
  NeuronScores s;
  s.counts = c;
  s.firing = class_scores(c.true_positive, c.false_positive, c.false_negative);
  s.nonfiring = class_scores(c.true_negative, c.false_negative, c.false_positive);
  const int64_t all = c.true_positive + c.false_positive + c.false_negative + c.true_negative;
  s.accuracy = all == 0 ? kNotANumber
                        : static_cast<float>(static_cast<double>(c.true_positive + c.true_negative) / all);
  s.firing_count = c.true_positive + c.false_negative;
  s.nonfiring_count = c.true_negative + c.false_positive;
  return s;
}

namespace {

// Mean of the non-NaN values; NaN when there are none.
struct Mean {
  double sum = 0.0;
  int64_t n = 0;
  void add(float value) {
    if (std::isnan(value)) return;
    sum += value;
    ++n;
  }
  float value() const { return n == 0 ? kNotANumber : static_cast<float>(sum / n); }
};

struct ClassMean {
  Mean precision, recall, f1;
  void add(const ClassScores& s) {
    precision.add(s.precision);
    recall.add(s.recall);
    f1.add(s.f1);
  }
  ClassScores value() const { return {precision.value(), recall.value(), f1.value()}; }
};

}  // namespace

LayerScores summarize(const std::vector<NeuronScores>& neurons) {
  ClassMean firing, nonfiring;
  Mean accuracy;
  ConfusionCounts total;
  for (const NeuronScores& s : neurons) {
    firing.add(s.firing);
    nonfiring.add(s.nonfiring);
    accuracy.add(s.accuracy);
    total += s.counts;
  }
  LayerScores layer;
  layer.neurons = static_cast<int64_t>(neurons.size());
  layer.pooled = score(total);
  layer.mean = layer.pooled;
  layer.mean.firing = firing.value();
  layer.mean.nonfiring = nonfiring.value();
  layer.mean.accuracy = accuracy.value();
  return layer;
}

Interval bootstrap_mean_interval(const std::vector<float>& values, int resamples, uint64_t seed) {
  std::vector<float> numbers;
  for (float v : values)
    if (!std::isnan(v)) numbers.push_back(v);
  if (numbers.empty() || resamples < 1) return {};
  std::mt19937_64 generator(seed);
  std::uniform_int_distribution<size_t> pick(0, numbers.size() - 1);
  std::vector<double> means(resamples);
  for (double& mean : means) {
    double sum = 0;
    for (size_t i = 0; i < numbers.size(); ++i) sum += numbers[pick(generator)];
    mean = sum / static_cast<double>(numbers.size());
  }
  std::sort(means.begin(), means.end());
  const auto at = [&](double q) { return static_cast<float>(means[static_cast<size_t>(q * (resamples - 1) + 0.5)]); };
  return {at(0.025), at(0.975)};
}

MeanWithInterval mean_with_interval(const std::vector<float>& values) {
  MeanWithInterval out;
  std::vector<float> numbers;
  for (float v : values)
    if (!std::isnan(v)) numbers.push_back(v);
  out.neurons = static_cast<int64_t>(numbers.size());
  if (numbers.empty()) return out;
  double sum = 0;
  for (float v : numbers) sum += v;
  out.mean = static_cast<float>(sum / static_cast<double>(numbers.size()));
  out.interval = bootstrap_mean_interval(numbers);
  return out;
}

float median(std::vector<float> values) {
  if (values.empty()) return kNotANumber;
  std::sort(values.begin(), values.end());
  const size_t half = values.size() / 2;
  return values.size() % 2 ? values[half] : (values[half - 1] + values[half]) / 2;
}

}  // namespace n2g
