#include "n2g/model/sae.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>

#include "config_reader.h"
#include "n2g/errors.h"
#include "n2g/model/safetensors.h"

namespace n2g {
namespace fs = std::filesystem;

namespace {

SaeSpec read_sae_spec(const std::string& directory) {
  if (!fs::is_directory(directory)) throw ModelError(directory + ": SAE directory does not exist");
  const std::string path = (fs::path(directory) / "cfg.json").string();
  const ConfigReader c =
      ConfigReader::open(path, "cannot be read (an SAE directory holds SAELens's cfg.json and sae_weights.safetensors)");
  const nlohmann::json& json = c.json();
  SaeSpec s;
  s.directory = directory;
  s.d_in = c.integer("d_in");
  s.d_sae = c.integer("d_sae");
  if (s.d_in <= 0 || s.d_sae <= 0) throw ModelError(path + ": d_in and d_sae must be positive");
  s.hook_name = c.text("hook_name", "");
  if (s.hook_name.empty()) throw ModelError(path + ": field 'hook_name' is missing (the model hook the SAE reads)");
  s.apply_b_dec_to_input = c.flag("apply_b_dec_to_input", true);
  // SAELens 6 names TopK an architecture with `k`; earlier versions a "standard" SAE with
  // activation_fn_str "topk" and activation_fn_kwargs {"k": ...}.
  s.architecture = c.text("architecture", "standard");
  const std::string activation = c.text("activation_fn_str", s.architecture == "topk" ? "topk" : "relu");
  if (s.architecture == "standard" && activation == "topk") s.architecture = "topk";
  if (s.architecture != "standard" && s.architecture != "jumprelu" && s.architecture != "topk")
    throw ModelError(path + ": architecture '" + s.architecture + "' is not supported (standard, jumprelu, topk)");
  if (s.architecture != "topk" && activation != "relu")
    throw ModelError(path + ": activation_fn_str '" + activation + "' is not supported (relu; topk)");
  if (s.architecture == "topk") {
    if (c.has("k")) s.k = c.integer("k");
    else if (json.contains("activation_fn_kwargs") && json["activation_fn_kwargs"].is_object() &&
             json["activation_fn_kwargs"].contains("k") && json["activation_fn_kwargs"]["k"].is_number_integer())
      s.k = json["activation_fn_kwargs"]["k"].get<int>();
    if (s.k <= 0 || s.k > s.d_sae)
      throw ModelError(path + ": a topk SAE needs k (key 'k' or activation_fn_kwargs.k) between 1 and d_sae");
  }
  // Settings that change the encoding in ways n2g does not implement: refused, naming the key.
  const std::string normalize = c.text("normalize_activations", "none");
  if (normalize != "none")
    throw ModelError(path + ": normalize_activations '" + normalize + "' is not supported (only \"none\")");
  if (c.flag("finetuning_scaling_factor", false))
    throw ModelError(path + ": finetuning_scaling_factor is true, which n2g does not implement");
  if (c.has("hook_head_index"))
    throw ModelError(path + ": hook_head_index is set (an SAE on one attention head), which n2g does not support");
  return s;
}

at::Tensor read_tensor(const SafetensorsStore& store, const std::string& file, const std::string& name,
                       std::vector<int64_t> shape) {
  if (!store.has(name)) throw ModelError(file + ": tensor '" + name + "' is missing");
  const at::Tensor t = store.read(name);
  if (t.sizes().vec() != shape) {
    std::string want, got;
    for (auto d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
    for (auto d : t.sizes()) got += (got.empty() ? "" : ", ") + std::to_string(d);
    throw ModelError(file + ": tensor '" + name + "' has shape [" + got + "], cfg.json asks for [" + want + "]");
  }
  return t;
}

}  // namespace

Sae Sae::to(const at::Device& device, at::ScalarType dtype) const {
  Sae moved = *this;
  for (at::Tensor* t : {&moved.w_enc_, &moved.b_enc_, &moved.w_dec_, &moved.b_dec_, &moved.threshold_})
    if (t->defined()) *t = t->to(device, dtype);
  return moved;
}

Sae Sae::load(const std::string& directory, const at::Device& device, at::ScalarType dtype) {
  Sae sae;
  sae.spec_ = read_sae_spec(directory);
  const SaeSpec& s = sae.spec_;
  const std::string file = (fs::path(directory) / "sae_weights.safetensors").string();
  if (!fs::exists(file)) throw ModelError(file + ": missing (an SAE directory holds cfg.json and sae_weights.safetensors)");
  const SafetensorsStore store = SafetensorsStore::open_file(file);
  sae.w_enc_ = read_tensor(store, file, "W_enc", {s.d_in, s.d_sae});
  sae.b_enc_ = read_tensor(store, file, "b_enc", {s.d_sae});
  sae.w_dec_ = read_tensor(store, file, "W_dec", {s.d_sae, s.d_in});
  sae.b_dec_ = read_tensor(store, file, "b_dec", {s.d_in});
  if (s.architecture == "jumprelu") sae.threshold_ = read_tensor(store, file, "threshold", {s.d_sae});
  return sae.to(device, dtype);
}

at::Tensor Sae::encode(const at::Tensor& x, const at::Tensor& latents) const {
  const at::Tensor input = spec_.apply_b_dec_to_input ? x - b_dec_ : x;  // [..., d_in]
  if (spec_.architecture == "topk") {
    const at::Tensor pre = at::matmul(input, w_enc_) + b_enc_;  // [..., d_sae]: every latent competes
    const at::Tensor top = std::get<1>(pre.topk(spec_.k, -1));
    const at::Tensor kept = at::zeros_like(pre).scatter_(-1, top, 1.0);
    const at::Tensor f = at::relu(pre) * kept;
    return latents.defined() ? f.index_select(-1, latents) : f;
  }
  const bool some = latents.defined();
  const at::Tensor pre = at::matmul(input, some ? w_enc_.index_select(1, latents) : w_enc_) +
                         (some ? b_enc_.index_select(0, latents) : b_enc_);  // [..., n]
  if (spec_.architecture == "jumprelu") {
    const at::Tensor threshold = some ? threshold_.index_select(0, latents) : threshold_;
    return at::relu(pre) * (pre > threshold).to(pre.scalar_type());
  }
  return at::relu(pre);
}

at::Tensor Sae::decoder_rows(const at::Tensor& latents, at::ScalarType dtype) const {
  return w_dec_.index_select(0, latents).to(dtype);
}

}  // namespace n2g
