// Writes a GPT-2-small-shaped model with random weights as a Hugging Face model directory
// (config.json, model.safetensors; no tokenizer: use a dataset made with GPT-2's, such as
// data/austen-gpt2/persuasion.h5), for measuring sweeps at GPT-2 small's size where the real
// checkpoint cannot be fetched (tools/gpu/device_check.sh).
//   build/tools/bench/n2g_bench_gpt2_small_model DIR
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "n2g/model/safetensors.h"
#include "random_model.h"

int main(int argc, char** argv) {
  using namespace n2g;
  if (argc != 2) {
    std::fprintf(stderr, "usage: n2g_bench_gpt2_small_model DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const TransformerSpec spec = bench::gpt2_small_spec();
  const ModelWeights w = bench::random_weights(spec);
  // Hugging Face GPT-2 names; its Conv1D weights are [in, out], the canonical layout.
  std::map<std::string, at::Tensor> tensors{{"wte.weight", w.w_e}, {"wpe.weight", w.w_pos},
                                            {"ln_f.weight", w.ln_f_w}, {"ln_f.bias", w.ln_f_b}};
  for (int i = 0; i < spec.n_layers; ++i) {
    const LayerWeights& l = w.layers[i];
    const std::string h = "h." + std::to_string(i) + ".";
    for (const auto& [name, tensor] : std::map<std::string, at::Tensor>{
             {"ln_1.weight", l.ln1_w}, {"ln_1.bias", l.ln1_b}, {"attn.c_attn.weight", l.w_qkv}, {"attn.c_attn.bias", l.b_qkv},
             {"attn.c_proj.weight", l.w_o}, {"attn.c_proj.bias", l.b_o}, {"ln_2.weight", l.ln2_w}, {"ln_2.bias", l.ln2_b},
             {"mlp.c_fc.weight", l.w_in}, {"mlp.c_fc.bias", l.b_in}, {"mlp.c_proj.weight", l.w_out}, {"mlp.c_proj.bias", l.b_out}})
      tensors[h + name] = tensor.contiguous();
  }
  write_safetensors((dir / "model.safetensors").string(), tensors);
  const nlohmann::json config = {{"model_type", "gpt2"}, {"architectures", {"GPT2LMHeadModel"}}, {"n_layer", spec.n_layers},
                                 {"n_head", spec.n_heads}, {"n_embd", spec.d_model}, {"n_positions", spec.n_ctx},
                                 {"n_ctx", spec.n_ctx}, {"vocab_size", spec.d_vocab}, {"layer_norm_epsilon", 1e-5},
                                 {"activation_function", "gelu_new"}, {"bos_token_id", 50256}, {"eos_token_id", 50256},
                                 {"tie_word_embeddings", true}};
  std::ofstream(dir / "config.json") << config.dump(2) << "\n";
  std::printf("random GPT-2-small model written to %s\n", dir.c_str());
  return 0;
}
