// Bad model directories and checkpoints: each error names the file, tensor or hook at fault.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "n2g/errors.h"
#include "n2g/model/safetensors.h"
#include "n2g/model/transformer.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;
const fs::path kTinyGpt2 = fs::path(N2G_FIXTURES) / "models" / "tiny-gpt2";

std::map<std::string, at::Tensor> fixture_tensors() {
  const auto store = SafetensorsStore::open_file((kTinyGpt2 / "model.safetensors").string());
  std::map<std::string, at::Tensor> out;
  for (const auto& entry : store.tensors()) out[entry.first] = store.read(entry.first);
  return out;
}

// A fresh model directory with tiny-gpt2's config and the given tensors.
fs::path model_dir(const std::string& name, const std::map<std::string, at::Tensor>& tensors,
                   const std::string& config_edit = "") {
  const fs::path dir = fs::path(::testing::TempDir()) / ("n2g_model_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ifstream in(kTinyGpt2 / "config.json");
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!config_edit.empty()) config.replace(config.find("\"gpt2\""), 6, config_edit);
  std::ofstream(dir / "config.json") << config;
  if (!tensors.empty()) write_safetensors((dir / "model.safetensors").string(), tensors);
  return dir;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ModelError& error) {
    return error.what();
  }
  return "no error";
}

#define EXPECT_MESSAGE(action, fragment)                                              \
  do {                                                                                \
    const std::string message = error_of([&] { action; });                            \
    EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message;   \
  } while (0)

TEST(ModelErrors, MissingDirectoryOrConfig) {
  EXPECT_MESSAGE(Transformer::load("/no/such/model"), "/no/such/model: model directory does not exist");
  const fs::path empty = fs::path(::testing::TempDir()) / "n2g_model_empty";
  fs::create_directories(empty);
  EXPECT_MESSAGE(Transformer::load(empty.string()), "config.json: missing");
}

TEST(ModelErrors, UnknownModelTypeAndMissingCheckpoint) {
  EXPECT_MESSAGE(Transformer::load(model_dir("llama", fixture_tensors(), "\"llama\"").string()),
                 "unknown model_type 'llama'");
  EXPECT_MESSAGE(Transformer::load(model_dir("nockpt", {}).string()), "no model.safetensors");
}

TEST(ModelErrors, UnsupportedActivationIsRejected) {
  const fs::path dir = model_dir("silu", fixture_tensors());
  std::ifstream in(dir / "config.json");
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  config.replace(config.find("\"gelu_new\""), 10, "\"silu\"");
  std::ofstream(dir / "config.json") << config;
  EXPECT_MESSAGE(Transformer::load(dir.string()), "activation 'silu' is not supported (gelu_new, gelu, relu, solu_ln)");
}

TEST(ModelErrors, MissingTensorNamesItAndTheArchitecture) {
  auto tensors = fixture_tensors();
  tensors.erase("h.1.mlp.c_fc.weight");
  const auto dir = model_dir("missing", tensors).string();
  EXPECT_MESSAGE(Transformer::load(dir), "tensor 'h.1.mlp.c_fc.weight' is missing from the checkpoint (the gpt2 architecture expects it)");
  LoadOptions first_layer;
  first_layer.layers = 1;
  first_layer.unembed = false;
  EXPECT_EQ(Transformer::load(dir, first_layer).loaded_layers(), 1);  // layer 1 is not needed
}

TEST(ModelErrors, WrongShapeSaysExpectedAndFound) {
  auto tensors = fixture_tensors();
  tensors["h.0.mlp.c_fc.bias"] = at::zeros({255});
  EXPECT_MESSAGE(Transformer::load(model_dir("shape", tensors).string()),
                 "tensor 'h.0.mlp.c_fc.bias' has shape [255], expected [256]");
}

TEST(ModelErrors, UnreadableDtype) {
  auto tensors = fixture_tensors();
  tensors["wte.weight"] = tensors["wte.weight"].to(at::kLong);
  EXPECT_MESSAGE(Transformer::load(model_dir("dtype", tensors).string()), "tensor 'wte.weight' has dtype I64; n2g reads F32, F16 and BF16");
}

TEST(ModelErrors, TruncatedAndCorruptFiles) {
  const fs::path dir = model_dir("corrupt", fixture_tensors());
  const fs::path file = dir / "model.safetensors";
  const auto bytes = fs::file_size(file);
  fs::resize_file(file, bytes - 1000);
  EXPECT_MESSAGE(Transformer::load(dir.string()), "beyond the data buffer");
  fs::resize_file(file, 100);
  EXPECT_MESSAGE(Transformer::load(dir.string()), "corrupt safetensors header: it claims");
  fs::resize_file(file, 5);
  EXPECT_MESSAGE(Transformer::load(dir.string()), "truncated safetensors file (5 bytes");
  {
    std::ofstream out(file, std::ios::binary);
    const char header[] = {8, 0, 0, 0, 0, 0, 0, 0, '{', '"', 'a', '"', ':', '[', '1', ' '};
    out.write(header, sizeof(header));
  }
  EXPECT_MESSAGE(Transformer::load(dir.string()), "corrupt safetensors header (not valid JSON");
  {
    const std::string json = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})";
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    const uint64_t length = json.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
    out << json << std::string(12, '\0');
  }
  EXPECT_MESSAGE(SafetensorsStore::open_file(file.string()), "tensors 'a' and 'b' have overlapping data offsets");
}

TEST(ModelErrors, HooksAndLayersThatDoNotExist) {
  LoadOptions options;
  options.layers = 1;
  const Transformer model = Transformer::load(kTinyGpt2.string(), options);
  EXPECT_MESSAGE(model.resolve_hook("blocks.0.mlp.hook_mid"), "does not exist for this gpt2 model (gelu_new MLP)");
  EXPECT_MESSAGE(model.resolve_hook("blocks.7.mlp.hook_post"), "layer 7 does not exist (the model has 2 layers)");
  EXPECT_MESSAGE(model.resolve_hook("blocks.1.mlp.hook_post"), "layer 1 was not loaded");
  EXPECT_MESSAGE(model.resolve_hook("mlp.hook_post"), "is not of the form blocks.{layer}.{mlp.hook_pre, mlp.hook_post, hook_resid_pre, hook_attn_out, hook_resid_mid, hook_mlp_out, hook_resid_post}");
  EXPECT_EQ(model.resolve_hook("blocks.0.mlp.hook_pre").layer, 0);
  const at::Tensor tokens = at::zeros({1, 65}, at::kLong);
  EXPECT_MESSAGE(model.forward(tokens, {"blocks.0.mlp.hook_post"}), "65 tokens is longer than the model's context (64)");
  EXPECT_MESSAGE(model.forward(at::zeros({1, 3}, at::kLong), {}, Logits::all), "logits need every layer");
  EXPECT_MESSAGE(Transformer::load(kTinyGpt2.string(), LoadOptions{3}), "cannot load 3 layers: the model has 2");
  LoadOptions device;
  device.device = "tpu";
  EXPECT_MESSAGE(Transformer::load(kTinyGpt2.string(), device), "unknown device 'tpu'");
}

TEST(ModelLoading, KnownBuffersAreIgnoredAndUnknownTensorsWarned) {
  auto tensors = fixture_tensors();
  tensors["h.0.attn.bias"] = at::ones({1, 1, 64, 64});
  tensors["h.1.attn.masked_bias"] = at::ones({1});
  tensors["adapter.weight"] = at::ones({2});
  const Transformer model = Transformer::load(model_dir("extra", tensors).string());
  ASSERT_EQ(model.warnings().size(), 1u);
  EXPECT_NE(model.warnings()[0].find("'adapter.weight'"), std::string::npos);
}

TEST(ModelLoading, ShardedBf16CheckpointLoadsAndConverts) {
  const auto tensors = fixture_tensors();
  const fs::path dir = model_dir("sharded", {});
  std::map<std::string, at::Tensor> first, second;
  std::string weight_map;
  for (const auto& [name, tensor] : tensors) {
    const bool in_first = name.rfind("h.1.", 0) != 0;
    (in_first ? first : second)[name] = tensor.to(at::kBFloat16);
    weight_map += std::string(weight_map.empty() ? "" : ",") + "\"" + name + "\": \"model-0000" +
                  (in_first ? "1" : "2") + "-of-00002.safetensors\"";
  }
  write_safetensors((dir / "model-00001-of-00002.safetensors").string(), first);
  write_safetensors((dir / "model-00002-of-00002.safetensors").string(), second);
  std::ofstream(dir / "model.safetensors.index.json") << "{\"metadata\": {}, \"weight_map\": {" << weight_map << "}}";
  const Transformer model = Transformer::load(dir.string());
  EXPECT_EQ(model.loaded_layers(), 2);
  EXPECT_TRUE(at::equal(model.embedding(), tensors.at("wte.weight").to(at::kBFloat16).to(at::kFloat)));
  fs::remove(dir / "model-00002-of-00002.safetensors");
  EXPECT_MESSAGE(Transformer::load(dir.string()), "lists shard 'model-00002-of-00002.safetensors', which is missing");
}

}  // namespace
}  // namespace n2g

namespace n2g {
namespace {

// TransformerLens LNPre (LayerNorm without weights) equals LN with unit weights and zero biases.
TEST(ModelLoading, TransformerLensLnPreMatchesLnWithIdentityAffine) {
  const fs::path solu = fs::path(N2G_FIXTURES) / "models" / "tiny-solu-tl";
  const auto store = SafetensorsStore::open_file((solu / "model.safetensors").string());
  std::map<std::string, at::Tensor> identity, pre;
  for (const auto& entry : store.tensors()) {
    const std::string& name = entry.first;
    const bool residual_ln = name.find(".ln1.") != std::string::npos || name.find(".ln2.") != std::string::npos ||
                             name.rfind("ln_final.", 0) == 0;
    at::Tensor t = store.read(name);
    if (residual_ln) t = name.back() == 'w' ? at::ones_like(t) : at::zeros_like(t);
    else pre[name] = t;
    identity[name] = t;
  }
  std::ifstream in(solu / "config.json");
  std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto make = [&](const std::string& name, const std::map<std::string, at::Tensor>& tensors, const std::string& cfg) {
    const fs::path dir = fs::path(::testing::TempDir()) / name;
    fs::create_directories(dir);
    std::ofstream(dir / "config.json") << cfg;
    write_safetensors((dir / "model.safetensors").string(), tensors);
    return Transformer::load(dir.string());
  };
  std::string pre_config = config;
  pre_config.replace(pre_config.find("\"LN\""), 4, "\"LNPre\"");
  const Transformer a = make("n2g_tl_ln", identity, config);
  const Transformer b = make("n2g_tl_lnpre", pre, pre_config);
  EXPECT_TRUE(b.warnings().empty());
  const at::Tensor tokens = at::randint(512, {2, 9}, at::kLong);
  const auto x = a.forward(tokens, {"blocks.1.mlp.hook_post"}, Logits::all);
  const auto y = b.forward(tokens, {"blocks.1.mlp.hook_post"}, Logits::all);
  EXPECT_TRUE(at::allclose(x.hooks.at("blocks.1.mlp.hook_post"), y.hooks.at("blocks.1.mlp.hook_post")));
  EXPECT_TRUE(at::allclose(x.logits, y.logits));
}

}  // namespace
}  // namespace n2g
