// A model's parameter count from its shape, against GPT-2 small's published 124,439,808 (tied
// unembedding) and the same with an untied one.
#include <gtest/gtest.h>

#include "n2g/model/spec.h"

namespace n2g {
namespace {

TEST(Spec, ParametersOfGpt2Small) {
  TransformerSpec spec;
  spec.n_layers = 12;
  spec.d_model = 768;
  spec.n_heads = 12;
  spec.d_head = 64;
  spec.d_mlp = 3072;
  spec.d_vocab = spec.d_vocab_out = 50257;
  spec.n_ctx = 1024;
  spec.act_fn = "gelu_new";
  spec.tied_unembed = true;
  EXPECT_EQ(spec.parameters(), 124439808);
  spec.tied_unembed = false;
  EXPECT_EQ(spec.parameters(), 124439808 + 50257 * 768);
}

}  // namespace
}  // namespace n2g
