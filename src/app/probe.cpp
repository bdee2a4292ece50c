#include "n2g/app/probe.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <numeric>
#include <sstream>

#include "n2g/errors.h"
#include "n2g/model/transformer.h"
#include "n2g/tokenizer/tokenizer.h"

namespace n2g {
namespace {

bool has_tokenizer(const std::string& dir) {
  namespace fs = std::filesystem;
  return fs::exists(fs::path(dir) / "tokenizer.json") ||
         (fs::exists(fs::path(dir) / "vocab.json") && fs::exists(fs::path(dir) / "merges.txt"));
}

// Escapes newlines and tabs so each token stays on one line of the table.
std::string printable(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

}  // namespace

ProbeResult probe(const ProbeRequest& request) {
  std::optional<Tokenizer> tokenizer;
  if (has_tokenizer(request.model_dir)) tokenizer = Tokenizer::from_directory(request.model_dir);
  if (request.text && !tokenizer)
    throw ModelError(request.model_dir + ": has no tokenizer (tokenizer.json or vocab.json + merges.txt); pass --tokens instead of --text");

  LoadOptions options;
  options.layers = request.layer + 1;
  options.unembed = false;
  options.device = request.device;
  const TransformerSpec spec = read_spec(request.model_dir);
  if (request.layer < 0 || request.layer >= spec.n_layers)
    throw ModelError("layer " + std::to_string(request.layer) + " does not exist (the model has " +
                     std::to_string(spec.n_layers) + " layers)");
  const Transformer model = Transformer::load(request.model_dir, options);

  ProbeResult result;
  result.hook = block_hook(request.layer, request.hook);
  model.resolve_hook(result.hook);
  if (request.prepend_bos) {
    const std::optional<int32_t> bos = spec.bos_token_id ? spec.bos_token_id : tokenizer ? tokenizer->end_of_text() : std::nullopt;
    if (!bos) throw ModelError(request.model_dir + ": config.json has no bos_token_id to prepend (use --no-bos)");
    result.tokens.push_back(*bos);
  }
  const std::vector<int32_t> body = request.text ? tokenizer->encode(*request.text) : request.tokens;
  result.tokens.insert(result.tokens.end(), body.begin(), body.end());
  if (result.tokens.empty()) throw ModelError("nothing to probe: the text or token list is empty");
  for (int32_t id : result.tokens) {
    if (id < 0 || id >= spec.d_vocab)
      throw ModelError("token id " + std::to_string(id) + " is outside the model's vocabulary (" + std::to_string(spec.d_vocab) + ")");
    result.token_text.push_back(tokenizer ? tokenizer->display(id) : "#" + std::to_string(id));
  }

  const at::Tensor input = at::tensor(std::vector<int64_t>(result.tokens.begin(), result.tokens.end()), at::kLong)
                               .view({1, -1})
                               .to(model.device());
  const at::Tensor acts = model.forward(input, {result.hook}).hooks.at(result.hook)[0].to(at::kFloat).cpu();  // [T, M]
  result.neurons = request.neurons;
  for (int32_t n : result.neurons)
    if (n < 0 || n >= spec.d_mlp)
      throw ModelError("neuron " + std::to_string(n) + " does not exist (layer " + std::to_string(request.layer) +
                       " has " + std::to_string(spec.d_mlp) + ")");
  if (result.neurons.empty()) {
    const int64_t first = request.prepend_bos && result.tokens.size() > 1 ? 1 : 0;
    const at::Tensor peak = std::get<0>(acts.narrow(0, first, acts.size(0) - first).max(0));  // [M]
    std::vector<int32_t> order(spec.d_mlp);
    std::iota(order.begin(), order.end(), 0);
    const auto value = peak.accessor<float, 1>();
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return value[a] > value[b]; });
    order.resize(std::min<size_t>(std::max(request.top, 1), order.size()));
    result.neurons = order;
  }
  for (int32_t n : result.neurons) {
    const at::Tensor column = acts.select(1, n).contiguous();
    result.activations.emplace_back(column.data_ptr<float>(), column.data_ptr<float>() + column.numel());
  }
  return result;
}

std::string probe_table(const ProbeResult& r) {
  std::ostringstream out;
  out << r.hook << "\n" << std::setw(5) << "pos" << std::setw(8) << "id" << "  " << std::left << std::setw(18) << "token"
      << std::right;
  for (int32_t n : r.neurons) out << std::setw(11) << ("n" + std::to_string(n));
  out << "\n";
  for (size_t t = 0; t < r.tokens.size(); ++t) {
    out << std::setw(5) << t << std::setw(8) << r.tokens[t] << "  " << std::left << std::setw(18)
        << ("'" + printable(r.token_text[t]) + "'") << std::right << std::fixed << std::setprecision(4);
    for (const auto& column : r.activations) out << std::setw(11) << column[t];
    out << "\n";
  }
  return out.str();
}

std::string probe_json(const ProbeResult& r) {
  nlohmann::json out;
  out["hook"] = r.hook;
  out["tokens"] = r.tokens;
  out["token_text"] = r.token_text;
  out["neurons"] = nlohmann::json::array();
  for (size_t i = 0; i < r.neurons.size(); ++i)
    out["neurons"].push_back({{"index", r.neurons[i]}, {"activations", r.activations[i]}});
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace n2g
