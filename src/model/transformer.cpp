#include "n2g/model/transformer.h"

#include <ATen/ATen.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>
#include <torch/utils.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <regex>

#include "n2g/errors.h"
#include "n2g/model/safetensors.h"
#include "n2g/model/weights.h"
#include "short_attention.h"

namespace n2g {
namespace {

at::Tensor layer_norm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps) {
  return at::layer_norm(x, {x.size(-1)}, w, b, eps);
}

// Rotates the first `rotary_dims` of each head ("rotate_half", GPT-NeoX convention).
// x: [batch, heads, seq, d_head]; cos, sin: [seq, rotary_dims].
at::Tensor apply_rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, int64_t rotary_dims) {
  const at::Tensor rot = x.narrow(-1, 0, rotary_dims);
  const at::Tensor pass = x.narrow(-1, rotary_dims, x.size(-1) - rotary_dims);
  const int64_t half = rotary_dims / 2;
  const at::Tensor rotated = at::cat({-rot.narrow(-1, half, half), rot.narrow(-1, 0, half)}, -1);
  return at::cat({rot * cos + rotated * sin, pass}, -1);
}

// One transformer block; weights are buffers in the canonical right-facing layout.
struct BlockImpl : torch::nn::Module {
  BlockImpl(const LayerWeights& w, const TransformerSpec& spec) : spec_(spec) {
    ln1_w = add(w.ln1_w, "ln1_w");
    ln1_b = add(w.ln1_b, "ln1_b");
    w_qkv = add(w.w_qkv, "w_qkv");
    b_qkv = add(w.b_qkv, "b_qkv");
    w_o = add(w.w_o, "w_o");
    b_o = add(w.b_o, "b_o");
    ln2_w = add(w.ln2_w, "ln2_w");
    ln2_b = add(w.ln2_b, "ln2_b");
    w_in = add(w.w_in, "w_in");
    b_in = add(w.b_in, "b_in");
    mlp_ln_w = add(w.mlp_ln_w, "mlp_ln_w");
    mlp_ln_b = add(w.mlp_ln_b, "mlp_ln_b");
    w_out = add(w.w_out, "w_out");
    b_out = add(w.b_out, "b_out");
  }

  at::Tensor add(const at::Tensor& t, const std::string& name) { return t.defined() ? register_buffer(name, t) : t; }

  // x: [batch, seq, D] -> [batch, seq, D]. With a prefix, x continues its positions: the queries
  // attend to the prefix's keys and values, then their own (mask: [seq, prefix + seq]); `record`
  // receives the keys and values of the prefix and x together.
  at::Tensor attention(const at::Tensor& x, const at::Tensor& mask, const at::Tensor& cos, const at::Tensor& sin,
                       const LayerKeys* prefix, LayerKeys* record) const {
    const int64_t B = x.size(0), T = x.size(1), H = spec_.n_heads, dh = spec_.d_head;
    const at::Tensor qkv = at::addmm(b_qkv, x.reshape({B * T, -1}), w_qkv).view({B, T, 3, H, dh});
    at::Tensor q = qkv.select(2, 0).transpose(1, 2);  // [B, H, T, dh]
    at::Tensor k = qkv.select(2, 1).transpose(1, 2);
    at::Tensor v = qkv.select(2, 2).transpose(1, 2);
    if (spec_.rotary_dims > 0) {
      q = apply_rotary(q, cos, sin, spec_.rotary_dims);
      k = apply_rotary(k, cos, sin, spec_.rotary_dims);
    }
    if (prefix) {
      k = at::cat({prefix->keys, k}, 2);  // [B, H, P + T, dh]
      v = at::cat({prefix->values, v}, 2);
    }
    if (record) *record = {k, v};
    if (x.device().is_cpu() && k.size(2) <= kShortAttentionMax) {
      const at::Tensor z = short_causal_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2),
                                                  1.0 / std::sqrt(static_cast<double>(dh)));
      return at::addmm(b_o, z.view({B * T, H * dh}), w_o).view({B, T, -1});
    }
    const at::Tensor scores = at::matmul(q, k.transpose(-1, -2)).mul_(1.0 / std::sqrt(static_cast<double>(dh)));
    const at::Tensor pattern = at::softmax(scores.masked_fill_(mask, -INFINITY), -1);
    const at::Tensor z = at::matmul(pattern, v).transpose(1, 2).reshape({B * T, H * dh});
    return at::addmm(b_o, z, w_o).view({B, T, -1});
  }

  // m: [batch, seq, D]; records the hooks asked for; returns the MLP output unless `project` is false.
  // `columns` ([n] int64, only when not projecting) computes just those neurons: hooks [batch, seq, n].
  at::Tensor mlp(const at::Tensor& m, int layer, const std::map<std::string, int>& wanted,
                 std::map<std::string, at::Tensor>& hooks, bool project, const at::Tensor& columns) const {
    const int64_t B = m.size(0), T = m.size(1);
    const std::string prefix = "blocks." + std::to_string(layer) + ".";
    const auto keep = [&](const char* kind, const at::Tensor& t) {
      if (wanted.count(prefix + kind)) hooks[prefix + kind] = t;
    };
    const bool some = columns.defined();
    const at::Tensor pre = at::addmm(some ? b_in.index_select(0, columns) : b_in, m.reshape({B * T, -1}),
                                     some ? w_in.index_select(1, columns) : w_in)
                               .view({B, T, -1});
    keep("mlp.hook_pre", pre);
    at::Tensor post;
    if (spec_.act_fn == "gelu_new") post = at::gelu(pre, "tanh");
    else if (spec_.act_fn == "gelu") post = at::gelu(pre);
    else if (spec_.act_fn == "relu") post = at::relu(pre);
    else {
      const at::Tensor mid = pre * at::softmax(pre, -1);
      keep("mlp.hook_mid", mid);
      post = layer_norm(mid, mlp_ln_w, mlp_ln_b, spec_.eps);
    }
    keep("mlp.hook_post", post);
    if (!project) return {};
    return at::addmm(b_out, post.reshape({B * T, -1}), w_out).view({B, T, -1});
  }

  // Returns the residual stream after the block (undefined when `stop` ends the block earlier:
  // the forward's deepest block computes only up to its deepest hook). `columns` applies when
  // `stop` is mlp_hidden. `prefix` and `record`: as for attention(); with `record` the attention
  // runs wherever it feeds the stop or, with a parallel residual, beside it.
  at::Tensor forward(const at::Tensor& x, int layer, const at::Tensor& mask, const at::Tensor& cos, const at::Tensor& sin,
                     const std::map<std::string, int>& wanted, std::map<std::string, at::Tensor>& hooks, BlockStage stop,
                     const at::Tensor& columns, const LayerKeys* prefix, LayerKeys* record) const {
    const std::string name = "blocks." + std::to_string(layer) + ".";
    const auto keep = [&](const char* kind, const at::Tensor& t) {
      if (wanted.count(name + kind)) hooks[name + kind] = t;
    };
    keep("hook_resid_pre", x);
    if (stop == BlockStage::resid_pre) return {};
    const bool project = stop >= BlockStage::mlp_out;
    const at::Tensor own_columns = stop == BlockStage::mlp_hidden ? columns : at::Tensor();
    if (spec_.parallel_residual) {
      at::Tensor mlp_out, attended;
      if (stop != BlockStage::attn_out) {
        mlp_out = mlp(layer_norm(x, ln2_w, ln2_b, spec_.eps), layer, wanted, hooks, project, own_columns);
        keep("hook_mlp_out", mlp_out);
      }
      if (stop == BlockStage::attn_out || stop == BlockStage::resid_post || record) {
        attended = attention(layer_norm(x, ln1_w, ln1_b, spec_.eps), mask, cos, sin, prefix, record);
        keep("hook_attn_out", attended);
      }
      if (stop != BlockStage::resid_post) return {};
      const at::Tensor post = x + attended + mlp_out;
      keep("hook_resid_post", post);
      return post;
    }
    const at::Tensor attended = attention(layer_norm(x, ln1_w, ln1_b, spec_.eps), mask, cos, sin, prefix, record);
    keep("hook_attn_out", attended);
    if (stop == BlockStage::attn_out) return {};
    const at::Tensor mid = x + attended;
    keep("hook_resid_mid", mid);
    if (stop == BlockStage::resid_mid) return {};
    const at::Tensor mlp_out = mlp(layer_norm(mid, ln2_w, ln2_b, spec_.eps), layer, wanted, hooks, project, own_columns);
    keep("hook_mlp_out", mlp_out);
    if (stop != BlockStage::resid_post) return {};
    const at::Tensor post = mid + mlp_out;
    keep("hook_resid_post", post);
    return post;
  }

  const TransformerSpec& spec_;
  at::Tensor ln1_w, ln1_b, w_qkv, b_qkv, w_o, b_o, ln2_w, ln2_b, w_in, b_in, mlp_ln_w, mlp_ln_b, w_out, b_out;
};
TORCH_MODULE(Block);

}  // namespace

struct Transformer::Impl {
  TransformerSpec spec;
  at::Device device{at::kCPU};
  at::ScalarType dtype = at::kFloat;
  std::vector<std::string> warnings;
  at::Tensor w_e, w_pos, ln_f_w, ln_f_b, w_u, b_u;
  std::vector<Block> blocks;
  std::optional<Sae> sae;
  std::string sae_latents;  // the SAE's hook name + kSaeLatents
};

HookName resolve_hook_name(const TransformerSpec& spec, const std::string& name) {
  static const std::regex pattern(R"(blocks\.(\d+)\.(.+))");
  std::smatch match;
  std::vector<std::string> kinds = spec.mlp_hooks();
  for (const auto& k : spec.residual_hooks()) kinds.push_back(k);
  std::string list;
  for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
  if (!std::regex_match(name, match, pattern))
    throw ModelError("hook '" + name + "' is not of the form blocks.{layer}.{" + list + "}");
  const int layer = std::stoi(match[1]);
  const std::string kind = match[2];
  if (kind == "hook_resid_mid" && spec.parallel_residual)
    throw ModelError("hook '" + name + "' does not exist for this " + spec.architecture +
                     " model: its attention and MLP are parallel (both read hook_resid_pre), so there is no "
                     "residual stream between them; its hooks are " + list);
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end())
    throw ModelError("hook '" + name + "' does not exist for this " + spec.architecture + " model (" +
                     spec.act_fn + " MLP); its hooks are " + list);
  if (layer >= spec.n_layers)
    throw ModelError("hook '" + name + "': layer " + std::to_string(layer) + " does not exist (the model has " +
                     std::to_string(spec.n_layers) + " layers)");
  static const std::map<std::string, BlockStage> stages = {
      {"hook_resid_pre", BlockStage::resid_pre}, {"hook_attn_out", BlockStage::attn_out},
      {"hook_resid_mid", BlockStage::resid_mid}, {"hook_mlp_out", BlockStage::mlp_out},
      {"hook_resid_post", BlockStage::resid_post}};
  const auto stage = stages.find(kind);
  return {layer, kind, stage == stages.end() ? BlockStage::mlp_hidden : stage->second};
}

at::Device resolve_device(const std::string& name) {
  if (name == "auto") return torch::cuda::is_available() ? at::Device(at::kCUDA) : at::Device(at::kCPU);
  if (name == "cpu") return at::Device(at::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw ModelError("device '" + name + "' was asked for, but this libtorch build or machine has no CUDA device");
    return at::Device(name);
  }
  throw ModelError("unknown device '" + name + "' (auto, cpu, cuda, cuda:N)");
}

at::ScalarType resolve_dtype(const std::string& name, at::Device device) {
  if (name == "auto") return device.is_cuda() ? at::kBFloat16 : at::kFloat;
  if (name == "float32") return at::kFloat;
  if (name == "float64") return at::kDouble;
  if (name == "bfloat16") return at::kBFloat16;
  if (name == "float16" && !device.is_cuda())
    throw ModelError("dtype float16 does not run on the CPU (libtorch lacks half-precision CPU kernels for the model's "
                     "operations); use float32 or bfloat16 there, float16 on a GPU");
  if (name == "float16") return at::kHalf;
  throw ModelError("unknown dtype '" + name + "' (auto, float32, bfloat16, float16, float64)");
}

std::string dtype_name(at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: return c10::toString(dtype);
  }
}

Transformer::Transformer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transformer::Transformer(Transformer&&) noexcept = default;
Transformer& Transformer::operator=(Transformer&&) noexcept = default;
Transformer::~Transformer() = default;

Transformer Transformer::load(const std::string& directory, const LoadOptions& options) {
  const TransformerSpec spec = read_spec(directory);
  const int layers = options.layers < 0 ? spec.n_layers : options.layers;
  const SafetensorsStore store = SafetensorsStore::open_directory(directory);
  return create(spec, load_weights(store, spec, layers, options.unembed), options);
}

Transformer Transformer::create(const TransformerSpec& spec, ModelWeights weights, const LoadOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->spec = spec;
  impl->device = resolve_device(options.device);
  impl->dtype = resolve_dtype(options.dtype, impl->device);
  const auto place = [&](const at::Tensor& t) { return t.defined() ? t.to(impl->device, impl->dtype) : t; };
  impl->warnings = std::move(weights.warnings);
  impl->w_e = place(weights.w_e);
  impl->w_pos = place(weights.w_pos);
  impl->ln_f_w = place(weights.ln_f_w);
  impl->ln_f_b = place(weights.ln_f_b);
  impl->w_u = place(weights.w_u);
  impl->b_u = place(weights.b_u);
  for (const LayerWeights& layer : weights.layers) {
    Block block(layer, impl->spec);
    block->to(impl->device, impl->dtype);
    impl->blocks.push_back(block);
  }
  return Transformer(std::move(impl));
}

const TransformerSpec& Transformer::spec() const { return impl_->spec; }
int Transformer::loaded_layers() const { return static_cast<int>(impl_->blocks.size()); }
at::Device Transformer::device() const { return impl_->device; }
at::ScalarType Transformer::dtype() const { return impl_->dtype; }
const std::vector<std::string>& Transformer::warnings() const { return impl_->warnings; }
const at::Tensor& Transformer::embedding() const { return impl_->w_e; }

HookName Transformer::resolve_hook(const std::string& name) const {
  const size_t suffix = name.size() >= std::strlen(kSaeLatents) ? name.size() - std::strlen(kSaeLatents) : std::string::npos;
  if (suffix != std::string::npos && name.compare(suffix, std::string::npos, kSaeLatents) == 0) {
    if (!impl_->sae) throw ModelError("hook '" + name + "' names SAE latents, but no SAE is attached");
    if (name != impl_->sae_latents)
      throw ModelError("hook '" + name + "': the attached SAE reads " + impl_->sae->spec().hook_name + " (its latents are " +
                       impl_->sae_latents + ")");
    HookName read = resolve_hook(impl_->sae->spec().hook_name);
    read.kind += kSaeLatents;
    read.sae_latents = true;
    return read;
  }
  const HookName hook = resolve_hook_name(impl_->spec, name);
  const int layer = hook.layer;
  if (layer >= loaded_layers())
    throw ModelError("hook '" + name + "': layer " + std::to_string(layer) + " was not loaded (loaded " +
                     std::to_string(loaded_layers()) + " layers)");
  return hook;
}

at::Tensor Transformer::neuron_logit_effects(int layer, const at::Tensor& neurons) const {
  const Impl& m = *impl_;
  if (!m.w_u.defined()) throw ModelError("output effects need the unembedding, which was not loaded");
  if (layer < 0 || layer >= loaded_layers()) throw ModelError("layer " + std::to_string(layer) + " is not loaded");
  return direct_logit_effects(m.blocks[layer]->w_out.index_select(0, neurons).to(effects_dtype()));  // [n, d_model]
}

// float32 products give a row results that depend on the other rows of the batch (the units of a
// wave, which depend on the number of ranks); a float64 model (exact mode) computes in float64 and
// rounds, so the effects are the same for any number of ranks.
at::ScalarType Transformer::effects_dtype() const { return impl_->dtype == at::kDouble ? at::kDouble : at::kFloat; }

at::Tensor Transformer::direct_logit_effects(at::Tensor directions) const {
  const Impl& m = *impl_;
  if (!m.w_u.defined()) throw ModelError("output effects need the unembedding, which was not loaded");
  if (m.ln_f_w.defined()) directions = directions * m.ln_f_w.to(directions.scalar_type());
  return at::matmul(directions, m.w_u.to(directions.scalar_type())).to(at::kFloat);  // [n, d_vocab_out]
}

int64_t Transformer::hook_width(const HookName& hook) const {
  if (hook.sae_latents) return impl_->sae->spec().d_sae;
  return hook.neurons() ? impl_->spec.d_mlp : impl_->spec.d_model;
}

void Transformer::attach_sae(Sae sae) {
  const SaeSpec& spec = sae.spec();
  const HookName read = resolve_hook(spec.hook_name);
  if (read.sae_latents) throw ModelError(spec.directory + ": hook_name " + spec.hook_name + " names SAE latents");
  if (hook_width(read) != spec.d_in)
    throw ModelError(spec.directory + "/cfg.json: d_in is " + std::to_string(spec.d_in) + ", but " + spec.hook_name +
                     " of this model is " + std::to_string(hook_width(read)) + " wide");
  impl_->sae_latents = spec.hook_name + kSaeLatents;
  impl_->sae.emplace(std::move(sae));
}

const Sae* Transformer::sae() const { return impl_->sae ? &*impl_->sae : nullptr; }

at::Tensor Transformer::latent_logit_effects(const at::Tensor& latents) const {
  if (!impl_->sae) throw ModelError("latent output effects need an attached SAE");
  return direct_logit_effects(impl_->sae->decoder_rows(latents, effects_dtype()));
}

bool Transformer::computes_columns_alone(const std::string& hook) const {
  return resolve_hook(hook).sae_latents || impl_->spec.act_fn != "solu_ln";
}

ForwardOutput Transformer::forward(const at::Tensor& tokens, const std::vector<std::string>& hooks, Logits which) const {
  return forward_columns(tokens, hooks, {}, which);
}

ForwardOutput Transformer::forward_columns(const at::Tensor& tokens, const std::vector<std::string>& hooks,
                                           const at::Tensor& columns, Logits which) const {
  return forward_continuing(tokens, hooks, columns, nullptr, nullptr, which);
}

ForwardOutput Transformer::forward_continuing(const at::Tensor& tokens, const std::vector<std::string>& hooks,
                                              const at::Tensor& columns, const AttentionKeys* prefix,
                                              AttentionKeys* record, Logits which) const {
  torch::NoGradGuard no_grad;
  const Impl& m = *impl_;
  if (tokens.dim() != 2) throw ModelError("forward expects tokens of shape [batch, seq]");
  const int64_t T = tokens.size(1), P = prefix && !prefix->empty() ? prefix->front().keys.size(2) : 0;
  if (m.w_pos.defined() && P + T > m.spec.n_ctx)
    throw ModelError("a sequence of " + std::to_string(P + T) + " tokens is longer than the model's context (" +
                     std::to_string(m.spec.n_ctx) + ")");
  const bool logits = which != Logits::none;
  // SAE latents are read from the hook their SAE reads, which the blocks record.
  std::map<std::string, int> wanted;
  std::vector<HookName> resolved;
  int deepest = -1;
  for (const auto& name : hooks) {
    resolved.push_back(resolve_hook(name));
    const std::string& recorded = resolved.back().sae_latents ? m.sae->spec().hook_name : name;
    deepest = std::max(deepest, wanted[recorded] = resolved.back().layer);
  }
  // The deepest block stops at its deepest hook; every block runs whole for logits.
  BlockStage stop = BlockStage::resid_pre;
  for (const auto& hook : resolved)
    if (hook.layer == deepest) stop = std::max(stop, hook.stage);
  if (logits) {
    if (!m.w_u.defined()) throw ModelError("logits were asked for, but the unembedding was not loaded");
    if (loaded_layers() < m.spec.n_layers) throw ModelError("logits need every layer, but only some were loaded");
    deepest = m.spec.n_layers - 1;
    stop = BlockStage::resid_post;
  }
  // Columns of SAE latents are taken by the encoder, MLP columns by the hook's block.
  const bool latent_columns = columns.defined() && !logits && resolved.size() == 1 && resolved[0].sae_latents;
  if (columns.defined() && !latent_columns &&
      (logits || resolved.size() != 1 || !resolved[0].neurons() || !computes_columns_alone(hooks[0])))
    throw ModelError("a forward over some columns needs one MLP-neuron (gelu/relu) or SAE-latent hook and no logits");

  ForwardOutput out;
  at::Tensor x = at::embedding(m.w_e, tokens);  // [B, T, D]
  if (m.w_pos.defined()) x = x + m.w_pos.narrow(0, P, T);
  const auto options = at::TensorOptions().device(m.device);
  const at::Tensor mask = at::ones({T, P + T}, options.dtype(at::kBool)).triu(1 + P);
  at::Tensor cos, sin;
  if (m.spec.rotary_dims > 0) {
    const int64_t rd = m.spec.rotary_dims;
    const at::Tensor inv_freq =
        1.0 / at::pow(m.spec.rotary_base, at::arange(0, rd, 2, options.dtype(at::kDouble)) / static_cast<double>(rd));
    const at::Tensor angles = at::outer(at::arange(P, P + T, options.dtype(at::kDouble)), inv_freq);
    const at::Tensor both = at::cat({angles, angles}, -1);  // [T, rd]
    cos = both.cos().to(m.dtype);
    sin = both.sin().to(m.dtype);
  }
  if (prefix && !prefix->empty() && static_cast<int>(prefix->size()) <= deepest)
    throw ModelError("the attention prefix holds " + std::to_string(prefix->size()) + " layers; the forward needs " +
                     std::to_string(deepest + 1));
  if (record) record->assign(deepest + 1, {});
  for (int layer = 0; layer <= deepest; ++layer)
    x = m.blocks[layer]->forward(x, layer, mask, cos, sin, wanted, out.hooks,
                                 layer == deepest ? stop : BlockStage::resid_post, latent_columns ? at::Tensor() : columns,
                                 P > 0 ? &(*prefix)[layer] : nullptr, record ? &(*record)[layer] : nullptr);
  for (size_t i = 0; i < hooks.size(); ++i)
    if (resolved[i].sae_latents) out.hooks[hooks[i]] = m.sae->encode(out.hooks.at(m.sae->spec().hook_name), columns);
  if (logits) {
    if (which == Logits::last) x = x.select(1, T - 1);  // [B, D]
    out.logits = at::matmul(layer_norm(x, m.ln_f_w, m.ln_f_b, m.spec.eps), m.w_u);
    if (m.b_u.defined()) out.logits = out.logits + m.b_u;
  }
  return out;
}

at::Tensor gather_neurons(const at::Tensor& hook, const at::Tensor& neurons) {
  const int64_t B = hook.size(0), T = hook.size(1);
  return hook.gather(2, neurons.view({B, 1, 1}).expand({B, T, 1})).squeeze(2);
}

}  // namespace n2g
