// make_broken_model SRC_DIR DST_DIR: a copy of a GPT-2 model directory whose layer-0 MLP neurons
// 0-4 are dead (input bias -1e4: GELU gives 0 everywhere), neuron 5 computes NaN (a NaN column of
// its input weights) and neuron 6 +Inf (input bias +Inf); every other weight is unchanged.
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>

#include <ATen/ATen.h>

#include "n2g/model/safetensors.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_broken_model SRC_DIR DST_DIR\n";
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path source = argv[1], target = argv[2];
  fs::create_directories(target);
  fs::copy_file(source / "config.json", target / "config.json", fs::copy_options::overwrite_existing);
  const auto store = n2g::SafetensorsStore::open_directory(source.string());
  std::map<std::string, at::Tensor> tensors;
  for (const auto& [name, info] : store.tensors()) tensors[name] = store.read(name).clone();
  at::Tensor bias = tensors.at("h.0.mlp.c_fc.bias");      // [d_mlp]
  at::Tensor weight = tensors.at("h.0.mlp.c_fc.weight");  // [d_model, d_mlp]
  weight.narrow(1, 0, 5).zero_();
  bias.narrow(0, 0, 5).fill_(-1e4);
  weight.select(1, 5).fill_(std::numeric_limits<float>::quiet_NaN());
  bias[6] = std::numeric_limits<float>::infinity();
  n2g::write_safetensors((target / "model.safetensors").string(), tensors);
  std::cout << "broken model: " << target.string() << "\n";
  return 0;
}
