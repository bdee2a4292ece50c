// Scan throughput against the plain forward on the same batches (GPT-2-small shape, random weights,
// random tokens), and the scan's peak memory on a dataset and on one ten times larger (each in a
// child process, so the peaks do not mix).
//   build/tools/bench/n2g_bench_scan [windows=32] [threads=all]
#include <ATen/ATen.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "n2g/fit/split.h"
#include "n2g/io/dataset.h"
#include "n2g/model/threads.h"
#include "n2g/sweep/scan.h"
#include "random_model.h"

namespace {

using namespace n2g;

std::string random_dataset(const std::string& path, int64_t windows, int64_t length) {
  DatasetWriter writer(path, {length, 50257, 50256, "random", "bench"});
  at::manual_seed(1);
  const at::Tensor tokens = at::randint(50256, {windows, length}, at::kInt);
  writer.append(std::vector<int32_t>(tokens.data_ptr<int32_t>(), tokens.data_ptr<int32_t>() + tokens.numel()),
                std::vector<int64_t>(windows, 0));
  writer.finish({});
  return path;
}

// Seconds of one scan of every neuron of every layer over `path`.
double scan_seconds(const Transformer& model, const std::string& path, int batch) {
  const TokenDataset data(path);
  const SweptNeurons neurons(NeuronSelection{}, model.spec().n_layers, model.spec().d_mlp, "bench");
  ScanOptions options;
  options.batch_windows = batch;
  options.bos = 50256;
  options.special = {50256};
  for (int layer = 0; layer < model.spec().n_layers; ++layer)  // the sweep's random windows (116 by default)
    options.sampled.push_back(sample_windows(data.n_windows(), 116, 0, layer));
  const auto start = std::chrono::steady_clock::now();
  scan_windows(model, data, 0, data.n_windows(), neurons, options, [](int64_t) {});
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Peak resident memory (MiB) of a child process scanning `path` with a small model.
double child_peak_mib(const std::string& path) {
  const pid_t pid = fork();
  if (pid == 0) {
    const TransformerSpec spec = bench::gpt2_small_spec(2);
    const Transformer model = Transformer::create(spec, bench::random_weights(spec), LoadOptions{-1, false});
    scan_seconds(model, path, 16);
    _exit(0);
  }
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  return usage.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  const int windows = argc > 1 ? std::atoi(argv[1]) : 32;
  set_cpu_threads(argc > 2 ? std::atoi(argv[2]) : static_cast<int>(std::thread::hardware_concurrency()));
  const std::string dir = "/tmp";
  const std::string small = random_dataset(dir + "/n2g_bench_scan_1x.h5", windows, 128);
  const std::string large = random_dataset(dir + "/n2g_bench_scan_10x.h5", 10 * windows, 128);

  const TransformerSpec spec = bench::gpt2_small_spec();
  LoadOptions options;
  options.unembed = false;
  options.dtype = "float64";  // as the sweep computes float32 models
  const Transformer model = Transformer::create(spec, bench::random_weights(spec), options);
  const int batch = 16;
  const double scan = scan_seconds(model, small, batch);
  const at::Tensor tokens = at::randint(50256, {batch, 129}, at::kLong);
  const double forward = bench::time_median(1, [&] { model.forward(tokens, {"blocks.11.mlp.hook_post"}); }) * windows / batch;
  std::printf("GPT-2-small shape, float64 compute, %d windows of 128 tokens, all 36,864 neurons\n", windows);
  std::printf("scan:    %.0f tokens/s\nforward: %.0f tokens/s on the same batches (scan / forward = %.2f)\n",
              windows * 129 / scan, windows * 129 / forward, forward / scan);
  const double one = child_peak_mib(small), ten = child_peak_mib(large);
  std::printf("peak memory of a 2-layer scan: %d windows %.0f MiB, %d windows %.0f MiB (ratio %.2f)\n", windows, one,
              10 * windows, ten, ten / one);
  return 0;
}
