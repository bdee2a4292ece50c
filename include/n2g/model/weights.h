// Checkpoint tensors of each architecture converted to one canonical, right-facing layout
// (`y = x @ W + b`), so that a single forward serves GPT-2, GPT-NeoX and TransformerLens models.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "n2g/model/safetensors.h"
#include "n2g/model/spec.h"

namespace n2g {

struct LayerWeights {
  at::Tensor ln1_w, ln1_b;        // [D]; undefined when the LayerNorm has no affine part (LNPre)
  at::Tensor w_qkv, b_qkv;        // [D, 3*H*dh], [3*H*dh]: all q heads | all k heads | all v heads
  at::Tensor w_o, b_o;            // [H*dh, D], [D]
  at::Tensor ln2_w, ln2_b;        // [D]
  at::Tensor w_in, b_in;          // [D, M], [M]
  at::Tensor mlp_ln_w, mlp_ln_b;  // [M], SoLU's LayerNorm inside the MLP; undefined otherwise
  at::Tensor w_out, b_out;        // [M, D], [D]
};

struct ModelWeights {
  at::Tensor w_e;                 // [V, D] token embedding
  at::Tensor w_pos;               // [n_ctx, D]; undefined for rotary models
  std::vector<LayerWeights> layers;
  at::Tensor ln_f_w, ln_f_b;      // [D]; undefined unless the unembedding was loaded
  at::Tensor w_u, b_u;            // [D, V_out], [V_out]; b_u may be undefined
  std::vector<std::string> warnings;  // unexpected tensors in the checkpoint
};

// Loads the first `n_layers` layers, and the final LayerNorm and unembedding when `unembed` is
// set, as float32 on the CPU. Throws ModelError naming a missing or misshapen tensor.
ModelWeights load_weights(const SafetensorsStore& store, const TransformerSpec& spec, int n_layers, bool unembed);

}  // namespace n2g
