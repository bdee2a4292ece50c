#include "n2g/model/spec.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "n2g/errors.h"
#include "config_reader.h"

namespace n2g {
namespace {

std::string activation(const ConfigReader& c, const std::string& name) {
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast") return "gelu_new";
  if (name == "gelu" || name == "relu" || name == "solu_ln") return name;
  throw ModelError(c.path() + ": activation '" + name + "' is not supported (gelu_new, gelu, relu, solu_ln)");
}

void read_gpt2(const ConfigReader& c, TransformerSpec& s) {
  s.n_layers = c.integer("n_layer");
  s.n_heads = c.integer("n_head");
  s.d_model = c.integer("n_embd");
  s.d_mlp = c.has("n_inner") ? c.integer("n_inner") : 4 * s.d_model;
  s.n_ctx = c.integer("n_positions");
  s.d_vocab = c.integer("vocab_size");
  s.eps = c.number("layer_norm_epsilon", 1e-5);
  s.act_fn = activation(c, c.text("activation_function", "gelu_new"));
  s.tied_unembed = c.flag("tie_word_embeddings", true);
  if (c.flag("scale_attn_by_inverse_layer_idx", false) || c.flag("reorder_and_upcast_attn", false))
    throw ModelError(c.path() + ": scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn are not supported");
}

void read_neox(const ConfigReader& c, TransformerSpec& s) {
  s.n_layers = c.integer("num_hidden_layers");
  s.n_heads = c.integer("num_attention_heads");
  s.d_model = c.integer("hidden_size");
  s.d_mlp = c.integer("intermediate_size");
  s.n_ctx = c.integer("max_position_embeddings");
  s.d_vocab = c.integer("vocab_size");
  s.eps = c.number("layer_norm_eps", 1e-5);
  s.act_fn = activation(c, c.text("hidden_act", "gelu"));
  s.positional_embedding = false;
  const double pct = c.number("partial_rotary_factor", c.number("rotary_pct", 1.0));
  s.rotary_base = c.number("rope_theta", c.number("rotary_emb_base", 10000.0));
  s.parallel_residual = c.flag("use_parallel_residual", true);
  s.tied_unembed = c.flag("tie_word_embeddings", false);
  s.d_head = s.n_heads > 0 ? s.d_model / s.n_heads : 0;
  s.rotary_dims = static_cast<int>(s.d_head * pct);
}

void read_transformer_lens(const ConfigReader& c, TransformerSpec& s) {
  s.n_layers = c.integer("n_layers");
  s.d_model = c.integer("d_model");
  s.n_heads = c.integer("n_heads");
  s.d_head = c.integer("d_head");
  s.d_mlp = c.integer("d_mlp");
  s.d_vocab = c.integer("d_vocab");
  s.n_ctx = c.integer("n_ctx");
  s.eps = c.number("eps", 1e-5);
  s.act_fn = activation(c, c.text("act_fn", "gelu_new"));
  const std::string norm = c.text("normalization_type", "LN");
  if (norm != "LN" && norm != "LNPre") throw ModelError(c.path() + ": normalization_type '" + norm + "' is not supported (LN, LNPre)");
  s.layer_norm_affine = norm == "LN";
  if (c.text("positional_embedding_type", "standard") != "standard")
    throw ModelError(c.path() + ": positional_embedding_type '" + c.text("positional_embedding_type", "") +
                     "' is not supported (standard)");
  s.parallel_residual = c.flag("parallel_attn_mlp", false);
  if (c.flag("attn_only", false) || c.flag("gated_mlp", false) || c.flag("final_rms", false) || c.flag("use_local_attn", false))
    throw ModelError(c.path() + ": attn_only, gated_mlp, final_rms and use_local_attn models are not supported");
  if (c.text("original_architecture", "neel") == "neel-solu-old")
    throw ModelError(c.path() + ": original_architecture 'neel-solu-old' (transposed legacy weights) is not supported");
}

}  // namespace

std::vector<std::string> TransformerSpec::mlp_hooks() const {
  if (act_fn == "solu_ln") return {"mlp.hook_pre", "mlp.hook_mid", "mlp.hook_post"};
  return {"mlp.hook_pre", "mlp.hook_post"};
}

std::vector<std::string> TransformerSpec::residual_hooks() const {
  if (parallel_residual) return {"hook_resid_pre", "hook_attn_out", "hook_mlp_out", "hook_resid_post"};
  return {"hook_resid_pre", "hook_attn_out", "hook_resid_mid", "hook_mlp_out", "hook_resid_post"};
}

TransformerSpec read_spec(const std::string& directory) {
  const std::string path = (std::filesystem::path(directory) / "config.json").string();
  if (std::filesystem::exists(directory) && !std::filesystem::is_directory(directory))
    throw ModelError(directory + ": is a file, not a model directory (give the directory holding config.json and the weights)");
  if (!std::filesystem::is_directory(directory)) throw ModelError(directory + ": model directory does not exist");
  const ConfigReader c = ConfigReader::open(path, "missing (a model directory needs config.json)");
  TransformerSpec s;
  s.architecture = c.text("model_type", "");
  if (s.architecture == "gpt2") read_gpt2(c, s);
  else if (s.architecture == "gpt_neox") read_neox(c, s);
  else if (s.architecture == "transformer_lens") read_transformer_lens(c, s);
  else
    throw ModelError(path + ": unknown model_type '" + s.architecture + "' (n2g reads gpt2, gpt_neox, transformer_lens)");
  if (s.d_head == 0 && s.n_heads > 0) s.d_head = s.d_model / s.n_heads;
  if (s.n_layers <= 0 || s.d_model <= 0 || s.n_heads <= 0 || s.d_head <= 0 || s.d_mlp <= 0 || s.d_vocab <= 0)
    throw ModelError(path + ": layer, width, head and vocabulary sizes must be positive");
  s.d_vocab_out = c.has("d_vocab_out") ? c.integer("d_vocab_out") : s.d_vocab;
  s.bos_token_id = c.token("bos_token_id");
  s.eos_token_id = c.token("eos_token_id");
  return s;
}

int64_t TransformerSpec::parameters() const {
  const int64_t D = d_model, A = static_cast<int64_t>(n_heads) * d_head, M = d_mlp, norm = layer_norm_affine ? 2 * D : 0;
  const int64_t attention = 3 * D * A + 3 * A + A * D + D;
  const int64_t mlp = D * M + M + M * D + D + (act_fn == "solu_ln" ? 2 * M : 0);
  return static_cast<int64_t>(d_vocab) * D + (positional_embedding ? static_cast<int64_t>(n_ctx) * D : 0) +
         n_layers * (attention + mlp + 2 * norm) + norm + (tied_unembed ? 0 : D * d_vocab_out);
}

}  // namespace n2g
