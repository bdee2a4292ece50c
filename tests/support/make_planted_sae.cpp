// make_planted_sae MODEL_DIR OUT_DIR: an SAE (SAELens layout, standard architecture) on
// blocks.0.hook_resid_pre of the planted model whose latents 0-3 are planted word detectors: the
// encoder column of latent i is the embedding of word i over its squared norm, its bias -0.5, so
// (the planted model's token directions being orthogonal to each other and to the positions) the
// latent is 0.5 on its word and 0 elsewhere. Latents 4-7 are dead (zero columns, bias -1).
// Writes cfg.json, sae_weights.safetensors and planted_sae.json ([{latent, token}]).
#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "n2g/model/safetensors.h"
#include "n2g/tokenizer/tokenizer.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_planted_sae MODEL_DIR OUT_DIR\n";
    return 2;
  }
  const std::string model = argv[1], out = argv[2];
  const at::Tensor w_e = n2g::SafetensorsStore::open_directory(model).read("wte.weight");  // [V, D]
  const int64_t d_model = w_e.size(1), d_sae = 8;
  const n2g::Tokenizer tokenizer = n2g::Tokenizer::from_directory(model);
  const std::vector<std::string> words = {" signal", " alpha", " charlie", " bravo"};
  at::Tensor w_enc = at::zeros({d_model, d_sae}), b_enc = at::full({d_sae}, -1.0);
  nlohmann::json planted = nlohmann::json::array();
  for (size_t i = 0; i < words.size(); ++i) {
    const at::Tensor row = w_e[tokenizer.encode(words[i]).at(0)];
    w_enc.select(1, static_cast<int64_t>(i)).copy_(row / row.dot(row));
    b_enc[static_cast<int64_t>(i)] = -0.5;
    planted.push_back({{"latent", i}, {"token", words[i]}});
  }
  std::filesystem::create_directories(out);
  n2g::write_safetensors(out + "/sae_weights.safetensors",
                         {{"W_enc", w_enc}, {"b_enc", b_enc}, {"W_dec", w_enc.t().contiguous()}, {"b_dec", at::zeros({d_model})}});
  std::ofstream(out + "/cfg.json") << nlohmann::json{{"architecture", "standard"}, {"d_in", d_model}, {"d_sae", d_sae},
                                                     {"hook_name", "blocks.0.hook_resid_pre"}, {"hook_layer", 0},
                                                     {"apply_b_dec_to_input", false}, {"normalize_activations", "none"},
                                                     {"activation_fn_str", "relu"}}
                                          .dump(2);
  std::ofstream(out + "/planted_sae.json") << planted.dump(2);
  std::cout << "planted SAE: " << out << "\n";
  return 0;
}
