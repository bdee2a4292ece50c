#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include <functional>

#include <filesystem>
#include <fstream>

#include "n2g/errors.h"
#include "n2g/sweep/config.h"

namespace n2g {
namespace {

const std::string kMinimal =
    "model:\n"
    "  path: models/gpt2\n"
    "dataset:\n"
    "  path: data/corpus.h5\n"
    "run:\n"
    "  output: atlas.h5\n";

// The message of the ConfigError that parsing `text` throws.
std::string error_of(const std::string& text) {
  try {
    parse_sweep_config(text, "sweep.yaml");
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a ConfigError for:\n" << text;
  return "";
}

TEST(Config, MinimalFileGetsEveryDefault) {
  const SweepConfig c = parse_sweep_config(kMinimal, "sweep.yaml");
  EXPECT_EQ(c.model.path, "models/gpt2");
  EXPECT_EQ(c.model.hook, "mlp.hook_post");
  EXPECT_EQ(c.model.dtype, "auto");  // bfloat16 on CUDA devices, float32 on CPUs
  EXPECT_EQ(c.model.device, "auto");
  EXPECT_TRUE(c.model.prepend_bos);
  EXPECT_EQ(c.dataset.max_windows, 0);
  EXPECT_FALSE(c.neurons.layers.has_value());
  EXPECT_FALSE(c.neurons.indices.has_value());
  EXPECT_EQ(c.scan.top_k, 20);
  EXPECT_EQ(c.scan.batch_windows, 32);
  EXPECT_EQ(c.fit.train_fraction, 0.5);
  EXPECT_EQ(c.fit.seed, 0u);
  EXPECT_EQ(c.fit.prune.min_ratio, 0.5);
  EXPECT_EQ(c.fit.prune.max_context, 30);
  EXPECT_EQ(c.fit.prune.step, 1);
  EXPECT_EQ(c.fit.prune.post_context, 5);
  EXPECT_EQ(c.fit.prune.pivot_threshold, 1.0);
  EXPECT_FALSE(c.fit.mask_token.has_value());
  EXPECT_EQ(c.fit.augment.method, AugmentMethod::lm);
  EXPECT_EQ(c.fit.augment.max_substitutes, 5);
  EXPECT_EQ(c.fit.augment.important_threshold, 0.8);
  EXPECT_EQ(c.fit.augment.min_ratio, 0.5);
  EXPECT_EQ(c.fit.augment.min_prob, 1e-5);
  EXPECT_EQ(c.fit.graph.activation_threshold, 0.5);
  EXPECT_EQ(c.fit.graph.importance_threshold, 0.75);
  EXPECT_EQ(c.eval.fire_threshold, 0.5);
  EXPECT_EQ(c.eval.max_tokens, 256);
  EXPECT_TRUE(c.eval.baselines);
  EXPECT_EQ(c.run.output, "atlas.h5");
  EXPECT_EQ(c.checkpoint_dir(), "atlas.h5.ckpt");
  EXPECT_EQ(c.run.neurons_per_wave, 256);
  EXPECT_EQ(c.run.batch_tokens, 16384);
  EXPECT_EQ(c.run.threads, 0);
  EXPECT_TRUE(c.run.progress);
  EXPECT_EQ(c.run.reproducible, "fast");
}

TEST(Config, ReproducibleModeIsReadAndDecidesResults) {
  const SweepConfig exact = parse_sweep_config(
      "model: {path: m}\ndataset: {path: d}\nrun: {output: o, reproducible: exact}\n", "sweep.yaml");
  EXPECT_EQ(exact.run.reproducible, "exact");
  // The resolved YAML (stored in the atlas, compared on resume) carries the mode.
  EXPECT_NE(exact.resolved_yaml().find("reproducible: exact"), std::string::npos);
}

TEST(Config, ReadsEveryKindOfValue) {
  const SweepConfig c = parse_sweep_config(
      kMinimal +
          "neurons:\n  layers: [3, 0, 3]\n  indices: \"10-12\"\n"
          "fit:\n  seed: 7\n  prune: {step: 5, min_ratio: 0.25}\n  saliency: {mask_token: 50256}\n"
          "  augment: {method: embedding}\n"
          "eval: {fire_threshold: 0.3, baselines: false}\n",
      "sweep.yaml");
  EXPECT_EQ(*c.neurons.layers, (std::vector<int32_t>{0, 3}));
  EXPECT_EQ(*c.neurons.indices, (std::vector<int32_t>{10, 11, 12}));
  EXPECT_EQ(c.fit.seed, 7u);
  EXPECT_EQ(c.fit.prune.step, 5);
  EXPECT_EQ(c.fit.prune.min_ratio, 0.25);
  EXPECT_EQ(*c.fit.mask_token, 50256);
  EXPECT_EQ(c.fit.augment.method, AugmentMethod::embedding);
  EXPECT_EQ(c.eval.fire_threshold, 0.3);
  EXPECT_FALSE(c.eval.baselines);
}

TEST(Config, ResolvedYamlReadsBackToTheSameConfig) {
  const SweepConfig c = parse_sweep_config(kMinimal + "neurons: {layers: \"1-2\"}\nfit: {prune: {step: 5}}\n", "a.yaml");
  const SweepConfig again = parse_sweep_config(c.resolved_yaml(), "resolved");
  EXPECT_EQ(again.resolved_yaml(), c.resolved_yaml());
  EXPECT_EQ(*again.neurons.layers, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(again.fit.prune.step, 5);
  EXPECT_EQ(again.checkpoint_dir(), "atlas.h5.ckpt");
}

struct BadCase {
  std::string yaml;
  std::vector<std::string> expected;  // fragments the message must contain
};

TEST(Config, BadInputNamesFileKeyLineAndExpectation) {
  const std::vector<BadCase> cases = {
      {kMinimal + "scan:\n  top_k: 0\n", {"sweep.yaml:8:", "scan.top_k", ">= 1", "got 0"}},
      {kMinimal + "fit:\n  train_fraction: 1.5\n", {"sweep.yaml:8:", "fit.train_fraction", "in (0, 1)", "1.5"}},
      {kMinimal + "eval:\n  fire_threshold: -1\n", {"sweep.yaml:8:", "eval.fire_threshold", "> 0", "-1"}},
      {kMinimal + "neurons:\n  layers: \"5-2\"\n", {"sweep.yaml:8:", "neurons.layers", "a <= b", "5-2"}},
      {kMinimal + "neurons:\n  indices: [1, x]\n", {"neurons.indices", "'x'"}},
      {kMinimal + "neurons:\n  indices: \"4294967299\"\n",
       {"sweep.yaml:8:", "neurons.indices", "4294967299 is larger than any model's layer count or width"}},
      {kMinimal + "neurons:\n  indices: \"0-4000000000\"\n", {"neurons.indices", "4000000000 is larger", "'0-4000000000'"}},
      {kMinimal + "scan:\n  topk: 3\n", {"sweep.yaml:8:", "scan.topk", "unknown key", "top_k"}},
      {kMinimal + "extra: 1\n", {"sweep.yaml:7:", "extra", "unknown key"}},
      {kMinimal + "fit:\n  prune: {stepp: 2}\n", {"fit.prune.stepp", "unknown key"}},
      {kMinimal + "scan:\n  batch_windows: many\n", {"scan.batch_windows", "an integer", "'many'"}},
      {kMinimal + "fit:\n  prune:\n    max_context: 2.5\n", {"sweep.yaml:9:", "fit.prune.max_context", "an integer"}},
      {kMinimal + "model2: {}\n", {"model2", "unknown key"}},
      {"dataset:\n  path: d.h5\nrun:\n  output: a.h5\n", {"sweep.yaml", "model.path", "missing required key"}},
      {"model:\n  path: m\nrun:\n  output: a.h5\n", {"dataset.path", "missing required key"}},
      {"model:\n  path: m\ndataset:\n  path: d\nrun:\n  threads: 2\n", {"sweep.yaml:6:", "run.output", "missing"}},
      {kMinimal + "model:\n  dtype: float64\n", {"sweep.yaml:7:", "model", "appears twice"}},
      {"model:\n  path: m\n  dtype: float64\ndataset: {path: d}\nrun: {output: o}\n",
       {"sweep.yaml:3:", "model.dtype", "auto | float32 | bfloat16 | float16", "float64"}},
      {"model:\n  path: m\n  device: tpu\ndataset: {path: d}\nrun: {output: o}\n", {"model.device", "tpu"}},
      {"model: {path: m}\ndataset: {path: d}\nrun: {output: o, reproducible: always}\n",
       {"sweep.yaml:3:", "run.reproducible", "fast | exact", "always"}},
      {"model: {path: m, dtype: bfloat16}\ndataset: {path: d}\nrun: {output: o, reproducible: exact}\n",
       {"sweep.yaml:3:", "run.reproducible", "exact needs model.dtype float32 or auto", "bfloat16"}},
      {"model:\n  path: m\n  hook: mlp.hook_out\ndataset: {path: d}\nrun: {output: o}\n", {"model.hook", "mlp.hook_out"}},
      {"model: {path: m}\ndataset: {path: d}\nneurons: {sae: s, layers: [1]}\nrun: {output: o}\n",
       {"sweep.yaml:3:", "neurons.layers", "not used with neurons.sae", "hook_name"}},
      {"model: {path: m, hook: mlp.hook_pre}\ndataset: {path: d}\nneurons: {sae: s}\nrun: {output: o}\n",
       {"sweep.yaml:1:", "model.hook", "not used with neurons.sae", "the SAE's cfg.json names the hook"}},
      {"model:\n  path: m\n  prepend_bos: maybe\ndataset: {path: d}\nrun: {output: o}\n",
       {"model.prepend_bos", "true or false", "maybe"}},
      {"model: [1, 2]\ndataset: {path: d}\nrun: {output: o}\n", {"sweep.yaml:1:", "model", "mapping"}},
      {kMinimal + "fit:\n  augment: {method: bert}\n", {"fit.augment.method", "lm | embedding | none", "bert"}},
      {kMinimal + "fit:\n  saliency: {mask_token: -3}\n", {"fit.saliency.mask_token", "auto or a token id"}},
      {kMinimal + "fit:\n  prune: {min_ratio: 0}\n", {"fit.prune.min_ratio", "in (0, 1]"}},
      {"model: {path: m}\ndataset: {path: d}\nrun: {output: o, neurons_per_wave: 0}\n",
       {"sweep.yaml:3:", "run.neurons_per_wave", ">= 1"}},
      {"model: {path: m\n", {"sweep.yaml:", "not valid YAML"}},
      {"model:\n\tpath: m\ndataset: {path: d}\nrun: {output: o}\n", {"sweep.yaml:2:", "indented with a tab", "spaces only"}},
      {"- just\n- a list\n", {"sweep.yaml", "expected a mapping"}},
  };
  for (const auto& c : cases) {
    const std::string message = error_of(c.yaml);
    for (const auto& fragment : c.expected)
      EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message << "\nmissing: " << fragment;
  }
}

TEST(Config, LoadsAFileAndNamesAMissingOne) {
  const std::string path = ::testing::TempDir() + "/n2g_config_test.yaml";
  std::ofstream(path) << kMinimal;
  EXPECT_EQ(load_sweep_config(path).file, path);
  try {
    load_sweep_config(path + ".absent");
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find(".absent: cannot open"), std::string::npos);
  }
}

}  // namespace
}  // namespace n2g

namespace n2g {
namespace {

// Every config shipped in configs/ is valid as written.
TEST(Config, ShippedConfigsAreValid) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(N2G_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_sweep_config(entry.path().string())) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 4);
  const SweepConfig solu = load_sweep_config(std::string(N2G_SOURCE_DIR) + "/configs/solu-6l-pile.yaml");
  EXPECT_EQ(solu.model.hook, "mlp.hook_mid");
}

// The README says configs/gpt2-small.yaml lists every key: each key of the resolved config is in it.
TEST(Config, Gpt2SmallListsEveryKey) {
  const std::string path = std::string(N2G_SOURCE_DIR) + "/configs/gpt2-small.yaml";
  const YAML::Node written = YAML::LoadFile(path);
  const YAML::Node resolved = YAML::Load(load_sweep_config(path).resolved_yaml());
  int keys = 0;
  std::function<void(const YAML::Node&, const YAML::Node&, const std::string&)> walk =
      [&](const YAML::Node& all, const YAML::Node& file, const std::string& where) {
        for (const auto& entry : all) {
          const std::string key = entry.first.as<std::string>();
          EXPECT_TRUE(file.IsMap() && file[key].IsDefined()) << where + key << " is not in " << path;
          if (entry.second.IsMap() && file.IsMap() && file[key].IsDefined()) walk(entry.second, file[key], where + key + ".");
          else ++keys;
        }
      };
  walk(resolved, written, "");
  EXPECT_GT(keys, 40);
}

}  // namespace
}  // namespace n2g
