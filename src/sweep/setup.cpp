#include "n2g/sweep/setup.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "n2g/errors.h"
#include "n2g/io/staged.h"
#include "n2g/model/sae.h"
#include "n2g/model/transformer.h"
#include "n2g/tokenizer/tokenizer.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;

bool has_tokenizer(const std::string& dir) {
  return fs::exists(fs::path(dir) / "tokenizer.json") ||
         (fs::exists(fs::path(dir) / "vocab.json") && fs::exists(fs::path(dir) / "merges.txt"));
}

void check_writable(const std::string& output, bool directory_may_be_missing) {
  if (fs::is_directory(output))
    throw ConfigError("run.output: " + output + " is a directory; name the atlas file (e.g. " +
                      (fs::path(output) / "atlas.h5").string() + ")");
  const fs::path parent = fs::absolute(output).parent_path();
  if (!fs::exists(parent) && directory_may_be_missing) return;
  if (!fs::is_directory(parent)) throw ConfigError("run.output: directory " + parent.string() + " does not exist");
  const fs::path probe = parent / (".n2g_write_test_" + std::to_string(::getpid()));
  std::ofstream(probe.string()) << "";
  if (!fs::exists(probe)) throw ConfigError("run.output: directory " + parent.string() + " is not writable");
  fs::remove(probe);
}

// The run's outputs (the atlas, its temporary and lock, the checkpoint directory) must not be any
// of its inputs or each other: refused before any work, so nothing the user has is overwritten.
void check_paths_apart(const SweepConfig& config) {
  const std::string& output = config.run.output;
  std::vector<std::pair<std::string, std::string>> inputs = {{"dataset.path", config.dataset.path}, {"the config", config.file}};
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(config.model.path, error))
    inputs.emplace_back("a file of model.path", entry.path().string());
  if (!config.neurons.sae.empty())
    for (const auto& entry : fs::directory_iterator(config.neurons.sae, error))
      inputs.emplace_back("a file of neurons.sae", entry.path().string());
  for (const auto& written : {output, output + ".tmp", output + ".lock"})
    for (const auto& [what, input] : inputs)
      if (same_path(written, input))
        throw ConfigError("run.output: " + output + (written == output ? "" : " (its " + written.substr(output.size()) + " file)") +
                          " is " + what + " (" + input + "): n2g would overwrite it; choose another run.output");
  const std::string dir = config.checkpoint_dir();
  const fs::path checkpoints = fs::absolute(dir).lexically_normal();
  const std::string key = config.run.checkpoint_dir.empty() ? "run.output" : "run.checkpoint_dir";
  for (const auto& written : {output, output + ".tmp", output + ".lock"}) {
    const fs::path file = fs::absolute(written).lexically_normal();
    const auto [end, _] = std::mismatch(file.begin(), file.end(), checkpoints.begin(), checkpoints.end());
    if (same_path(dir, written) || end == file.end())
      throw ConfigError(key + ": the checkpoint directory " + dir + " is, or lies inside, " + written +
                        ", which the sweep writes; choose another run.checkpoint_dir");
  }
  for (const auto& [what, input] : inputs)
    if (same_path(dir, input))
      throw ConfigError(key + ": the checkpoint directory " + dir + " is " + what + " (" + input + "); choose another run.checkpoint_dir");
}

struct SweptUnits {
  std::string hook_kind;
  SweptNeurons neurons;
  std::optional<Sae> sae;
};

// The hook a sweep reads and the units it covers: MLP neurons at model.hook, or the latents of
// the SAE in neurons.sae, whose hook must exist in this model and be d_in wide.
SweptUnits swept_units(const SweepConfig& config, const TransformerSpec& spec) {
  if (config.neurons.sae.empty()) {
    const auto hooks = spec.mlp_hooks();
    if (std::find(hooks.begin(), hooks.end(), config.model.hook) == hooks.end()) {
      std::string list;
      for (const auto& h : hooks) list += (list.empty() ? "" : ", ") + h;
      throw ConfigError(config.file + ": model.hook: '" + config.model.hook + "' does not exist for this " + spec.architecture +
                        " model (" + spec.act_fn + " MLP); its neuron hooks are " + list);
    }
    return {config.model.hook, SweptNeurons(config.neurons, spec.n_layers, spec.d_mlp, config.file), std::nullopt};
  }
  const auto refuse = [&](const std::string& why) { return ConfigError(config.file + ": neurons.sae: " + why); };
  std::optional<Sae> loaded;
  HookName hook;
  try {
    loaded.emplace(Sae::load(config.neurons.sae, at::kCPU, at::kFloat));  // every tensor read and checked
    hook = resolve_hook_name(spec, loaded->spec().hook_name);
  } catch (const ModelError& error) {
    throw refuse(error.what());
  }
  const SaeSpec& sae = loaded->spec();
  const int width = hook.neurons() ? spec.d_mlp : spec.d_model;
  if (sae.d_in != width)
    throw refuse(config.neurons.sae + "/cfg.json: d_in is " + std::to_string(sae.d_in) + ", but " + sae.hook_name + " of " +
                 config.model.path + " is " + std::to_string(width) + " wide");
  NeuronSelection selection = config.neurons;
  selection.layers = std::vector<int32_t>{hook.layer};
  return {hook.kind + kSaeLatents, SweptNeurons(selection, spec.n_layers, sae.d_sae, config.file), std::move(loaded)};
}

}  // namespace

int32_t choose_bos(const TransformerSpec& spec, const TokenDataset& dataset, std::optional<int32_t> end_of_text, bool prepend) {
  if (!prepend) return -1;
  if (spec.bos_token_id) return *spec.bos_token_id;
  if (dataset.bos_token_id() >= 0) return dataset.bos_token_id();
  if (end_of_text) return *end_of_text;
  throw ConfigError("model.prepend_bos is true but neither the model nor the dataset names a BOS token");
}

SweepSetup prepare_sweep(const SweepConfig& config, bool output_directory_may_be_missing) {
  TransformerSpec spec = read_spec(config.model.path);
  SweptUnits units = swept_units(config, spec);

  std::optional<TokenDataset> dataset;
  try {
    dataset.emplace(config.dataset.path);
  } catch (const FormatError& error) {
    throw FormatError(std::string("dataset.path: ") + error.what());
  }
  if (dataset->vocab_size() > spec.d_vocab)
    throw ConfigError(config.dataset.path + " has vocab_size " + std::to_string(dataset->vocab_size()) +
                      " but the model's vocabulary has " + std::to_string(spec.d_vocab) +
                      " tokens: the dataset was made with another tokenizer");
  std::optional<Tokenizer> tokenizer;
  if (has_tokenizer(config.model.path)) tokenizer = Tokenizer::from_directory(config.model.path);

  SweepSetup setup{spec, units.hook_kind, std::move(*dataset), units.neurons};
  setup.sae = std::move(units.sae);
  setup.n_windows = config.dataset.max_windows > 0 ? std::min(config.dataset.max_windows, setup.dataset.n_windows())
                                                   : setup.dataset.n_windows();
  if (setup.n_windows == 0) throw ConfigError(config.dataset.path + ": the dataset holds no windows");

  const std::optional<int32_t> eot = tokenizer && tokenizer->end_of_text() ? tokenizer->end_of_text() : spec.eos_token_id;
  setup.bos = choose_bos(spec, setup.dataset, eot, config.model.prepend_bos);
  const int64_t context = setup.dataset.window_len() + (setup.bos >= 0 ? 1 : 0);
  if (spec.architecture != "gpt_neox" && context > spec.n_ctx)
    throw ConfigError(config.dataset.path + ": windows of " + std::to_string(setup.dataset.window_len()) +
                      " tokens (plus BOS) exceed the model's context of " + std::to_string(spec.n_ctx));
  for (const auto& id : {std::optional<int32_t>(setup.bos >= 0 ? std::optional<int32_t>(setup.bos) : std::nullopt), eot,
                         tokenizer ? tokenizer->pad() : std::nullopt})
    if (id && std::find(setup.special.begin(), setup.special.end(), *id) == setup.special.end()) setup.special.push_back(*id);
  if (config.fit.mask_token) setup.mask = *config.fit.mask_token;
  else if (tokenizer && tokenizer->pad()) setup.mask = *tokenizer->pad();
  else if (eot) setup.mask = *eot;
  else if (setup.bos >= 0) setup.mask = setup.bos;
  else throw ConfigError(config.file + ": fit.saliency.mask_token is auto but the model has no pad or end-of-text token; set it");
  if (setup.mask >= spec.d_vocab) throw ConfigError(config.file + ": fit.saliency.mask_token " + std::to_string(setup.mask) + " is outside the vocabulary");

  // The tokenizer's display strings where the model has one (byte fragments stay distinct there;
  // datasets from older tools hold U+FFFD for each), else the dataset's.
  setup.vocab = tokenizer && tokenizer->vocab_size() >= setup.dataset.vocab_size() ? tokenizer->display_all() : setup.dataset.vocab();
  if (setup.vocab.empty() && tokenizer) setup.vocab = tokenizer->display_all();
  for (int64_t id = static_cast<int64_t>(setup.vocab.size()); id < setup.dataset.vocab_size(); ++id)
    setup.vocab.push_back("#" + std::to_string(id));
  check_writable(config.run.output, output_directory_may_be_missing);
  check_paths_apart(config);
  return setup;
}

}  // namespace n2g
