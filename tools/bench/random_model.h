// Random-weight models of a given shape for the benchmarks (no files needed).
#pragma once

#include <ATen/ATen.h>

#include <chrono>

#include "n2g/model/transformer.h"

namespace n2g::bench {

inline TransformerSpec gpt2_small_spec(int layers = 12) {
  TransformerSpec s;
  s.architecture = "gpt2";
  s.n_layers = layers;
  s.d_model = 768;
  s.n_heads = 12;
  s.d_head = 64;
  s.d_mlp = 3072;
  s.d_vocab = s.d_vocab_out = 50257;
  s.n_ctx = 1024;
  s.act_fn = "gelu_new";
  return s;
}

inline ModelWeights random_weights(const TransformerSpec& s, uint64_t seed = 0) {
  at::manual_seed(seed);
  const int64_t D = s.d_model, M = s.d_mlp, HD = s.n_heads * s.d_head;
  const auto normal = [](std::vector<int64_t> shape, double std) { return at::randn(shape) * std; };
  ModelWeights w;
  w.w_e = normal({s.d_vocab, D}, 0.02);
  w.w_pos = normal({s.n_ctx, D}, 0.01);
  for (int i = 0; i < s.n_layers; ++i) {
    LayerWeights l;
    l.ln1_w = at::ones({D});
    l.ln1_b = at::zeros({D});
    l.w_qkv = normal({D, 3 * HD}, 0.02);
    l.b_qkv = at::zeros({3 * HD});
    l.w_o = normal({HD, D}, 0.02);
    l.b_o = at::zeros({D});
    l.ln2_w = at::ones({D});
    l.ln2_b = at::zeros({D});
    l.w_in = normal({D, M}, 0.02);
    l.b_in = at::zeros({M});
    l.w_out = normal({M, D}, 0.02);
    l.b_out = at::zeros({D});
    w.layers.push_back(l);
  }
  w.ln_f_w = at::ones({D});
  w.ln_f_b = at::zeros({D});
  w.w_u = w.w_e.t().contiguous();
  return w;
}

// Median seconds of `repeats` calls after one warm-up.
template <class F>
double time_median(int repeats, F&& body) {
  body();
  std::vector<double> seconds;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    body();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds[seconds.size() / 2];
}

}  // namespace n2g::bench
