// A GPT-2-format model whose weights are constructed, not trained, so that chosen MLP neurons
// implement known rules, and a corpus where those rules' patterns occur at controlled rates. The
// sweep run on them must recover the rules (the end-to-end proof).
//
// The residual stream is built from orthogonal directions, each a pair of dimensions (+v, -v) so
// every vector has zero mean: a token-identity pair per word, twelve position pairs (cos and sin
// of six frequencies, so attention can pick a relative position robustly through the LayerNorm),
// and pairs that heads and neurons write into. Layer 0 head 0 attends to the previous token,
// head 1 to a C token among the previous three; layer 1 head 0 to the previous token again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace n2g {

struct PlantedRule {
  int layer;
  int neuron;
  std::vector<std::string> activating;  // token texts it fires on
  std::vector<std::string> context;     // tokens it needs before (empty: none)
  std::string rule;                     // in words
  double expected_activation;           // hook_post on a matching token (approximate)
};

struct PlantedModel {
  std::vector<std::string> words;  // the readable vocabulary (token texts)
  std::vector<PlantedRule> rules;
};

// Writes config.json, model.safetensors, vocab.json, merges.txt and planted.json into `directory`.
PlantedModel write_planted_model(const std::string& directory, uint64_t seed);

// Writes a token dataset (FORMATS.md) of `windows` windows of `window_len` tokens for the model
// in `directory`: word-like filler with the planted patterns at fixed rates.
void write_planted_corpus(const std::string& directory, const std::string& output, int64_t windows, int64_t window_len,
                          uint64_t seed);

}  // namespace n2g
