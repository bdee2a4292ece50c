// ALGORITHM.md section 6: firing precision, recall and F1 of predicted vs real activations, per
// neuron and per layer.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

namespace n2g {

constexpr float kNotANumber = std::numeric_limits<float>::quiet_NaN();

struct ConfusionCounts {
  int64_t true_positive = 0;   // both fire
  int64_t false_positive = 0;  // predicted fires, real does not
  int64_t false_negative = 0;  // real fires, predicted does not
  int64_t true_negative = 0;   // neither fires

  ConfusionCounts& operator+=(const ConfusionCounts& other);
};

struct ClassScores {
  float precision = kNotANumber;  // NaN when nothing was predicted in the class (TP == FP == 0)
  float recall = kNotANumber;
  float f1 = kNotANumber;
};

struct NeuronScores {
  ClassScores firing;
  ClassScores nonfiring;
  float accuracy = kNotANumber;
  int64_t firing_count = 0;     // real firing tokens
  int64_t nonfiring_count = 0;  // real non-firing tokens
  ConfusionCounts counts;
};

// Adds the positions of one sequence to `counts`; positions where `skip` is set are left out.
void count_firings(const std::vector<float>& real, const std::vector<float>& predicted,
                   const std::vector<bool>& skip, double fire_threshold, ConfusionCounts& counts);

// Pearson correlation of real and predicted activations over positions (ALGORITHM.md section 6,
// "correlation"), from running sums in double precision so that test sets add up.
struct CorrelationSums {
  double n = 0, real = 0, predicted = 0, real_squared = 0, predicted_squared = 0, product = 0;

  // Adds the positions of one sequence; positions where `skip` is set are left out.
  void add(const std::vector<float>& real, const std::vector<float>& predicted, const std::vector<bool>& skip);
  CorrelationSums& operator+=(const CorrelationSums& other);
  // r, or NaN with fewer than 2 positions or when either side is constant (a predictor that
  // never fires has no correlation, not 0).
  float pearson() const;
};

// P, R, F1 with the NaN conventions of section 6.
ClassScores class_scores(int64_t true_positive, int64_t false_positive, int64_t false_negative);

NeuronScores score(const ConfusionCounts& counts);

// Per-layer figures: the mean over neurons of each figure (NaN left out) and pooled (micro) ones.
struct LayerScores {
  NeuronScores mean;    // counts summed
  NeuronScores pooled;  // scores of the summed counts
  int64_t neurons = 0;
};

LayerScores summarize(const std::vector<NeuronScores>& neurons);

// A 95% bootstrap interval of the mean of `values` (NaN left out): the 2.5th and 97.5th
// percentiles of the means of `resamples` resamples drawn with a generator seeded by `seed`.
// {NaN, NaN} when no value is a number.
struct Interval {
  float low = kNotANumber, high = kNotANumber;
};
Interval bootstrap_mean_interval(const std::vector<float>& values, int resamples = 2000, uint64_t seed = 0);

// The mean of `values` (NaN left out) with its bootstrap interval and how many values it averages.
struct MeanWithInterval {
  float mean = kNotANumber;
  Interval interval;
  int64_t neurons = 0;
};
MeanWithInterval mean_with_interval(const std::vector<float>& values);

// The median (the mean of the middle two for an even count); NaN when empty.
float median(std::vector<float> values);

}  // namespace n2g
