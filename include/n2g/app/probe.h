// What `n2g_probe` does: run a model on one text or token list and report chosen neurons'
// activations at every position, for checking a neuron by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace n2g {

struct ProbeRequest {
  std::string model_dir;
  std::optional<std::string> text;     // tokenized with the model directory's tokenizer
  std::vector<int32_t> tokens;         // used when there is no text
  int layer = 0;
  std::vector<int32_t> neurons;        // empty: the layer's `top` most active neurons
  std::string hook = "mlp.hook_post";
  int top = 5;
  bool prepend_bos = true;
  std::string device = "cpu";
};

struct ProbeResult {
  std::string hook;                          // full name, e.g. blocks.1.mlp.hook_post
  std::vector<int32_t> tokens;               // [T], BOS included when prepended
  std::vector<std::string> token_text;       // [T]
  std::vector<int32_t> neurons;              // [N]
  std::vector<std::vector<float>> activations;  // [N][T]
};

ProbeResult probe(const ProbeRequest& request);
std::string probe_table(const ProbeResult& result);
std::string probe_json(const ProbeResult& result);

}  // namespace n2g
