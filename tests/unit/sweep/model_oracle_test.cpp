// The model-backed oracle against the model itself: activations are the hook's column for each
// sequence's neuron, and substitutes are the model's own next-token and embedding neighbours.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "n2g/model/transformer.h"
#include "n2g/sweep/model_oracle.h"

namespace n2g {
namespace {

const std::string kModel = std::string(N2G_FIXTURES) + "/models/tiny-gpt2";

// The gelu fixture computes only the asked-for columns; SoLU's mid hook needs whole rows.
void expect_neuron_columns(const std::string& model_dir, const std::string& kind) {
  const Transformer model = Transformer::load(model_dir);
  const std::string hook = "blocks.1." + kind;
  ModelOracle oracle(model, 1, kind, 511, 64);  // small batches: several per length
  const std::vector<NeuronSequence> batch = {
      {3, {5, 6, 7}}, {200, {5, 6, 7}}, {9, {1, 2}}, {3, {8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}}};
  const auto got = oracle.activations(batch);
  ASSERT_EQ(got.size(), batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    std::vector<int64_t> input{511};
    input.insert(input.end(), batch[i].tokens.begin(), batch[i].tokens.end());
    const at::Tensor expected = model.forward(at::tensor(input).view({1, -1}), {hook}).hooks.at(hook)[0].select(1, batch[i].neuron);
    ASSERT_EQ(got[i].size(), batch[i].tokens.size());
    for (size_t j = 0; j < got[i].size(); ++j) EXPECT_NEAR(got[i][j], expected[j + 1].item<float>(), 1e-5);
  }
  // BOS included, each distinct sequence once: {5, 6, 7} is asked for twice and runs once.
  EXPECT_EQ(oracle.forward_tokens(), 4 + 3 + 17);
}

TEST(ModelOracle, ActivationsAreEachSequencesNeuronColumn) { expect_neuron_columns(kModel, "mlp.hook_post"); }

// Masked variants from a key/value prefix equal each variant run whole through the model (the
// default path), for GPT-2 (learned positions), NeoX (rotary, parallel residual), SoLU (whole
// rows) and without BOS (a variant masked at 0 has no prefix); prompts of several lengths, a
// prompt shared by two neurons, and long prompts beyond the direct-attention limit.
void expect_masked_variants_as_whole(const std::string& model_dir, const std::string& kind, int32_t bos) {
  const Transformer model = Transformer::load(model_dir);
  ModelOracle oracle(model, 1, kind, bos, 64, ModelOracle::MaskedPath::prefix);
  std::vector<int32_t> long_prompt;
  for (int32_t t = 0; t < 26; ++t) long_prompt.push_back(30 + 7 * t);
  const std::vector<NeuronSequence> prompts = {{3, {5, 6, 7}}, {200, {5, 6, 7}}, {9, {1, 2, 3, 4, 8}}, {4, long_prompt}, {7, {42}}};
  std::vector<ActivationOracle::MaskedVariant> variants;
  for (size_t p = 0; p < prompts.size(); ++p)
    for (int32_t k = 0; k < static_cast<int32_t>(prompts[p].tokens.size()); k += p == 3 ? 5 : 1) variants.push_back({p, k});
  variants.push_back({2, 3});  // asked twice
  const auto got = oracle.masked_activations(prompts, 500, variants);
  const int64_t prefixed_tokens = oracle.forward_tokens();
  ModelOracle whole(model, 1, kind, bos, 64, ModelOracle::MaskedPath::whole);
  const auto expected = whole.masked_activations(prompts, 500, variants);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t v = 0; v < got.size(); ++v) {
    ASSERT_EQ(got[v].size(), expected[v].size()) << "variant " << v;
    for (size_t j = 0; j < got[v].size(); ++j) EXPECT_NEAR(got[v][j], expected[v][j], 2e-5) << "variant " << v << " position " << j;
  }
  // Fewer tokens: each prompt once, each variant from its mask on.
  EXPECT_LT(prefixed_tokens, whole.forward_tokens());
  // By the model: narrow models (d_model 64) run their variants whole.
  ModelOracle by_width(model, 1, kind, bos, 64);
  by_width.masked_activations(prompts, 500, variants);
  EXPECT_EQ(by_width.forward_tokens(), whole.forward_tokens());
}

TEST(ModelOracle, MaskedVariantsFromAPrefixEqualWholeRuns) {
  expect_masked_variants_as_whole(kModel, "mlp.hook_post", 511);
  expect_masked_variants_as_whole(kModel, "mlp.hook_post", -1);
  expect_masked_variants_as_whole(std::string(N2G_FIXTURES) + "/models/tiny-neox", "mlp.hook_post", 0);
  expect_masked_variants_as_whole(std::string(N2G_FIXTURES) + "/models/tiny-solu-tl", "mlp.hook_mid", 0);
}

TEST(ModelOracle, ActivationsOfSoluModelsReadWholeRows) {
  expect_neuron_columns(std::string(N2G_FIXTURES) + "/models/tiny-solu-tl", "mlp.hook_mid");
}

TEST(ModelOracle, LmSubstitutesAreTheMostLikelyNextTokens) {
  const Transformer model = Transformer::load(kModel);
  ModelOracle oracle(model, 1, "mlp.hook_post", 511, 1024);
  const auto got = oracle.substitutes({{{5, 6}, 7}, {{}, 5}}, AugmentMethod::lm, 4, 0.0);
  ASSERT_EQ(got.size(), 2u);
  const at::Tensor logits = model.forward(at::tensor(std::vector<int64_t>{511, 5, 6}).view({1, -1}), {}, Logits::all).logits[0][2];
  const at::Tensor top = std::get<1>(logits.topk(4));
  for (int k = 0; k < 4; ++k) EXPECT_EQ(got[0][k], top[k].item<int64_t>());
  EXPECT_EQ(got[1].size(), 4u);  // an empty prefix predicts from BOS alone
  EXPECT_TRUE(oracle.substitutes({{{5, 6}, 7}}, AugmentMethod::lm, 4, 0.99)[0].empty());  // nothing that likely
}

TEST(ModelOracle, EmbeddingSubstitutesAreCosineNeighbours) {
  const Transformer model = Transformer::load(kModel);
  ModelOracle oracle(model, 0, "mlp.hook_post", 511, 1024);
  const auto got = oracle.substitutes({{{}, 42}}, AugmentMethod::embedding, 3, 0.0);
  const at::Tensor e = model.embedding();
  const at::Tensor similarity = at::cosine_similarity(e, e[42].unsqueeze(0), 1);
  similarity[42] = -2;
  const at::Tensor top = std::get<1>(similarity.topk(3));
  ASSERT_EQ(got[0].size(), 3u);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(got[0][k], top[k].item<int64_t>());
}

}  // namespace
}  // namespace n2g
