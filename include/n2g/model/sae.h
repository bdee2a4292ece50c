// A sparse autoencoder in SAELens's on-disk layout, whose latents a sweep explains as it explains
// MLP neurons: `cfg.json` (d_in, d_sae, hook_name, architecture, apply_b_dec_to_input,
// normalize_activations, ...) and `sae_weights.safetensors` (W_enc [d_in, d_sae], b_enc [d_sae],
// W_dec [d_sae, d_in], b_dec [d_in]; threshold [d_sae] for JumpReLU).
//
// Encoding, with pre = (x - b_dec if apply_b_dec_to_input) . W_enc + b_enc:
//   standard  f = ReLU(pre)
//   jumprelu  f = ReLU(pre) where pre > threshold, else 0
//   topk      f = ReLU(pre) where pre is among the k largest of its position, else 0
// Standard and JumpReLU latents are computed alone (only the encoder columns asked for); a TopK
// latent needs every pre-activation of its position, so each position costs the whole encoder
// (d_in x d_sae multiply-adds) whatever the number of latents asked for.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace n2g {

struct SaeSpec {
  std::string directory;
  std::string architecture;  // standard | jumprelu | topk
  int d_in = 0, d_sae = 0;
  std::string hook_name;     // e.g. blocks.1.hook_resid_post
  bool apply_b_dec_to_input = false;
  int k = 0;                 // topk only
};

class Sae {
 public:
  // Reads cfg.json and the weights, on `device` in `dtype`. Throws ModelError naming the file and
  // key for what n2g does not implement (normalize_activations other than "none", a finetuning
  // scaling factor, a head index, an unknown architecture) and for missing or misshapen tensors.
  static Sae load(const std::string& directory, const at::Device& device, at::ScalarType dtype);

  // The same SAE on `device` in `dtype` (tensors shared where nothing changes).
  Sae to(const at::Device& device, at::ScalarType dtype) const;

  const SaeSpec& spec() const { return spec_; }
  // x: [..., d_in] -> [..., n] for `latents` ([n] int64 on the device), or [..., d_sae] when undefined.
  at::Tensor encode(const at::Tensor& x, const at::Tensor& latents = {}) const;
  // The decoder rows of `latents`: [n, d_in], float32 or float64 as `dtype`.
  at::Tensor decoder_rows(const at::Tensor& latents, at::ScalarType dtype) const;

 private:
  SaeSpec spec_;
  at::Tensor w_enc_, b_enc_, w_dec_, b_dec_, threshold_;
};

}  // namespace n2g
