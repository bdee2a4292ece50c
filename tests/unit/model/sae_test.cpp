// SAEs in SAELens's layout: synthetic SAEs of each architecture (standard, JumpReLU, TopK, and
// TopK as older SAELens wrote it) against an encode written here with plain loops; the latents
// asked for alone equal those columns of the whole encoding; the real SAE loads; bad
// directories are refused naming the file and key.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "n2g/errors.h"
#include "n2g/model/safetensors.h"
#include "n2g/model/sae.h"
#include "n2g/model/transformer.h"
#include "n2g/model/weights.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;
constexpr int kIn = 6, kSae = 10;

struct SyntheticSae {
  at::Tensor w_enc, b_enc, w_dec, b_dec, threshold;  // float32, seeded
  SyntheticSae() {
    at::manual_seed(7);
    w_enc = at::randn({kIn, kSae});
    b_enc = at::randn({kSae}) * 0.5;
    w_dec = at::randn({kSae, kIn});
    b_dec = at::randn({kIn}) * 0.3;
    threshold = at::rand({kSae}) * 0.8;
  }
  // Writes cfg.json (`cfg` holds its fields as JSON text) and the weights, without `drop`.
  std::string write(const std::string& name, const std::string& cfg, const std::string& drop = "") const {
    const fs::path dir = fs::temp_directory_path() / ("n2g_sae_test_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "cfg.json") << "{\"d_in\": " << kIn << ", \"d_sae\": " << kSae
                                    << ", \"hook_name\": \"blocks.0.hook_resid_pre\"" << cfg << "}";
    std::map<std::string, at::Tensor> tensors = {{"W_enc", w_enc}, {"b_enc", b_enc}, {"W_dec", w_dec}, {"b_dec", b_dec},
                                                 {"threshold", threshold}};
    tensors.erase(drop);
    write_safetensors((dir / "sae_weights.safetensors").string(), tensors);
    return dir.string();
  }
  // The encoding by plain loops in double: one position x [kIn] -> [kSae].
  std::vector<double> encode(const std::string& architecture, const float* x, bool apply_b_dec, int k = 0) const {
    std::vector<double> pre(kSae), f(kSae, 0.0);
    for (int j = 0; j < kSae; ++j) {
      double sum = b_enc[j].item<double>();
      for (int i = 0; i < kIn; ++i) sum += (x[i] - (apply_b_dec ? b_dec[i].item<double>() : 0.0)) * w_enc[i][j].item<double>();
      pre[j] = sum;
    }
    for (int j = 0; j < kSae; ++j) {
      bool on = pre[j] > 0;
      if (architecture == "jumprelu") on = on && pre[j] > threshold[j].item<double>();
      if (architecture == "topk") {
        int larger = 0;
        for (int other = 0; other < kSae; ++other) larger += pre[other] > pre[j];
        on = on && larger < k;
      }
      f[j] = on ? pre[j] : 0.0;
    }
    return f;
  }
};

void expect_encodes_like_the_loops(const Sae& sae, const SyntheticSae& weights, const std::string& architecture,
                                   bool apply_b_dec, int k = 0) {
  at::manual_seed(11);
  const at::Tensor x = at::randn({2, 3, kIn}) * 1.5;  // [batch, seq, d_in]
  const at::Tensor f = sae.encode(x);                  // [2, 3, kSae]
  ASSERT_EQ(f.sizes(), (std::vector<int64_t>{2, 3, kSae}));
  int active = 0;
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 3; ++t) {
      const at::Tensor position = x[b][t].contiguous();
      const auto expected = weights.encode(architecture, position.data_ptr<float>(), apply_b_dec, k);
      for (int j = 0; j < kSae; ++j) {
        EXPECT_NEAR(f[b][t][j].item<double>(), expected[j], 1e-4) << architecture << " position " << b << "," << t << " latent " << j;
        active += expected[j] > 0;
      }
      if (architecture == "topk") EXPECT_LE((f[b][t] > 0).sum().item<int64_t>(), k);
    }
  EXPECT_GT(active, 0) << architecture << ": no latent fired, the comparison would be empty";
  // The latents asked for alone are those columns of the whole encoding.
  const at::Tensor some = at::tensor({7, 2, 9}, at::kLong);
  EXPECT_TRUE(at::allclose(sae.encode(x, some), f.index_select(-1, some), 1e-5, 1e-6)) << architecture;
}

TEST(Sae, EachArchitectureEncodesLikePlainLoops) {
  const SyntheticSae weights;
  expect_encodes_like_the_loops(Sae::load(weights.write("standard", ", \"architecture\": \"standard\""), at::kCPU, at::kFloat),
                                weights, "standard", true);
  expect_encodes_like_the_loops(
      Sae::load(weights.write("nobdec", ", \"architecture\": \"standard\", \"apply_b_dec_to_input\": false"), at::kCPU, at::kFloat),
      weights, "standard", false);
  expect_encodes_like_the_loops(Sae::load(weights.write("jumprelu", ", \"architecture\": \"jumprelu\""), at::kCPU, at::kFloat),
                                weights, "jumprelu", true);
  expect_encodes_like_the_loops(Sae::load(weights.write("topk", ", \"architecture\": \"topk\", \"k\": 3"), at::kCPU, at::kFloat),
                                weights, "topk", true, 3);
  // Older SAELens: a "standard" SAE whose activation is topk with its k in activation_fn_kwargs.
  const Sae old = Sae::load(weights.write("oldtopk", ", \"architecture\": \"standard\", \"activation_fn_str\": \"topk\", "
                                                     "\"activation_fn_kwargs\": {\"k\": 2}"),
                            at::kCPU, at::kFloat);
  EXPECT_EQ(old.spec().architecture, "topk");
  expect_encodes_like_the_loops(old, weights, "topk", true, 2);
}

TEST(Sae, TheRealSaeLoads) {
  const std::string dir = std::string(N2G_SOURCE_DIR) + "/data/austen-gpt2-sae";
  const Sae sae = Sae::load(dir, at::kCPU, at::kFloat);
  EXPECT_EQ(sae.spec().architecture, "standard");
  EXPECT_EQ(sae.spec().d_in, 128);
  EXPECT_EQ(sae.spec().d_sae, 1024);
  EXPECT_EQ(sae.spec().hook_name, "blocks.1.hook_resid_post");
  EXPECT_EQ(sae.decoder_rows(at::tensor({517}, at::kLong), at::kDouble).sizes(), (std::vector<int64_t>{1, 128}));
}

void expect_refused(const std::string& dir, const std::string& words) {
  try {
    Sae::load(dir, at::kCPU, at::kFloat);
    FAIL() << dir << " was accepted; expected: " << words;
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
  }
}

TEST(Sae, BadDirectoriesAreRefusedNamingTheProblem) {
  const SyntheticSae w;
  expect_refused("/no/such/sae", "/no/such/sae: SAE directory does not exist");
  expect_refused(w.write("gated", ", \"architecture\": \"gated\""), "architecture 'gated' is not supported");
  expect_refused(w.write("norm", ", \"normalize_activations\": \"expected_average_only_in\""),
                 "normalize_activations 'expected_average_only_in' is not supported");
  expect_refused(w.write("scaling", ", \"finetuning_scaling_factor\": true"), "finetuning_scaling_factor is true");
  expect_refused(w.write("head", ", \"hook_head_index\": 2"), "hook_head_index is set");
  expect_refused(w.write("nok", ", \"architecture\": \"topk\""), "a topk SAE needs k");
  expect_refused(w.write("tanh", ", \"activation_fn_str\": \"tanh-relu\""), "activation_fn_str 'tanh-relu' is not supported");
  expect_refused(w.write("nowenc", "", "W_enc"), "sae_weights.safetensors: tensor 'W_enc' is missing");
  expect_refused(w.write("nothreshold", ", \"architecture\": \"jumprelu\"", "threshold"), "tensor 'threshold' is missing");
  const std::string wide = w.write("wide", "");
  std::ofstream(fs::path(wide) / "cfg.json") << "{\"d_in\": 7, \"d_sae\": 10, \"hook_name\": \"blocks.0.hook_resid_pre\"}";
  expect_refused(wide, "tensor 'W_enc' has shape [6, 10], cfg.json asks for [7, 10]");
  const std::string nohook = w.write("nohook", "");
  std::ofstream(fs::path(nohook) / "cfg.json") << "{\"d_in\": 6, \"d_sae\": 10}";
  expect_refused(nohook, "field 'hook_name' is missing");
}

}  // namespace
}  // namespace n2g

namespace n2g {
namespace {

// The real SAE on the demo model: its latents are a hook of the model, equal to encoding the hook
// the SAE reads; columns alone equal those columns; output effects are decoder rows through the
// final LayerNorm's scale to the (tied) unembedding, computed here from the checkpoint.
TEST(SaeOnAModel, LatentsAreAHookAndTheirEffectsComeFromTheDecoder) {
  const std::string root = std::string(N2G_SOURCE_DIR) + "/data/";
  Transformer model = Transformer::load(root + "austen-gpt2/model");
  const Sae sae = Sae::load(root + "austen-gpt2-sae", at::kCPU, at::kFloat);
  model.attach_sae(Sae::load(root + "austen-gpt2-sae", at::kCPU, at::kFloat));
  const std::string latents = "blocks.1.hook_resid_post.hook_sae_acts_post";
  const HookName hook = model.resolve_hook(latents);
  EXPECT_TRUE(hook.sae_latents);
  EXPECT_EQ(hook.layer, 1);
  EXPECT_EQ(model.hook_width(hook), 1024);
  EXPECT_TRUE(model.computes_columns_alone(latents));
  const at::Tensor tokens = at::tensor({50256, 464, 3139, 373, 257, 922, 13, 50256, 40, 716}, at::kLong).view({2, 5});
  const auto out = model.forward(tokens, {latents, "blocks.1.hook_resid_post"}).hooks;
  const at::Tensor all = out.at(latents);  // [2, 5, 1024]
  EXPECT_TRUE(at::allclose(all, sae.encode(out.at("blocks.1.hook_resid_post")), 1e-5, 1e-6));
  EXPECT_GT((all > 0).sum().item<int64_t>(), 10) << "the real SAE fires on real text";
  const at::Tensor some = at::tensor({517, 3, 971}, at::kLong);
  EXPECT_TRUE(at::allclose(model.forward_columns(tokens, {latents}, some).hooks.at(latents), all.index_select(2, some), 1e-5, 1e-6));

  const ModelWeights weights = load_weights(SafetensorsStore::open_directory(root + "austen-gpt2/model"), model.spec(), 0, true);
  const at::Tensor expected = at::matmul(sae.decoder_rows(some, at::kFloat) * weights.ln_f_w, weights.w_u);
  EXPECT_TRUE(at::allclose(model.latent_logit_effects(some), expected, 1e-4, 1e-5));
}

TEST(SaeOnAModel, AMismatchedOrMissingSaeIsNamed) {
  const std::string root = std::string(N2G_SOURCE_DIR) + "/data/";
  const SyntheticSae weights;
  Transformer model = Transformer::load(root + "austen-gpt2/model");
  try {
    model.attach_sae(Sae::load(weights.write("narrow", ""), at::kCPU, at::kFloat));  // d_in 6 at hook_resid_pre
    FAIL() << "an SAE with d_in 6 was attached to a model of d_model 128";
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("d_in is 6, but blocks.0.hook_resid_pre of this model is 128 wide"), std::string::npos)
        << error.what();
  }
  try {
    model.resolve_hook("blocks.1.hook_resid_post.hook_sae_acts_post");
    FAIL() << "SAE latents without an SAE were resolved";
  } catch (const ModelError& error) {
    EXPECT_NE(std::string(error.what()).find("no SAE is attached"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace n2g
