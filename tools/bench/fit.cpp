// Fit-stage cost on the demo model (data/austen-gpt2, the largest real model here), per neuron:
// core-seconds and forward tokens by stage, for the sweep's path (float32, window activations
// from the scan, one batched wave) against the slower paths it replaced, in the same run:
// the window pass (every window run again), float64 (exact mode), one neuron at a time and one
// sequence at a time (what a naive port runs), saliency's masked variants the other way (from a
// key/value prefix where the sweep runs them whole, and back), and with LM augmentation. Given another model directory (e.g. n2g_bench_gpt2_small_model's), it
// scans the dataset's first 120 windows and compares only the sweep's path with the other saliency.
//   build/tools/bench/n2g_bench_fit [neurons=32] [layer=1] [model dir]  (from the repository root, one thread)
#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

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
  int64_t forward_tokens() const override { return inner_.forward_tokens(); }

 private:
  ModelOracle& inner_;
};

struct Path {
  FitCosts costs;
  double seconds = 0;
  size_t neurons = 0;
  std::vector<NeuronFit> fits;
};

Path measure(size_t neurons, const std::function<std::vector<NeuronFit>(FitCosts&)>& run) {
  Path path;
  path.neurons = neurons;
  const auto start = std::chrono::steady_clock::now();
  path.fits = run(path.costs);
  path.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return path;
}

void print(const char* name, const Path& p, const Path& reference) {
  const double n = static_cast<double>(p.neurons);
  std::printf("%-44s %8.1f %7.1fx %8.0f %8.0f %8.0f %8.0f\n", name, 1e3 * p.seconds / n,
              (p.seconds / n) / (reference.seconds / reference.neurons), p.costs.windows.forward_tokens / n,
              p.costs.prune.forward_tokens / n, p.costs.saliency.forward_tokens / n, p.costs.augment.forward_tokens / n);
}

// Neurons whose graph has the same node count in both paths.
size_t same_graphs(const Path& a, const Path& b) {
  size_t same = 0;
  for (size_t t = 0; t < a.fits.size() && t < b.fits.size(); ++t)
    same += a.fits[t].graph.counts().total == b.fits[t].graph.counts().total;
  return same;
}

}  // namespace

int main(int argc, char** argv) {
  const int neurons = argc > 1 ? std::atoi(argv[1]) : 32;
  const int layer = argc > 2 ? std::atoi(argv[2]) : 1;
  set_cpu_threads(1);
  const std::string dir = "data/austen-gpt2";
  const bool other_model = argc > 3;
  const TokenDataset data(dir + "/persuasion.h5");
  LoadOptions options;
  if (other_model) options.layers = layer + 1;  // the demo keeps every layer: LM augmentation needs the logits
  const Transformer model = Transformer::load(other_model ? argv[3] : dir + "/model", options);
  options.dtype = "float64";
  const Transformer exact_model = other_model ? Transformer::load(argv[3], LoadOptions{1, false, "cpu", "float32"})
                                              : Transformer::load(dir + "/model", options);
  NeuronSelection selection;
  selection.layers = std::vector<int32_t>{layer};
  selection.indices = std::vector<int32_t>();
  for (int i = 0; i < neurons; ++i) selection.indices->push_back(i);
  const SweptNeurons swept(selection, model.spec().n_layers, model.spec().d_mlp, "bench");
  ScanOptions scan;
  scan.bos = 50256;
  scan.special = {50256};
  const auto candidates = scan_windows(model, data, 0, other_model ? std::min<int64_t>(120, data.n_windows()) : data.n_windows(),
                                       swept, scan, [](int64_t) {});

  std::vector<NeuronTask> scanned, unscanned;  // with the scan's window activations, and without
  const int64_t L = data.window_len();
  for (const auto& c : candidates) {
    if (c.activation.empty() || c.activation[0] <= 0) continue;
    NeuronTask task{static_cast<int32_t>(c.neuron), c.activation[0], {}, {}, {}, {}};
    const auto split = split_examples(c.window.size(), 0.5, 0, layer, task.neuron);
    const auto tokens = data.read_windows(c.window);
    for (size_t k = 0; k < c.window.size(); ++k) {
      const bool train = split[k] == kTrain;
      (train ? task.train : task.test).emplace_back(tokens.begin() + k * L, tokens.begin() + (k + 1) * L);
      (train ? task.train_activations : task.test_activations).emplace_back(c.values.begin() + k * L, c.values.begin() + (k + 1) * L);
    }
    scanned.push_back(task);
    task.train_activations.clear();
    task.test_activations.clear();
    unscanned.push_back(std::move(task));
  }
  const TokenTable table(data.vocab(), {50256});
  FitParams fit;
  fit.augment.method = AugmentMethod::none;
  FitParams lm = fit;
  lm.augment.method = AugmentMethod::lm;
  const EvalParams eval;
  const size_t n = scanned.size();
  std::printf("fit stage, %zu neurons of layer %d of the demo model, top-20 windows of %lld tokens, one thread, "
              "BLAS kernels %s\n", n, layer, static_cast<long long>(L), select_blas_kernels().c_str());
  const auto oracle_for = [&](const Transformer& m) { return ModelOracle(m, layer, "mlp.hook_post", 50256, 16384); };

  const Path sweep = measure(n, [&](FitCosts& costs) {
    ModelOracle oracle = oracle_for(model);
    return fit_wave(oracle, table, fit, eval, 50256, scanned, &costs);
  });
  // Saliency's masked variants the other way than the sweep takes for this model (ModelOracle::MaskedPath).
  const bool sweep_prefix = model.spec().d_model >= 512;
  const Path other_saliency = measure(n, [&](FitCosts& costs) {
    ModelOracle oracle(model, layer, "mlp.hook_post", 50256, 16384,
                       sweep_prefix ? ModelOracle::MaskedPath::whole : ModelOracle::MaskedPath::prefix);
    return fit_wave(oracle, table, fit, eval, 50256, scanned, &costs);
  });
  const char* other_name = sweep_prefix ? "saliency from whole variants" : "saliency from a key/value prefix";
  if (other_model) {
    std::printf("\n%-44s %8s %8s %8s %8s %8s %8s\n", "path (augmentation off)", "ms/nrn", "vs sweep", "windows", "prune",
                "saliency", "augment");
    print(sweep_prefix ? "sweep: saliency from a key/value prefix" : "sweep: saliency from whole variants", sweep, sweep);
    print(other_name, other_saliency, sweep);
    std::printf("\nsame graph size: %zu of %zu\n", same_graphs(sweep, other_saliency), n);
    return 0;
  }
  const Path window_pass = measure(n, [&](FitCosts& costs) {
    ModelOracle oracle = oracle_for(model);
    return fit_wave(oracle, table, fit, eval, 50256, unscanned, &costs);
  });
  const Path exact = measure(n, [&](FitCosts& costs) {
    ModelOracle oracle = oracle_for(exact_model);
    return fit_wave(oracle, table, fit, eval, 50256, scanned, &costs);
  });
  const Path one_neuron = measure(n, [&](FitCosts& costs) {
    std::vector<NeuronFit> fits;
    for (const auto& task : scanned) {
      ModelOracle oracle = oracle_for(model);
      fits.push_back(fit_wave(oracle, table, fit, eval, 50256, {task}, &costs)[0]);
    }
    return fits;
  });
  const size_t naive_count = std::min<size_t>(n, 4);
  const Path one_sequence = measure(naive_count, [&](FitCosts& costs) {
    std::vector<NeuronFit> fits;
    for (size_t t = 0; t < naive_count; ++t) {
      ModelOracle inner = oracle_for(model);
      OneSequenceAtATime naive(inner);
      fits.push_back(fit_wave(naive, table, fit, eval, 50256, {unscanned[t]}, &costs)[0]);
    }
    return fits;
  });
  const Path augmented = measure(n, [&](FitCosts& costs) {
    ModelOracle oracle = oracle_for(model);
    return fit_wave(oracle, table, lm, eval, 50256, scanned, &costs);
  });

  std::printf("\n%-44s %8s %8s %8s %8s %8s %8s\n", "path (augmentation off unless said)", "ms/nrn", "vs sweep",
              "windows", "prune", "saliency", "augment");
  std::printf("%-44s %8s %8s %35s\n", "", "core", "", "forward tokens per neuron");
  print("sweep: float32, scan activations, one wave", sweep, sweep);
  print(other_name, other_saliency, sweep);
  print("window pass instead of scan activations", window_pass, sweep);
  print("float64 (run.reproducible: exact)", exact, sweep);
  print("one neuron at a time", one_neuron, sweep);
  print("one sequence at a time (4 neurons)", one_sequence, sweep);
  print("sweep path with LM augmentation", augmented, sweep);
  std::printf("\nsame graph size as the sweep path: %s %zu, window pass %zu, float64 %zu, one neuron at a time %zu of %zu\n",
              other_name, same_graphs(sweep, other_saliency), same_graphs(sweep, window_pass), same_graphs(sweep, exact),
              same_graphs(sweep, one_neuron), n);
  return 0;
}
