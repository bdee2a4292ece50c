// Forward throughput of a GPT-2-small-shaped random model against the matrix-product peak of
// torch::mm measured in the same run (same device and dtype), and the saving of a forward that
// stops at layer 0.
//   build/tools/bench/n2g_bench_forward [threads] [device=cpu] [dtype=float32]   (e.g. 1 cuda bfloat16)
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstdio>
#include <cstdlib>

#include <torch/cuda.h>

#include "n2g/model/threads.h"
#include "random_model.h"

int main(int argc, char** argv) {
  using namespace n2g;
  if (argc > 1) set_cpu_threads(std::atoi(argv[1]));
  LoadOptions options;
  options.device = argc > 2 ? argv[2] : "cpu";
  options.dtype = argc > 3 ? argv[3] : "float32";
  const at::Device device = resolve_device(options.device);
  const auto on = at::TensorOptions().device(device).dtype(resolve_dtype(options.dtype, device));
  // Waits for the device, so that times measure the work and not its launch.
  const auto wait = [&] {
    if (device.is_cuda()) torch::cuda::synchronize();
  };
  std::printf("device %s, dtype %s, CPU threads %d, BLAS kernels %s\n", options.device.c_str(), options.dtype.c_str(),
              argc > 1 ? std::atoi(argv[1]) : at::get_num_threads(), select_blas_kernels().c_str());

  // Peak: the MLP's own product shape, [4096, 768] x [768, 3072].
  const at::Tensor a = at::randn({4096, 768}, on), b = at::randn({768, 3072}, on);
  const double mm_seconds = bench::time_median(5, [&] { at::mm(a, b); wait(); });
  const double peak = 2.0 * 4096 * 768 * 3072 / mm_seconds / 1e9;
  std::printf("torch::mm [4096x768]x[768x3072]: %.1f GFLOP/s (the peak below)\n", peak);

  const TransformerSpec spec = bench::gpt2_small_spec();
  const Transformer model = Transformer::create(spec, bench::random_weights(spec), options);
  const int64_t D = spec.d_model, M = spec.d_mlp;
  std::printf("\n%8s %6s %12s %10s %8s %12s\n", "batch", "seq", "tokens/s", "GFLOP/s", "of peak", "layer0 / full");
  for (const auto& [batch, seq] : std::vector<std::pair<int64_t, int64_t>>{{256, 16}, {128, 32}, {64, 64}, {32, 128}, {8, 256}}) {
    const at::Tensor tokens = at::randint(spec.d_vocab, {batch, seq}, at::kLong).to(device);
    const std::string last = "blocks." + std::to_string(spec.n_layers - 1) + ".mlp.hook_post";
    const double full = bench::time_median(3, [&] { model.forward(tokens, {last}); wait(); });
    const double first = bench::time_median(3, [&] { model.forward(tokens, {"blocks.0.mlp.hook_post"}); wait(); });
    // Per token and layer: q, k, v, o (4 D^2) and the MLP (2 D M) multiply-adds, plus attention
    // scores and mixing (2 seq D); the last layer stops after the MLP's first product.
    const double per_layer = 2.0 * (4.0 * D * D + 2.0 * D * M) + 4.0 * seq * D;
    const double flops = batch * seq * (per_layer * spec.n_layers - 2.0 * D * M);
    std::printf("%8ld %6ld %12.0f %10.1f %7.0f%% %12.3f\n", batch, seq, batch * seq / full, flops / full / 1e9,
                100.0 * flops / full / 1e9 / peak, first / full);
  }
  return 0;
}
