// The token and 5-gram lookup baselines as the fit stage uses them, per neuron: fit on 94 train
// windows (the top train half, 20 after the top K, 64 random), predict 42 test windows (the top
// test half and 32 random), on the demo dataset's real tokens with random activations. Ours (fixed
// keys in a hash table) against the naive path (a std::map keyed by token vectors, as before);
// both must predict the same values.
//   build/tools/bench/n2g_bench_baselines [dataset=data/austen-gpt2/persuasion.h5] [neurons=64]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "n2g/fit/baselines.h"
#include "n2g/io/dataset.h"

namespace {

using namespace n2g;
using Windows = std::vector<std::vector<int32_t>>;

// The naive path: every key a fresh vector in an ordered map.
class NaiveLookup {
 public:
  explicit NaiveLookup(int context) : context_(context) {}
  void fit(const std::vector<int32_t>& tokens, const std::vector<float>& normalised) {
    for (size_t j = 0; j < tokens.size(); ++j) {
      auto [entry, inserted] = table_.emplace(key(tokens, j), normalised[j]);
      if (!inserted) entry->second = std::max(entry->second, normalised[j]);
    }
  }
  std::vector<float> predict(const std::vector<int32_t>& tokens) const {
    std::vector<float> predicted(tokens.size(), 0.0f);
    for (size_t j = 0; j < tokens.size(); ++j) {
      const auto found = table_.find(key(tokens, j));
      if (found != table_.end()) predicted[j] = found->second;
    }
    return predicted;
  }

 private:
  std::vector<int32_t> key(const std::vector<int32_t>& tokens, size_t position) const {
    const size_t first = position >= static_cast<size_t>(context_) ? position - context_ : 0;
    return {tokens.begin() + first, tokens.begin() + position + 1};
  }
  int context_;
  std::map<std::vector<int32_t>, float> table_;
};

struct Neuron {
  Windows train, test;
  std::vector<std::vector<float>> activations;  // [train window][position]
};

// Seconds to fit and predict every neuron's two baselines; their predictions into `out`.
template <typename Lookup>
double run(const std::vector<Neuron>& neurons, std::vector<std::vector<float>>& out) {
  out.clear();
  const auto start = std::chrono::steady_clock::now();
  for (const Neuron& neuron : neurons) {
    Lookup token(0), ngram(kNgramContext);
    for (size_t w = 0; w < neuron.train.size(); ++w) {
      token.fit(neuron.train[w], neuron.activations[w]);
      ngram.fit(neuron.train[w], neuron.activations[w]);
    }
    for (const auto& window : neuron.test) {
      out.push_back(token.predict(window));
      out.push_back(ngram.predict(window));
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "data/austen-gpt2/persuasion.h5";
  const int n_neurons = argc > 2 ? std::atoi(argv[2]) : 64;
  const TokenDataset data(path);
  const std::vector<int32_t> all = data.read_range(0, data.n_windows());
  const auto window = [&](int64_t w) {
    return std::vector<int32_t>(all.begin() + w * data.window_len(), all.begin() + (w + 1) * data.window_len());
  };
  std::mt19937_64 random(1);
  std::uniform_int_distribution<int64_t> pick(0, data.n_windows() - 1);
  std::uniform_real_distribution<float> activation(0.0f, 1.0f);
  std::vector<Neuron> neurons(n_neurons);
  for (Neuron& neuron : neurons) {
    for (int w = 0; w < 94; ++w) {
      neuron.train.push_back(window(pick(random)));
      std::vector<float> values(data.window_len());
      for (float& value : values) value = activation(random);
      neuron.activations.push_back(std::move(values));
    }
    for (int w = 0; w < 42; ++w) neuron.test.push_back(window(pick(random)));
  }
  std::vector<std::vector<float>> ours, naive;
  double ours_s = 1e30, naive_s = 1e30;
  for (int repeat = 0; repeat < 3; ++repeat) {  // best of 3, alternating
    naive_s = std::min(naive_s, run<NaiveLookup>(neurons, naive));
    ours_s = std::min(ours_s, run<LookupBaseline>(neurons, ours));
  }
  if (ours != naive) {
    std::fprintf(stderr, "the two paths predict different values\n");
    return 1;
  }
  std::printf("%d neurons, %lld-token windows: baselines per neuron ours %.2f ms, naive %.2f ms (%.1fx); predictions identical\n",
              n_neurons, static_cast<long long>(data.window_len()), 1e3 * ours_s / n_neurons, 1e3 * naive_s / n_neurons,
              naive_s / ours_s);
  return 0;
}
