// A decoder-only transformer in libtorch (GPT-2, GPT-NeoX/Pythia, TransformerLens incl. SoLU):
// loads only the layers a run needs, runs a batched forward that stops at the deepest hook asked
// for, and returns the hooks (MLP neurons, residual stream, layer outputs; TransformerLens names)
// and, when asked, the logits.
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "n2g/model/sae.h"
#include "n2g/model/spec.h"
#include "n2g/model/weights.h"

namespace n2g {

struct LoadOptions {
  int layers = -1;              // how many layers to load from the bottom; -1 = all
  bool unembed = true;          // load the final LayerNorm and unembedding (needed for logits)
  std::string device = "cpu";   // auto | cpu | cuda | cuda:N
  std::string dtype = "float32";  // auto | float32 | bfloat16 | float16 (| float64)
};

// How far into a block a hook lies, in the order a block computes (sequential residual; with a
// parallel residual there is no resid_mid and attention and MLP both read resid_pre).
enum class BlockStage { resid_pre, attn_out, resid_mid, mlp_hidden, mlp_out, resid_post };

// A hook: `blocks.{layer}.{kind}`, kind an MLP neuron hook (mlp.hook_pre / mlp.hook_mid /
// mlp.hook_post: [batch, seq, d_mlp]), a residual-stream / layer-output hook (hook_resid_pre,
// hook_attn_out, hook_resid_mid, hook_mlp_out, hook_resid_post: [batch, seq, d_model]), or the
// latents of an attached SAE, `{its hook}.hook_sae_acts_post` ([batch, seq, d_sae]; SAELens's name).
struct HookName {
  int layer;
  std::string kind;
  BlockStage stage;       // of the hook itself or, for SAE latents, of the hook the SAE reads
  bool sae_latents = false;
  bool neurons() const { return stage == BlockStage::mlp_hidden && !sae_latents; }
};

inline constexpr const char* kSaeLatents = ".hook_sae_acts_post";

// `blocks.{layer}.{kind}`, the name of a layer's hook.
inline std::string block_hook(int layer, const std::string& kind) { return "blocks." + std::to_string(layer) + "." + kind; }

// Parses and checks an MLP or residual hook name against a model's shape (not SAE latents, not
// which layers are loaded): Transformer::resolve_hook's checks before any weights are read.
HookName resolve_hook_name(const TransformerSpec& spec, const std::string& name);

// Which logits a forward returns: none (stops after the deepest hook), every position, or only
// the last position (next-token distributions without a [batch, seq, vocab] tensor).
enum class Logits { none, all, last };

// One attention layer's keys and values ([batch, heads, positions, d_head], rotary applied), and
// every layer's up to a forward's deepest: what a forward over a sequence's continuation needs of
// the sequence before it.
struct LayerKeys {
  at::Tensor keys, values;
};
using AttentionKeys = std::vector<LayerKeys>;

struct ForwardOutput {
  std::map<std::string, at::Tensor> hooks;  // name -> [batch, seq, d_mlp] (MLP) or [batch, seq, d_model]
  at::Tensor logits;                        // [batch, seq, d_vocab_out] (all) or [batch, d_vocab_out] (last)
};

class Transformer {
 public:
  static Transformer load(const std::string& directory, const LoadOptions& options = {});
  // From weights already in memory (benchmarks, constructed models); options.layers is ignored.
  static Transformer create(const TransformerSpec& spec, ModelWeights weights, const LoadOptions& options = {});
  Transformer(Transformer&&) noexcept;
  Transformer& operator=(Transformer&&) noexcept;
  ~Transformer();

  const TransformerSpec& spec() const;
  int loaded_layers() const;
  at::Device device() const;
  at::ScalarType dtype() const;
  const std::vector<std::string>& warnings() const;  // unexpected checkpoint tensors
  const at::Tensor& embedding() const;               // [d_vocab, d_model] on the device

  // Parses and checks a hook name: the layer exists and is loaded, the kind exists for this model
  // (hook_resid_mid is an error naming the parallel residual where attention and MLP are parallel).
  HookName resolve_hook(const std::string& name) const;
  // The width of a hook's last dimension: d_mlp, d_model or d_sae.
  int64_t hook_width(const HookName& hook) const;

  // Attaches an SAE: its latents become the hook `{sae hook_name}.hook_sae_acts_post`, computed in
  // the model's dtype from the hook it reads. Throws ModelError when that hook does not exist here
  // or is not d_in wide.
  void attach_sae(Sae sae);
  const Sae* sae() const;  // null when none is attached

  // tokens: [batch, seq] int64 on device(), BOS already in place. Right padding needs no mask:
  // attention is causal, so padding never reaches the real positions before it.
  ForwardOutput forward(const at::Tensor& tokens, const std::vector<std::string>& hooks, Logits logits = Logits::none) const;

  // The direct effect of neurons of `layer` ([n] int64 on device()) on the logits (logit lens):
  // each neuron's output row W_out[n] times the final LayerNorm's scale, times W_U -> [n,
  // d_vocab_out] float32. Needs the unembedding (LoadOptions::unembed).
  at::Tensor neuron_logit_effects(int layer, const at::Tensor& neurons) const;
  // The same for latents of the attached SAE ([n] int64 on device()): each decoder row through the
  // final LayerNorm's scale to W_U -> [n, d_vocab_out] float32.
  at::Tensor latent_logit_effects(const at::Tensor& latents) const;

  // True where one unit of `hook` can be computed without the rest of its width: neurons of
  // gelu/relu MLPs (SoLU's softmax and LayerNorm need the whole row) and SAE latents (a TopK SAE
  // computes all its pre-activations still, then keeps the columns asked for).
  bool computes_columns_alone(const std::string& hook) const;
  // The forward of one MLP or SAE-latent hook computing only `columns` ([n] int64 on device()):
  // hooks[hook] is [batch, seq, n]; an MLP hook's layer skips every other neuron and its output
  // projection. An undefined `columns` computes every unit (same as forward).
  ForwardOutput forward_columns(const at::Tensor& tokens, const std::vector<std::string>& hooks, const at::Tensor& columns,
                                Logits logits = Logits::none) const;
  // forward_columns over `tokens` that continue a prefix of P positions (prefix: [layer] of
  // [batch, heads, P, d_head], from `record` of an earlier forward, narrowed to P positions): the
  // tokens take positions P.. and attend to the prefix, so hooks equal those positions of a forward
  // over prefix and tokens together. `record`, when given, receives every layer's keys and values
  // (the prefix's and these tokens'). Either may be null.
  ForwardOutput forward_continuing(const at::Tensor& tokens, const std::vector<std::string>& hooks, const at::Tensor& columns,
                                   const AttentionKeys* prefix, AttentionKeys* record, Logits logits = Logits::none) const;

 private:
  // directions [n, d_model] (effects_dtype) through the final LayerNorm's scale to W_U.
  at::Tensor direct_logit_effects(at::Tensor directions) const;
  at::ScalarType effects_dtype() const;
  struct Impl;
  explicit Transformer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One neuron per sequence, read on the device: hook [batch, seq, d_mlp], neurons [batch] int64
// -> [batch, seq].
at::Tensor gather_neurons(const at::Tensor& hook, const at::Tensor& neurons);

at::Device resolve_device(const std::string& name);
// auto: bfloat16 on CUDA devices (tensor cores), float32 on CPUs.
at::ScalarType resolve_dtype(const std::string& name, at::Device device);
// float32, float64, bfloat16 or float16.
std::string dtype_name(at::ScalarType dtype);

}  // namespace n2g
