// The shape and wiring of a model, read from its config.json (FORMATS.md, "Model directory").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace n2g {

struct TransformerSpec {
  std::string architecture;  // gpt2 | gpt_neox | transformer_lens
  int n_layers = 0;
  int d_model = 0;
  int n_heads = 0;
  int d_head = 0;
  int d_mlp = 0;
  int d_vocab = 0;
  int d_vocab_out = 0;  // logits width (TransformerLens may differ from d_vocab)
  int n_ctx = 0;
  double eps = 1e-5;
  std::string act_fn;             // gelu_new | gelu | relu | solu_ln
  bool positional_embedding = true;
  int rotary_dims = 0;            // leading dims of each head rotated (0 = no rotary)
  double rotary_base = 10000.0;
  bool parallel_residual = false;
  bool layer_norm_affine = true;  // false for TransformerLens LNPre
  bool tied_unembed = false;
  std::optional<int32_t> bos_token_id;
  std::optional<int32_t> eos_token_id;

  // The neuron hooks of a layer: mlp.hook_pre, mlp.hook_post and, for SoLU, mlp.hook_mid.
  std::vector<std::string> mlp_hooks() const;
  // The residual-stream and layer-output hooks of a layer ([batch, seq, d_model], TransformerLens
  // names): hook_resid_pre, hook_attn_out, hook_resid_mid (not where attention and MLP are
  // parallel), hook_mlp_out, hook_resid_post.
  std::vector<std::string> residual_hooks() const;
  // Parameters by the shape: embeddings, attention and MLP weights and biases, LayerNorms, the
  // unembedding unless tied (what scaling plots put on their x axis).
  int64_t parameters() const;
};

// Reads `directory/config.json`; throws ModelError for a missing file, an unknown model_type or a
// missing field.
TransformerSpec read_spec(const std::string& directory);

}  // namespace n2g
