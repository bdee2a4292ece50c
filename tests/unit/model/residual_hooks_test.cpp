// The residual-stream and layer-output hooks (hook_resid_pre, hook_attn_out, hook_resid_mid,
// hook_mlp_out, hook_resid_post) of every fixture model: against the independent reference's
// goldens where it recorded them, and by the invariants that tie them to each other and to the
// verified MLP hook; a forward that stops at a hook gives what the whole forward gives there.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "golden.h"
#include "n2g/errors.h"
#include "n2g/model/safetensors.h"
#include "n2g/model/transformer.h"
#include "n2g/model/weights.h"

namespace n2g {
namespace {

using n2g::testing::expect_close;
using n2g::testing::read_golden;

const std::string kModels = std::string(N2G_FIXTURES) + "/models/";

std::string hook(int layer, const std::string& kind) { return "blocks." + std::to_string(layer) + "." + kind; }

class ResidualHooks : public ::testing::TestWithParam<std::string> {
 protected:
  std::string dir() const { return kModels + GetParam(); }
  at::Tensor tokens() const { return read_golden(dir() + "/golden.h5", "tokens").to(at::kLong); }
};

TEST_P(ResidualHooks, MatchTheReferenceGoldens) {
  const Transformer model = Transformer::load(dir());
  std::vector<std::string> hooks;
  for (int layer = 0; layer < 2; ++layer)
    for (const std::string kind : {"hook_resid_pre", "hook_attn_out", "hook_mlp_out", "hook_resid_post"})
      hooks.push_back(hook(layer, kind));
  const ForwardOutput out = model.forward(tokens(), hooks);
  ASSERT_EQ(out.hooks.size(), hooks.size());
  for (const auto& name : hooks) {
    EXPECT_EQ(out.hooks.at(name).size(2), model.spec().d_model) << name;
    expect_close(out.hooks.at(name), read_golden(dir() + "/golden.h5", name), GetParam() + " " + name);
  }
}

TEST_P(ResidualHooks, HoldTheInvariantsOfABlock) {
  const Transformer model = Transformer::load(dir());
  const bool parallel = model.spec().parallel_residual;
  std::vector<std::string> hooks = {"blocks.1.mlp.hook_post"};
  for (const auto& kind : model.spec().residual_hooks())
    for (int layer = 0; layer < 2; ++layer) hooks.push_back(hook(layer, kind));
  const auto out = model.forward(tokens(), hooks).hooks;
  // resid_post(L) is resid_pre(L + 1): the same tensor, bit for bit.
  EXPECT_TRUE(at::equal(out.at("blocks.0.hook_resid_post"), out.at("blocks.1.hook_resid_pre")));
  for (int layer = 0; layer < 2; ++layer) {
    const at::Tensor pre = out.at(hook(layer, "hook_resid_pre")), attn = out.at(hook(layer, "hook_attn_out")),
                     mlp = out.at(hook(layer, "hook_mlp_out")), post = out.at(hook(layer, "hook_resid_post"));
    if (parallel) {
      expect_close(post, pre + attn + mlp, "resid_post = resid_pre + attn_out + mlp_out (parallel)");
    } else {
      const at::Tensor mid = out.at(hook(layer, "hook_resid_mid"));
      expect_close(mid, pre + attn, "resid_mid = resid_pre + attn_out");
      expect_close(post - mid, mlp, "resid_post - resid_mid = mlp_out");
    }
  }
  // mlp_out = hook_post . W_out + b_out, with the weights read straight from the checkpoint.
  const ModelWeights weights = load_weights(SafetensorsStore::open_directory(dir()), model.spec(), 2, false);
  const at::Tensor post = out.at("blocks.1.mlp.hook_post");
  expect_close(out.at("blocks.1.hook_mlp_out"), at::matmul(post, weights.layers[1].w_out) + weights.layers[1].b_out,
               "mlp_out = hook_post . W_out + b_out");
}

TEST_P(ResidualHooks, AForwardThatStopsAtAHookGivesTheWholeForwardsValue) {
  const Transformer model = Transformer::load(dir());
  std::vector<std::string> all = {"blocks.1.mlp.hook_post"};
  for (const auto& kind : model.spec().residual_hooks()) all.push_back(hook(1, kind));
  const auto whole = model.forward(tokens(), all, Logits::all).hooks;
  for (const auto& name : all)
    EXPECT_TRUE(at::allclose(model.forward(tokens(), {name}).hooks.at(name), whole.at(name), 1e-5, 1e-6)) << name;
  // Layer 0's output needs only layer 0: a model loaded with one layer gives it.
  LoadOptions one_layer;
  one_layer.layers = 1;
  one_layer.unembed = false;
  const Transformer truncated = Transformer::load(dir(), one_layer);
  EXPECT_TRUE(at::equal(truncated.forward(tokens(), {"blocks.0.hook_resid_post"}).hooks.at("blocks.0.hook_resid_post"),
                        model.forward(tokens(), {"blocks.0.hook_resid_post"}).hooks.at("blocks.0.hook_resid_post")));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ResidualHooks, ::testing::Values("tiny-gpt2", "tiny-neox", "tiny-solu-tl"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(ResidualHooks, ResidMidOfAParallelModelAndColumnsOfAResidualHookAreRefused) {
  const Transformer neox = Transformer::load(kModels + "tiny-neox");
  try {
    neox.resolve_hook("blocks.0.hook_resid_mid");
    FAIL() << "hook_resid_mid of a parallel model was accepted";
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("its attention and MLP are parallel"), std::string::npos) << error.what();
  }
  const Transformer gpt2 = Transformer::load(kModels + "tiny-gpt2");
  const at::Tensor tokens = read_golden(kModels + "tiny-gpt2/golden.h5", "tokens").to(at::kLong);
  EXPECT_THROW(gpt2.forward_columns(tokens, {"blocks.1.hook_resid_post"}, at::arange(3, at::kLong)), ModelError);
  EXPECT_EQ(gpt2.resolve_hook("blocks.1.hook_resid_mid").stage, BlockStage::resid_mid);
  EXPECT_TRUE(gpt2.resolve_hook("blocks.1.mlp.hook_post").neurons());
}

}  // namespace
}  // namespace n2g
