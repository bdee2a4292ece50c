// Every fixture model's hooks and logits against the goldens of an independent reference
// implementation, within the tolerance the fixtures' README gives.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include "golden.h"
#include "n2g/errors.h"
#include "n2g/model/transformer.h"

namespace n2g {
namespace {

using n2g::testing::expect_close;
using n2g::testing::read_golden;

const std::string kModels = std::string(N2G_FIXTURES) + "/models/";

class FixtureModel : public ::testing::TestWithParam<std::string> {
 protected:
  std::string dir() const { return kModels + GetParam(); }
  std::string golden() const { return dir() + "/golden.h5"; }
};

TEST_P(FixtureModel, EveryHookAndLogitsMatchTheGoldens) {
  const Transformer model = Transformer::load(dir());
  EXPECT_TRUE(model.warnings().empty());
  const at::Tensor tokens = read_golden(golden(), "tokens").to(at::kLong);
  std::vector<std::string> hooks;
  for (int layer = 0; layer < 2; ++layer)
    for (const auto& kind : model.spec().mlp_hooks()) hooks.push_back("blocks." + std::to_string(layer) + "." + kind);
  EXPECT_EQ(hooks.size(), GetParam() == "tiny-solu-tl" ? 6u : 4u);
  const ForwardOutput out = model.forward(tokens, hooks, Logits::all);
  for (const auto& name : hooks) expect_close(out.hooks.at(name), read_golden(golden(), name), GetParam() + " " + name);
  expect_close(out.logits, read_golden(golden(), "logits"), GetParam() + " logits");
}

// On a CUDA device (skipped where there is none, as in CI): float32 within the CPU's tolerance;
// bfloat16 (8 significant bits, through two layers) within 5% of each hook's largest |value|.
TEST_P(FixtureModel, HooksMatchTheGoldensOnCuda) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const at::Tensor tokens = read_golden(golden(), "tokens").to(at::kLong).to(at::kCUDA);
  for (const std::string dtype : {"float32", "bfloat16"}) {
    LoadOptions options;
    options.device = "cuda";
    options.dtype = dtype;
    const Transformer model = Transformer::load(dir(), options);
    std::vector<std::string> hooks;
    for (const auto& kind : model.spec().mlp_hooks()) hooks.push_back("blocks.1." + kind);
    const ForwardOutput out = model.forward(tokens, hooks, Logits::all);
    for (const auto& name : hooks) {
      const at::Tensor golden_values = read_golden(golden(), name);
      if (dtype == "float32") {
        expect_close(out.hooks.at(name), golden_values, GetParam() + " cuda " + name);
        continue;
      }
      const float worst = (out.hooks.at(name).to(at::kFloat).cpu() - golden_values).abs().max().item<float>();
      std::cout << "  " << GetParam() << " cuda bfloat16 " << name << ": worst |error| " << worst << "\n";
      EXPECT_LE(worst, 0.05f * golden_values.abs().max().item<float>()) << name;
    }
  }
}

TEST_P(FixtureModel, RightPaddingLeavesRealPositionsUnchanged) {
  const Transformer model = Transformer::load(dir());
  const at::Tensor padded = read_golden(golden(), "padding/tokens").to(at::kLong);
  const at::Tensor lengths = read_golden(golden(), "padding/lengths");
  const std::string hook = "blocks.1.mlp.hook_post";
  const ForwardOutput out = model.forward(padded, {hook}, Logits::all);
  const at::Tensor expected_hook = read_golden(golden(), hook);
  const at::Tensor expected_logits = read_golden(golden(), "logits");
  for (int64_t row = 0; row < 2; ++row) {
    const int64_t n = lengths[row].item<int32_t>();
    expect_close(out.hooks.at(hook)[row].narrow(0, 0, n), expected_hook[row].narrow(0, 0, n), "padded row hook");
    expect_close(out.logits[row].narrow(0, 0, n), expected_logits[row].narrow(0, 0, n), "padded row logits");
  }
}

TEST_P(FixtureModel, ForwardStoppingAtLayerZeroGivesTheSameLayerZeroHooks) {
  const Transformer full = Transformer::load(dir());
  LoadOptions options;
  options.layers = 1;
  options.unembed = false;
  const Transformer truncated = Transformer::load(dir(), options);
  EXPECT_EQ(truncated.loaded_layers(), 1);
  EXPECT_TRUE(truncated.warnings().empty());
  const at::Tensor tokens = read_golden(golden(), "tokens").to(at::kLong);
  const std::string pre = "blocks.0.mlp.hook_pre", post = "blocks.0.mlp.hook_post";
  const ForwardOutput all = full.forward(tokens, {pre, post, "blocks.1.mlp.hook_post"});
  const ForwardOutput early = truncated.forward(tokens, {pre, post});
  EXPECT_TRUE(at::equal(all.hooks.at(pre), early.hooks.at(pre)));
  EXPECT_TRUE(at::equal(all.hooks.at(post), early.hooks.at(post)));
  EXPECT_FALSE(early.logits.defined());
}

TEST_P(FixtureModel, GatherReadsOneNeuronPerSequence) {
  const Transformer model = Transformer::load(dir());
  const at::Tensor tokens = read_golden(golden(), "tokens").to(at::kLong);
  const std::string hook = "blocks.1.mlp.hook_post";
  const at::Tensor acts = model.forward(tokens, {hook}).hooks.at(hook);
  const at::Tensor neurons = at::tensor({5, 0, 255}, at::kLong);
  const at::Tensor picked = gather_neurons(acts, neurons);  // [3, 17]
  ASSERT_EQ(picked.sizes(), at::IntArrayRef({3, 17}));
  for (int64_t b = 0; b < 3; ++b)
    EXPECT_TRUE(at::equal(picked[b], acts[b].select(1, neurons[b].item<int64_t>())));
}

TEST_P(FixtureModel, ColumnsAloneMatchTheGoldensOrAreRefused) {
  const Transformer model = Transformer::load(dir());
  const at::Tensor tokens = read_golden(golden(), "tokens").to(at::kLong);
  const at::Tensor columns = at::tensor({255, 5, 17}, at::kLong);
  for (const std::string kind : {"mlp.hook_pre", "mlp.hook_post"}) {
    const std::string hook = "blocks.1." + kind;
    if (!model.computes_columns_alone(hook)) {  // SoLU: the softmax and LayerNorm need the whole row
      EXPECT_THROW(model.forward_columns(tokens, {hook}, columns), ModelError);
      continue;
    }
    const at::Tensor some = model.forward_columns(tokens, {hook}, columns).hooks.at(hook);  // [batch, seq, 3]
    ASSERT_EQ(some.size(2), 3);
    expect_close(some, read_golden(golden(), hook).index_select(2, columns), GetParam() + " " + hook + " columns");
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FixtureModel,
                         ::testing::Values("tiny-gpt2", "tiny-gpt2-prefixed", "tiny-neox", "tiny-solu-tl"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

TEST(Transformer, HalfPrecisionRunsAndStaysNearFloat32) {
  LoadOptions options;
  options.dtype = "bfloat16";
  const Transformer model = Transformer::load(kModels + "tiny-gpt2", options);
  EXPECT_EQ(model.dtype(), at::kBFloat16);
  const at::Tensor tokens = read_golden(kModels + "tiny-gpt2/golden.h5", "tokens").to(at::kLong);
  const at::Tensor post = model.forward(tokens, {"blocks.0.mlp.hook_post"}).hooks.at("blocks.0.mlp.hook_post");
  const at::Tensor golden = read_golden(kModels + "tiny-gpt2/golden.h5", "blocks.0.mlp.hook_post");
  // bfloat16 keeps 8 significant bits: within 10% of the largest activation, far from float32's 2e-4.
  const float worst = (post.to(at::kFloat) - golden).abs().max().item<float>();
  EXPECT_LT(worst, 0.1f * golden.abs().max().item<float>());
  EXPECT_GT(worst, 2e-4f);
}

}  // namespace
}  // namespace n2g
