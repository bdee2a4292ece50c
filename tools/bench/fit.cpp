// Fit-stage throughput on the demo model (data/austen-gpt2, the largest real model here): the
// batched-across-neurons wave against one neuron at a time and against one sequence at a time
// (what a naive port runs), in the same run, with the share of time spent in forward passes.
//   build/tools/bench/n2g_bench_fit [neurons=24] [threads=all]      (from the repository root)
#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "n2g/fit/fit_wave.h"
#include "n2g/fit/split.h"
#include "n2g/io/dataset.h"
#include "n2g/model/threads.h"
#include "n2g/sweep/model_oracle.h"
#include "n2g/sweep/scan.h"

namespace {

using namespace n2g;

// Runs every sequence of every call on its own: the cost of not batching at all.
class OneSequenceAtATime : public ActivationOracle {
 public:
  explicit OneSequenceAtATime(ModelOracle& inner) : inner_(inner) {}
  std::vector<std::vector<float>> activations(const std::vector<NeuronSequence>& batch) override {
    std::vector<std::vector<float>> out;
    for (const auto& s : batch) out.push_back(inner_.activations({s})[0]);
    return out;
  }
  std::vector<std::vector<int32_t>> substitutes(const std::vector<SubstituteRequest>& requests, AugmentMethod method,
                                                int max_candidates, double min_prob) override {
    std::vector<std::vector<int32_t>> out;
    for (const auto& r : requests) out.push_back(inner_.substitutes({r}, method, max_candidates, min_prob)[0]);
    return out;
  }

 private:
  ModelOracle& inner_;
};

double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int neurons = argc > 1 ? std::atoi(argv[1]) : 24;
  set_cpu_threads(argc > 2 ? std::atoi(argv[2]) : static_cast<int>(std::thread::hardware_concurrency()));
  const std::string dir = "data/austen-gpt2";
  const TokenDataset data(dir + "/persuasion.h5");
  LoadOptions options;
  options.dtype = "float64";  // as the sweep computes float32 models
  const Transformer model = Transformer::load(dir + "/model", options);
  const int layer = 1;
  NeuronSelection selection;
  selection.layers = std::vector<int32_t>{layer};
  selection.indices = std::vector<int32_t>();
  for (int i = 0; i < neurons; ++i) selection.indices->push_back(i);
  const SweptNeurons swept(selection, 3, 512, "bench");
  ScanOptions scan;
  scan.bos = 50256;
  scan.special = {50256};
  const auto candidates = scan_windows(model, data, 0, data.n_windows(), swept, scan, [](int64_t) {});

  std::vector<NeuronTask> tasks;
  for (const auto& c : candidates) {
    if (c.activation.empty() || c.activation[0] <= 0) continue;
    NeuronTask task{static_cast<int32_t>(c.neuron), c.activation[0], {}, {}};
    const auto split = split_examples(c.window.size(), 0.5, 0, layer, task.neuron);
    const auto tokens = data.read_windows(c.window);
    for (size_t k = 0; k < c.window.size(); ++k)
      (split[k] == kTrain ? task.train : task.test)
          .emplace_back(tokens.begin() + k * data.window_len(), tokens.begin() + (k + 1) * data.window_len());
    tasks.push_back(std::move(task));
  }
  const TokenTable table(data.vocab(), {50256});
  const FitParams fit;
  const EvalParams eval;
  std::printf("fit stage, %zu neurons of layer %d of the demo model, top-20 windows of 128 tokens\n", tasks.size(), layer);

  auto start = std::chrono::steady_clock::now();
  ModelOracle batched(model, layer, "mlp.hook_post", 50256, 16384);
  const auto wave = fit_wave(batched, table, fit, eval, 50256, tasks);
  const double wave_seconds = seconds(start);

  start = std::chrono::steady_clock::now();
  double per_neuron_forward = 0;
  int64_t same = 0;
  for (size_t t = 0; t < tasks.size(); ++t) {
    ModelOracle single(model, layer, "mlp.hook_post", 50256, 16384);
    const auto one = fit_wave(single, table, fit, eval, 50256, {tasks[t]});
    per_neuron_forward += single.forward_seconds();
    same += one[0].graph.counts().total == wave[t].graph.counts().total;
  }
  const double per_neuron_seconds = seconds(start);

  const size_t naive_count = std::min<size_t>(tasks.size(), 3);
  start = std::chrono::steady_clock::now();
  for (size_t t = 0; t < naive_count; ++t) {
    ModelOracle inner(model, layer, "mlp.hook_post", 50256, 16384);
    OneSequenceAtATime naive(inner);
    fit_wave(naive, table, fit, eval, 50256, {tasks[t]});
  }
  const double naive_per_neuron = seconds(start) / naive_count;

  const double n = static_cast<double>(tasks.size());
  std::printf("%-40s %10s %10s %12s\n", "path", "seconds", "neurons/s", "forward");
  std::printf("%-40s %10.2f %10.2f %11.0f%%\n", "one wave, batched across neurons", wave_seconds, n / wave_seconds,
              100 * batched.forward_seconds() / wave_seconds);
  std::printf("%-40s %10.2f %10.2f %11.0f%%\n", "one neuron at a time", per_neuron_seconds, n / per_neuron_seconds,
              100 * per_neuron_forward / per_neuron_seconds);
  std::printf("%-40s %10.2f %10.2f %12s\n", "one sequence at a time (3 neurons)", naive_per_neuron * naive_count,
              1 / naive_per_neuron, "-");
  std::printf("batched vs one neuron at a time: %.1fx; vs one sequence at a time: %.1fx; same graph size for %lld of %zu neurons\n",
              per_neuron_seconds / wave_seconds, naive_per_neuron * n / wave_seconds, static_cast<long long>(same), tasks.size());
  return 0;
}
