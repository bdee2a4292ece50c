// The logit lens against the checkpoint's own tensors, read and multiplied here by hand.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "n2g/model/safetensors.h"
#include "n2g/model/transformer.h"

namespace n2g {
namespace {

struct Case {
  const char* model;
  const char* w_out;    // layer 1's output weights
  bool w_out_is_linear; // [d_model, d_mlp] (Linear) rather than [d_mlp, d_model]
  const char* ln_final;
  const char* w_u;
  bool w_u_is_rows;     // [d_vocab, d_model] (embedding rows or Linear) rather than [d_model, d_vocab]
};

TEST(LogitEffects, AreTheOutputRowScaledByTheFinalNormTimesTheUnembedding) {
  for (const Case& c : {Case{"tiny-gpt2", "h.1.mlp.c_proj.weight", false, "ln_f.weight", "wte.weight", true},
                        Case{"tiny-neox", "gpt_neox.layers.1.mlp.dense_4h_to_h.weight", true,
                             "gpt_neox.final_layer_norm.weight", "embed_out.weight", true},
                        Case{"tiny-solu-tl", "blocks.1.mlp.W_out", false, "ln_final.w", "unembed.W_U", false}}) {
    const std::string dir = std::string(N2G_FIXTURES) + "/models/" + c.model;
    const SafetensorsStore store = SafetensorsStore::open_directory(dir);
    at::Tensor w_out = store.read(c.w_out).to(at::kFloat);
    if (c.w_out_is_linear) w_out = w_out.t();
    at::Tensor w_u = store.read(c.w_u).to(at::kFloat);
    if (c.w_u_is_rows) w_u = w_u.t();
    const std::vector<int64_t> neurons = {3, 200, 17};
    const at::Tensor expected = at::matmul(w_out.index_select(0, at::tensor(neurons)) * store.read(c.ln_final).to(at::kFloat), w_u);
    const Transformer model = Transformer::load(dir);
    const at::Tensor got = model.neuron_logit_effects(1, at::tensor(neurons));
    ASSERT_EQ(got.sizes(), expected.sizes()) << c.model;
    EXPECT_TRUE(at::allclose(got, expected, 1e-4, 1e-5)) << c.model << ": max difference "
                                                         << (got - expected).abs().max().item<float>();
  }
}

TEST(LogitEffects, NeedTheUnembedding) {
  LoadOptions options;
  options.unembed = false;
  const Transformer model = Transformer::load(std::string(N2G_FIXTURES) + "/models/tiny-gpt2", options);
  try {
    model.neuron_logit_effects(0, at::tensor(std::vector<int64_t>{1}));
    ADD_FAILURE() << "no error";
  } catch (const std::exception& error) {
    EXPECT_NE(std::string(error.what()).find("output effects need the unembedding"), std::string::npos) << error.what();
  }
}

// In float64 (exact mode) a neuron's effects do not depend on the other neurons computed with it
// (the neurons of a wave, which depend on the number of ranks): bit-identical alone or in a batch.
TEST(LogitEffects, InFloat64AreTheSameAloneAsInABatch) {
  LoadOptions options;
  options.dtype = "float64";
  const Transformer model = Transformer::load(std::string(N2G_SOURCE_DIR) + "/data/austen-gpt2/model", options);
  std::vector<int64_t> batch(96);
  for (size_t i = 0; i < batch.size(); ++i) batch[i] = static_cast<int64_t>(i * 5);
  const at::Tensor together = model.neuron_logit_effects(1, at::tensor(batch));
  EXPECT_EQ(together.scalar_type(), at::kFloat);
  for (const size_t i : {size_t{0}, size_t{7}, size_t{95}}) {
    const at::Tensor alone = model.neuron_logit_effects(1, at::tensor(std::vector<int64_t>{batch[i]}));
    EXPECT_TRUE(at::equal(alone[0], together[static_cast<int64_t>(i)])) << "neuron " << batch[i];
  }
}

}  // namespace
}  // namespace n2g
