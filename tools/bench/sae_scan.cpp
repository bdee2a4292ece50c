// The scan with SAE latents against the scan with MLP neurons, on the demo model and the real SAE
// on its blocks.1.hook_resid_post, in one run on the same Persuasion windows: the 512 neurons of
// layer 1 (mlp.hook_post), the SAE's 1,024 latents (the hook after that layer, then the encoder),
// and a bare forward to that hook for reference. Prints tokens per second a thread and the ratios.
//   build/tools/bench/n2g_bench_sae_scan [windows=256] [threads=1]   (from the repository root)
#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "n2g/fit/split.h"
#include "n2g/io/dataset.h"
#include "n2g/model/threads.h"
#include "n2g/model/transformer.h"
#include "n2g/sweep/scan.h"

namespace {

using namespace n2g;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Seconds of one scan of every unit of `hook_kind` in layer 1 over windows [0, windows).
double scan_seconds(const Transformer& model, const TokenDataset& data, int64_t windows, const std::string& hook_kind,
                    int width) {
  NeuronSelection selection;
  selection.layers = std::vector<int32_t>{1};
  const SweptNeurons units(selection, model.spec().n_layers, width, "bench");
  ScanOptions options;
  options.hook = hook_kind;
  options.bos = 50256;
  options.special = {50256};
  options.sampled.push_back(sample_windows(data.n_windows(), 116, 0, 1));  // the sweep's random windows
  const auto start = Clock::now();
  scan_windows(model, data, 0, windows, units, options, [](int64_t) {});
  return seconds_since(start);
}

double forward_seconds(const Transformer& model, const TokenDataset& data, int64_t windows, const std::string& hook) {
  const auto start = Clock::now();
  for (int64_t first = 0; first < windows; first += 32) {
    const int64_t count = std::min<int64_t>(32, windows - first);
    at::Tensor tokens = at::from_blob(data.read_range(first, count).data(), {count, data.window_len()}, at::kInt).to(at::kLong);
    tokens = at::cat({at::full({count, 1}, 50256, at::kLong), tokens}, 1);
    model.forward(tokens, {hook});
  }
  return seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t windows = argc > 1 ? std::atoi(argv[1]) : 256;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  set_cpu_threads(threads);
  const TokenDataset data("data/austen-gpt2/persuasion.h5");
  LoadOptions load;
  load.layers = 2;
  load.unembed = false;
  Transformer model = Transformer::load("data/austen-gpt2/model", load);
  model.attach_sae(Sae::load("data/austen-gpt2-sae", model.device(), model.dtype()));
  const int64_t n = std::min(windows, data.n_windows());
  const double tokens = static_cast<double>(n * data.window_len());
  // Once each untimed (allocations, thread pools), then timed.
  scan_seconds(model, data, std::min<int64_t>(n, 32), "mlp.hook_post", model.spec().d_mlp);
  const double neurons = scan_seconds(model, data, n, "mlp.hook_post", model.spec().d_mlp);
  const double latents = scan_seconds(model, data, n, "hook_resid_post.hook_sae_acts_post", model.sae()->spec().d_sae);
  const double bare = forward_seconds(model, data, n, "blocks.1.hook_resid_post");
  std::printf("demo model, layer 1, %lld Persuasion windows, %d thread(s)\n", static_cast<long long>(n), threads);
  std::printf("%-44s %10s %10s\n", "", "tokens/s", "per thread");
  std::printf("%-44s %10.0f %10.0f\n", "scan, 512 MLP neurons (mlp.hook_post)", tokens / neurons, tokens / neurons / threads);
  std::printf("%-44s %10.0f %10.0f\n", "scan, 1,024 SAE latents (hook_resid_post)", tokens / latents, tokens / latents / threads);
  std::printf("%-44s %10.0f %10.0f\n", "bare forward to blocks.1.hook_resid_post", tokens / bare, tokens / bare / threads);
  std::printf("latents / neurons: %.2fx the time a token (%.2fx the units)\n", latents / neurons,
              static_cast<double>(model.sae()->spec().d_sae) / model.spec().d_mlp);
  return 0;
}
