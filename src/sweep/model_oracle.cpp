#include "n2g/sweep/model_oracle.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace n2g {

ModelOracle::ModelOracle(const Transformer& model, int layer, const std::string& hook_kind, int32_t bos, int64_t batch_tokens,
                         MaskedPath masked_path)
    : model_(model), hook_(block_hook(layer, hook_kind)), bos_(bos), batch_tokens_(batch_tokens) {
  model_.resolve_hook(hook_);
  // n2g_bench_fit (one CPU core): on the demo model (d_model 128) the prefix saved 27% of saliency's
  // tokens but no time (each masked position is one more forward call, whose fixed cost there is
  // worth about 40 tokens); on the GPT-2-small shape (768) it saved 41% of them and 11% of the fit.
  // Untried on GPUs, where a call's fixed cost is larger still.
  prefix_ = masked_path == MaskedPath::prefix ||
            (masked_path == MaskedPath::by_model && model.device().is_cpu() && model.spec().d_model >= 512);
}

std::vector<std::vector<size_t>> ModelOracle::plan(const std::vector<const std::vector<int32_t>*>& sequences) const {
  std::map<size_t, std::vector<size_t>> by_length;
  for (size_t i = 0; i < sequences.size(); ++i) by_length[sequences[i]->size()].push_back(i);
  std::vector<std::vector<size_t>> batches;
  for (const auto& [length, rows] : by_length) {
    const size_t per_batch = std::max<size_t>(1, batch_tokens_ / (length + (bos_ >= 0 ? 1 : 0) + 1));
    for (size_t start = 0; start < rows.size(); start += per_batch)
      batches.emplace_back(rows.begin() + start, rows.begin() + std::min(rows.size(), start + per_batch));
  }
  return batches;
}

at::Tensor ModelOracle::input(const std::vector<const std::vector<int32_t>*>& sequences, const std::vector<size_t>& rows) const {
  const int64_t length = static_cast<int64_t>(sequences[rows[0]]->size()) + (bos_ >= 0 ? 1 : 0);
  std::vector<int64_t> flat;
  flat.reserve(rows.size() * length);
  for (size_t row : rows) {
    if (bos_ >= 0) flat.push_back(bos_);
    flat.insert(flat.end(), sequences[row]->begin(), sequences[row]->end());
  }
  return at::tensor(flat, at::kLong).view({static_cast<int64_t>(rows.size()), length}).to(model_.device());
}

at::Tensor ModelOracle::hook_columns(std::map<int32_t, int64_t>& column_of) const {
  if (!model_.computes_columns_alone(hook_)) {
    for (auto& [neuron, column] : column_of) column = neuron;
    return {};
  }
  std::vector<int64_t> neurons;
  for (auto& [neuron, column] : column_of) {
    column = static_cast<int64_t>(neurons.size());
    neurons.push_back(neuron);
  }
  return at::tensor(neurons, at::kLong).to(model_.device());
}

std::vector<std::vector<float>> ModelOracle::masked_activations(const std::vector<NeuronSequence>& prompts,
                                                                int32_t mask_token,
                                                                const std::vector<MaskedVariant>& variants) {
  if (!prefix_) return ActivationOracle::masked_activations(prompts, mask_token, variants);
  torch::NoGradGuard no_grad;
  // Each distinct prompt runs once, recording its keys and values; each variant then runs only
  // from its masked position on, after those of the positions before it.
  std::map<std::vector<int32_t>, size_t> unique_index;
  std::vector<const std::vector<int32_t>*> unique;
  std::vector<std::vector<size_t>> variants_of;  // [unique prompt] -> variants
  for (size_t v = 0; v < variants.size(); ++v) {
    const auto [entry, inserted] = unique_index.emplace(prompts[variants[v].prompt].tokens, unique.size());
    if (inserted) {
      unique.push_back(&entry->first);
      variants_of.emplace_back();
    }
    variants_of[entry->second].push_back(v);
  }
  std::vector<std::vector<float>> out(variants.size());
  const int64_t skip = bos_ >= 0 ? 1 : 0;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& rows : plan(unique)) {  // prompts of one length
    const int64_t length = static_cast<int64_t>(unique[rows[0]]->size());
    if (length == 0) continue;
    std::map<int32_t, int64_t> column_of;
    std::map<int32_t, std::vector<std::pair<int64_t, size_t>>> at_position;  // masked position -> (row, variant)
    for (size_t r = 0; r < rows.size(); ++r)
      for (size_t v : variants_of[rows[r]]) {
        column_of.emplace(prompts[variants[v].prompt].neuron, 0);
        at_position[variants[v].position].emplace_back(static_cast<int64_t>(r), v);
      }
    const at::Tensor columns = hook_columns(column_of);
    const at::Tensor tokens = input(unique, rows);  // [G, skip + length]
    AttentionKeys keys;
    const at::Tensor whole = model_.forward_continuing(tokens, {hook_}, columns, nullptr, &keys)
                                 .hooks.at(hook_).narrow(1, skip, length).to(at::kFloat).cpu();  // [G, length, n]
    forward_tokens_ += tokens.numel();
    const auto before = whole.accessor<float, 3>();
    for (const auto& [k, members] : at_position) {
      std::vector<int64_t> group_rows;  // the rows masked at k, each once
      std::map<int64_t, int64_t> index_of;
      for (const auto& [r, v] : members)
        if (index_of.emplace(r, static_cast<int64_t>(group_rows.size())).second) group_rows.push_back(r);
      const at::Tensor index = at::tensor(group_rows, at::kLong).to(model_.device());
      at::Tensor suffix = tokens.index_select(0, index).narrow(1, skip + k, length - k).clone();  // [R, length - k]
      suffix.select(1, 0).fill_(mask_token);
      AttentionKeys prefix;
      for (const LayerKeys& layer : keys)
        prefix.push_back({layer.keys.index_select(0, index).narrow(2, 0, skip + k),
                          layer.values.index_select(0, index).narrow(2, 0, skip + k)});
      const at::Tensor after = model_.forward_continuing(suffix, {hook_}, columns, skip + k > 0 ? &prefix : nullptr, nullptr)
                                   .hooks.at(hook_).to(at::kFloat).cpu();  // [R, length - k, n]
      forward_tokens_ += suffix.numel();
      const auto rest = after.accessor<float, 3>();
      for (const auto& [r, v] : members) {
        const int64_t c = column_of.at(prompts[variants[v].prompt].neuron), i = index_of.at(r);
        auto& values = out[v];
        values.resize(length);
        for (int64_t j = 0; j < k; ++j) values[j] = before[r][j][c];
        for (int64_t j = k; j < length; ++j) values[j] = rest[i][j - k][c];
      }
    }
  }
  forward_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::vector<std::vector<float>> ModelOracle::activations(const std::vector<NeuronSequence>& batch) {
  torch::NoGradGuard no_grad;
  // A sequence asked for by several neurons runs once; every neuron reads its own column.
  std::map<std::vector<int32_t>, size_t> unique_index;
  std::vector<const std::vector<int32_t>*> unique;
  std::vector<size_t> unique_of(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto [entry, inserted] = unique_index.emplace(batch[i].tokens, unique.size());
    if (inserted) unique.push_back(&entry->first);
    unique_of[i] = entry->second;
  }
  std::vector<std::vector<size_t>> requests_of(unique.size());
  for (size_t i = 0; i < batch.size(); ++i) requests_of[unique_of[i]].push_back(i);

  // Every batch's picked columns stay on the device until one copy to the host at the end (into
  // pinned memory on CUDA): one wait for the device per call, not one per batch.
  std::vector<at::Tensor> picked;       // [requests * L] per batch, float32 on the device
  std::vector<std::pair<int64_t, int64_t>> placed(batch.size(), {-1, 0});  // (offset, length)
  int64_t total = 0;
  const int64_t skip = bos_ >= 0 ? 1 : 0;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& rows : plan(unique)) {
    const int64_t length = static_cast<int64_t>(unique[rows[0]]->size());
    if (length == 0) continue;
    std::map<int32_t, int64_t> column_of;
    for (size_t row : rows)
      for (size_t i : requests_of[row]) column_of.emplace(batch[i].neuron, 0);
    const at::Tensor columns = hook_columns(column_of);
    const at::Tensor tokens = input(unique, rows);
    at::Tensor hook = model_.forward_columns(tokens, {hook_}, columns).hooks.at(hook_).narrow(1, skip, length);  // [b, L, n]
    std::vector<int64_t> flat_index;
    const int64_t width = hook.size(2);
    for (size_t r = 0; r < rows.size(); ++r)
      for (size_t i : requests_of[rows[r]]) {
        flat_index.push_back(static_cast<int64_t>(r) * width + column_of.at(batch[i].neuron));
        placed[i] = {total, length};
        total += length;
      }
    picked.push_back(hook.permute({0, 2, 1})
                         .reshape({-1, length})
                         .index_select(0, at::tensor(flat_index, at::kLong).to(hook.device()))
                         .to(at::kFloat)
                         .reshape({-1}));  // [requests * L]
    forward_tokens_ += tokens.numel();
  }
  std::vector<std::vector<float>> out(batch.size());
  if (picked.empty()) return out;
  const at::Tensor on_device = at::cat(picked);
  at::Tensor host = at::empty({total}, at::TensorOptions().dtype(at::kFloat).pinned_memory(on_device.is_cuda()));
  host.copy_(on_device);
  forward_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const float* data = host.data_ptr<float>();
  for (size_t i = 0; i < batch.size(); ++i)
    if (placed[i].first >= 0) out[i].assign(data + placed[i].first, data + placed[i].first + placed[i].second);
  return out;
}

std::vector<std::vector<int32_t>> ModelOracle::substitutes(const std::vector<SubstituteRequest>& requests,
                                                           AugmentMethod method, int max_candidates, double min_prob) {
  torch::NoGradGuard no_grad;
  if (method == AugmentMethod::lm) return lm_substitutes(requests, max_candidates, min_prob);
  if (method == AugmentMethod::embedding) return embedding_substitutes(requests, max_candidates);
  return std::vector<std::vector<int32_t>>(requests.size());
}

std::vector<std::vector<int32_t>> ModelOracle::lm_substitutes(const std::vector<SubstituteRequest>& requests,
                                                              int max_candidates, double min_prob) {
  std::vector<const std::vector<int32_t>*> prefixes;
  for (const auto& r : requests) prefixes.push_back(&r.prefix);
  std::vector<std::vector<int32_t>> out(requests.size());
  for (const auto& rows : plan(prefixes)) {
    if (prefixes[rows[0]]->empty() && bos_ < 0) continue;  // no context to predict from
    const auto start = std::chrono::steady_clock::now();
    const at::Tensor tokens = input(prefixes, rows);
    const at::Tensor probabilities = at::softmax(model_.forward(tokens, {}, Logits::last).logits.to(at::kFloat), -1);
    forward_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    forward_tokens_ += tokens.numel();
    const auto [values, ids] = probabilities.topk(std::min<int64_t>(max_candidates, probabilities.size(1)), 1);
    const at::Tensor v = values.cpu(), id = ids.cpu();
    const auto va = v.accessor<float, 2>();
    const auto ia = id.accessor<int64_t, 2>();
    for (size_t r = 0; r < rows.size(); ++r)
      for (int64_t k = 0; k < v.size(1) && va[r][k] >= min_prob; ++k) out[rows[r]].push_back(static_cast<int32_t>(ia[r][k]));
  }
  return out;
}

std::vector<std::vector<int32_t>> ModelOracle::embedding_substitutes(const std::vector<SubstituteRequest>& requests,
                                                                     int max_candidates) {
  if (!normalized_embedding_.defined()) {
    const at::Tensor e = model_.embedding().to(at::kFloat);
    normalized_embedding_ = e / e.norm(2, 1, true).clamp_min(1e-12);
  }
  std::vector<std::vector<int32_t>> out(requests.size());
  const int64_t chunk = 256;
  for (size_t first = 0; first < requests.size(); first += chunk) {
    std::vector<int64_t> originals;
    for (size_t r = first; r < std::min(requests.size(), first + chunk); ++r) originals.push_back(requests[r].original);
    const at::Tensor query = at::tensor(originals, at::kLong).to(normalized_embedding_.device());
    at::Tensor similarity = at::matmul(normalized_embedding_.index_select(0, query), normalized_embedding_.t());  // [r, V]
    similarity.scatter_(1, query.view({-1, 1}), -2.0);  // never the token itself
    const at::Tensor ids = std::get<1>(similarity.topk(std::min<int64_t>(max_candidates, similarity.size(1)), 1)).cpu();
    const auto ia = ids.accessor<int64_t, 2>();
    for (int64_t r = 0; r < ids.size(0); ++r)
      for (int64_t k = 0; k < ids.size(1); ++k) out[first + r].push_back(static_cast<int32_t>(ia[r][k]));
  }
  return out;
}

}  // namespace n2g
