// Forward throughput of a GPT-2-small-shaped random model against the matrix-product peak of
// torch::mm measured in the same run, and the saving of a forward that stops at layer 0.
//   build/tools/bench/n2g_bench_forward [threads]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstdio>
#include <cstdlib>

#include "random_model.h"

int main(int argc, char** argv) {
  using namespace n2g;
  if (argc > 1) at::set_num_threads(std::atoi(argv[1]));
  std::printf("threads: %d\n", at::get_num_threads());

  // Peak: the MLP's own product shape, [4096, 768] x [768, 3072].
  const at::Tensor a = at::randn({4096, 768}), b = at::randn({768, 3072});
  const double mm_seconds = bench::time_median(5, [&] { at::mm(a, b); });
  const double peak = 2.0 * 4096 * 768 * 3072 / mm_seconds / 1e9;
  std::printf("torch::mm [4096x768]x[768x3072]: %.1f GFLOP/s (the peak below)\n", peak);

  const TransformerSpec spec = bench::gpt2_small_spec();
  const Transformer model = Transformer::create(spec, bench::random_weights(spec), LoadOptions{});
  const int64_t D = spec.d_model, M = spec.d_mlp;
  std::printf("\n%8s %6s %12s %10s %8s %12s\n", "batch", "seq", "tokens/s", "GFLOP/s", "of peak", "layer0 / full");
  for (const auto& [batch, seq] : std::vector<std::pair<int64_t, int64_t>>{{256, 16}, {128, 32}, {64, 64}, {32, 128}, {8, 256}}) {
    const at::Tensor tokens = at::randint(spec.d_vocab, {batch, seq}, at::kLong);
    const std::string last = "blocks." + std::to_string(spec.n_layers - 1) + ".mlp.hook_post";
    const double full = bench::time_median(3, [&] { model.forward(tokens, {last}); });
    const double first = bench::time_median(3, [&] { model.forward(tokens, {"blocks.0.mlp.hook_post"}); });
    // Per token and layer: q, k, v, o (4 D^2) and the MLP (2 D M) multiply-adds, plus attention
    // scores and mixing (2 seq D); the last layer stops after the MLP's first product.
    const double per_layer = 2.0 * (4.0 * D * D + 2.0 * D * M) + 4.0 * seq * D;
    const double flops = batch * seq * (per_layer * spec.n_layers - 2.0 * D * M);
    std::printf("%8ld %6ld %12.0f %10.1f %7.0f%% %12.3f\n", batch, seq, batch * seq / full, flops / full / 1e9,
                100.0 * flops / full / 1e9 / peak, first / full);
  }
  return 0;
}
