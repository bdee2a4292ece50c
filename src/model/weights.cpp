#include "n2g/model/weights.h"

#include <ATen/ATen.h>

#include <functional>
#include <set>
#include <sstream>

#include "n2g/errors.h"

namespace n2g {
namespace {

std::string shape_text(at::IntArrayRef shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Buffers real checkpoints carry that the forward does not need.
bool ignorable(const std::string& name) {
  for (const char* suffix : {".attn.bias", ".attn.masked_bias", ".attention.bias", ".attention.masked_bias",
                             ".rotary_emb.inv_freq", ".attn.mask", ".attn.IGNORE"})
    if (ends_with(name, suffix)) return true;
  return false;
}

// Reads tensors by name, checks their shapes, and remembers what was used.
class Fetcher {
 public:
  Fetcher(const SafetensorsStore& store, const TransformerSpec& spec) : store_(store), spec_(spec) {}

  at::Tensor get(const std::string& name, std::vector<int64_t> shape) {
    if (!store_.has(name))
      throw ModelError("tensor '" + name + "' is missing from the checkpoint (the " + spec_.architecture +
                       " architecture expects it)");
    at::Tensor t = store_.read(name);
    if (t.sizes() != at::IntArrayRef(shape))
      throw ModelError("tensor '" + name + "' has shape " + shape_text(t.sizes()) + ", expected " + shape_text(shape));
    used_.insert(name);
    return t;
  }
  bool has(const std::string& name) const { return store_.has(name); }
  const std::set<std::string>& used() const { return used_; }

 private:
  const SafetensorsStore& store_;
  const TransformerSpec& spec_;
  std::set<std::string> used_;
};

// How one architecture names its tensors, and how it converts them.
struct Architecture {
  std::function<std::string(int)> layer_prefix;
  std::vector<std::string> unembed_prefixes;
  std::function<void(Fetcher&, ModelWeights&)> embed;
  std::function<LayerWeights(Fetcher&, int)> layer;
  std::function<void(Fetcher&, ModelWeights&)> unembed;
};

Architecture gpt2(const TransformerSpec& s, const std::string& p) {
  const int64_t D = s.d_model, M = s.d_mlp, V = s.d_vocab;
  Architecture a;
  a.layer_prefix = [p](int i) { return p + "h." + std::to_string(i) + "."; };
  a.unembed_prefixes = {p + "ln_f.", "lm_head."};
  a.embed = [=, &s](Fetcher& f, ModelWeights& w) {
    w.w_e = f.get(p + "wte.weight", {V, D});
    w.w_pos = f.get(p + "wpe.weight", {s.n_ctx, D});
  };
  a.layer = [=](Fetcher& f, int i) {
    const std::string h = p + "h." + std::to_string(i) + ".";
    LayerWeights l;
    l.ln1_w = f.get(h + "ln_1.weight", {D});
    l.ln1_b = f.get(h + "ln_1.bias", {D});
    l.w_qkv = f.get(h + "attn.c_attn.weight", {D, 3 * D});
    l.b_qkv = f.get(h + "attn.c_attn.bias", {3 * D});
    l.w_o = f.get(h + "attn.c_proj.weight", {D, D});
    l.b_o = f.get(h + "attn.c_proj.bias", {D});
    l.ln2_w = f.get(h + "ln_2.weight", {D});
    l.ln2_b = f.get(h + "ln_2.bias", {D});
    l.w_in = f.get(h + "mlp.c_fc.weight", {D, M});
    l.b_in = f.get(h + "mlp.c_fc.bias", {M});
    l.w_out = f.get(h + "mlp.c_proj.weight", {M, D});
    l.b_out = f.get(h + "mlp.c_proj.bias", {D});
    return l;
  };
  a.unembed = [=](Fetcher& f, ModelWeights& w) {
    w.ln_f_w = f.get(p + "ln_f.weight", {D});
    w.ln_f_b = f.get(p + "ln_f.bias", {D});
    w.w_u = f.has("lm_head.weight") ? f.get("lm_head.weight", {V, D}).t().contiguous() : w.w_e.t().contiguous();
  };
  return a;
}

Architecture neox(const TransformerSpec& s) {
  const int64_t D = s.d_model, M = s.d_mlp, V = s.d_vocab, H = s.n_heads, dh = s.d_head;
  Architecture a;
  a.layer_prefix = [](int i) { return "gpt_neox.layers." + std::to_string(i) + "."; };
  a.unembed_prefixes = {"gpt_neox.final_layer_norm.", "embed_out."};
  a.embed = [=](Fetcher& f, ModelWeights& w) { w.w_e = f.get("gpt_neox.embed_in.weight", {V, D}); };
  a.layer = [=](Fetcher& f, int i) {
    const std::string h = "gpt_neox.layers." + std::to_string(i) + ".";
    LayerWeights l;
    l.ln1_w = f.get(h + "input_layernorm.weight", {D});
    l.ln1_b = f.get(h + "input_layernorm.bias", {D});
    // Fused per head: rows [48h .. 48h+15] are head h's q, then its k, then its v.
    const at::Tensor qkv = f.get(h + "attention.query_key_value.weight", {3 * H * dh, D}).t().reshape({D, H, 3, dh});
    const at::Tensor qkv_bias = f.get(h + "attention.query_key_value.bias", {3 * H * dh}).reshape({H, 3, dh});
    l.w_qkv = qkv.permute({0, 2, 1, 3}).reshape({D, 3 * H * dh}).contiguous();
    l.b_qkv = qkv_bias.permute({1, 0, 2}).reshape({3 * H * dh}).contiguous();
    l.w_o = f.get(h + "attention.dense.weight", {D, H * dh}).t().contiguous();
    l.b_o = f.get(h + "attention.dense.bias", {D});
    l.ln2_w = f.get(h + "post_attention_layernorm.weight", {D});
    l.ln2_b = f.get(h + "post_attention_layernorm.bias", {D});
    l.w_in = f.get(h + "mlp.dense_h_to_4h.weight", {M, D}).t().contiguous();
    l.b_in = f.get(h + "mlp.dense_h_to_4h.bias", {M});
    l.w_out = f.get(h + "mlp.dense_4h_to_h.weight", {D, M}).t().contiguous();
    l.b_out = f.get(h + "mlp.dense_4h_to_h.bias", {D});
    return l;
  };
  a.unembed = [=, &s](Fetcher& f, ModelWeights& w) {
    w.ln_f_w = f.get("gpt_neox.final_layer_norm.weight", {D});
    w.ln_f_b = f.get("gpt_neox.final_layer_norm.bias", {D});
    w.w_u = s.tied_unembed && !f.has("embed_out.weight") ? w.w_e.t().contiguous()
                                                          : f.get("embed_out.weight", {V, D}).t().contiguous();
  };
  return a;
}

Architecture transformer_lens(const TransformerSpec& s) {
  const int64_t D = s.d_model, M = s.d_mlp, V = s.d_vocab, H = s.n_heads, dh = s.d_head;
  Architecture a;
  a.layer_prefix = [](int i) { return "blocks." + std::to_string(i) + "."; };
  a.unembed_prefixes = {"ln_final.", "unembed."};
  a.embed = [=, &s](Fetcher& f, ModelWeights& w) {
    w.w_e = f.get("embed.W_E", {V, D});
    w.w_pos = f.get("pos_embed.W_pos", {s.n_ctx, D});
  };
  a.layer = [=, &s](Fetcher& f, int i) {
    const std::string h = "blocks." + std::to_string(i) + ".";
    LayerWeights l;
    if (s.layer_norm_affine) {
      l.ln1_w = f.get(h + "ln1.w", {D});
      l.ln1_b = f.get(h + "ln1.b", {D});
      l.ln2_w = f.get(h + "ln2.w", {D});
      l.ln2_b = f.get(h + "ln2.b", {D});
    }
    std::vector<at::Tensor> w, b;
    for (const char* which : {"Q", "K", "V"}) {
      w.push_back(f.get(h + "attn.W_" + which, {H, D, dh}).permute({1, 0, 2}).reshape({D, H * dh}));
      b.push_back(f.get(h + "attn.b_" + which, {H, dh}).reshape({H * dh}));
    }
    l.w_qkv = at::cat(w, 1).contiguous();
    l.b_qkv = at::cat(b, 0).contiguous();
    l.w_o = f.get(h + "attn.W_O", {H, dh, D}).reshape({H * dh, D});
    l.b_o = f.get(h + "attn.b_O", {D});
    l.w_in = f.get(h + "mlp.W_in", {D, M});
    l.b_in = f.get(h + "mlp.b_in", {M});
    if (s.act_fn == "solu_ln") {
      l.mlp_ln_w = f.get(h + "mlp.ln.w", {M});
      l.mlp_ln_b = f.get(h + "mlp.ln.b", {M});
    }
    l.w_out = f.get(h + "mlp.W_out", {M, D});
    l.b_out = f.get(h + "mlp.b_out", {D});
    return l;
  };
  a.unembed = [=, &s](Fetcher& f, ModelWeights& w) {
    if (s.layer_norm_affine) {
      w.ln_f_w = f.get("ln_final.w", {D});
      w.ln_f_b = f.get("ln_final.b", {D});
    }
    w.w_u = f.get("unembed.W_U", {D, s.d_vocab_out});
    if (f.has("unembed.b_U")) w.b_u = f.get("unembed.b_U", {s.d_vocab_out});
  };
  return a;
}

}  // namespace

ModelWeights load_weights(const SafetensorsStore& store, const TransformerSpec& spec, int n_layers, bool unembed) {
  if (n_layers < 0 || n_layers > spec.n_layers)
    throw ModelError("cannot load " + std::to_string(n_layers) + " layers: the model has " + std::to_string(spec.n_layers));
  Architecture arch;
  if (spec.architecture == "gpt2") arch = gpt2(spec, store.has("transformer.wte.weight") ? "transformer." : "");
  else if (spec.architecture == "gpt_neox") arch = neox(spec);
  else arch = transformer_lens(spec);

  Fetcher fetcher(store, spec);
  ModelWeights weights;
  arch.embed(fetcher, weights);
  for (int i = 0; i < n_layers; ++i) weights.layers.push_back(arch.layer(fetcher, i));
  if (unembed) arch.unembed(fetcher, weights);

  const auto not_loaded = [&](const std::string& name) {
    for (int i = n_layers; i < spec.n_layers; ++i)
      if (name.rfind(arch.layer_prefix(i), 0) == 0) return true;
    if (!unembed)
      for (const auto& prefix : arch.unembed_prefixes)
        if (name.rfind(prefix, 0) == 0) return true;
    return false;
  };
  for (const auto& entry : store.tensors())
    if (!fetcher.used().count(entry.first) && !ignorable(entry.first) && !not_loaded(entry.first))
      weights.warnings.push_back("unexpected tensor '" + entry.first + "' in the checkpoint is ignored");
  return weights;
}

}  // namespace n2g
