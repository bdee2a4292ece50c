#include "n2g/sweep/scan.h"

#include "n2g/base/histogram.h"

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <limits>

namespace n2g {
namespace {

constexpr int64_t kNoWindow = std::numeric_limits<int64_t>::max();

// Running top-K of one layer's swept neurons, on the model's device.
struct LayerTopK {
  at::Tensor activation;  // [n, K] descending
  at::Tensor window;      // [n, K] int64, kNoWindow where empty
  at::Tensor position;    // [n, K] int64
  at::Tensor values;      // [n, K, L] float32: the neuron's activations over each kept window
  at::Tensor positive;    // [n] double
  at::Tensor histogram;   // [n * (kHistogramBins + 1)] int64: the last bin of each neuron collects special positions
  at::Tensor nonfinite;   // [n] double: windows whose max activation is NaN or +Inf
  std::vector<int64_t> sampled;         // the layer's sampled windows, ascending
  std::vector<int64_t> sampled_seen;    // those scanned so far, ascending
  std::vector<at::Tensor> sampled_values;  // [n, s, L] float32 on the host, one per batch that held some
};

// Keeps every neuron's activations on the batch's sampled windows. values: [n, b, L] for windows
// [first, first + b).
void keep_sampled(LayerTopK& top, const at::Tensor& values, int64_t first) {
  const int64_t b = values.size(1);
  const auto begin = std::lower_bound(top.sampled.begin(), top.sampled.end(), first);
  const auto end = std::lower_bound(top.sampled.begin(), top.sampled.end(), first + b);
  if (begin == end) return;
  std::vector<int64_t> rows;
  for (auto w = begin; w != end; ++w) rows.push_back(*w - first);
  top.sampled_seen.insert(top.sampled_seen.end(), begin, end);
  const at::Tensor index = at::tensor(rows, at::kLong).to(values.device());
  top.sampled_values.push_back(values.index_select(1, index).cpu());
}

// Keeps the best K of the old entries and a batch's, ordered by (activation desc, window asc).
// The stream visits windows in increasing order, so [old | new] is already ordered by window
// wherever activations tie, and one stable sort by activation keeps that order.
// activation, window, position: [n, b]; values: [n, b, L].
void merge(LayerTopK& top, const at::Tensor& activation, const at::Tensor& window, const at::Tensor& position,
           const at::Tensor& values, int64_t k) {
  const at::Tensor a = at::cat({top.activation, activation}, 1), w = at::cat({top.window, window}, 1),
                   p = at::cat({top.position, position}, 1), v = at::cat({top.values, values}, 1);
  const at::Tensor by_value = std::get<1>(at::sort(a, /*stable=*/true, 1, /*descending=*/true)).narrow(1, 0, k);
  top.activation = a.gather(1, by_value);
  top.window = w.gather(1, by_value);
  top.position = p.gather(1, by_value);
  top.values = v.gather(1, by_value.unsqueeze(2).expand({-1, -1, v.size(2)}));
}

// The histogram bin of every value (base/histogram.h), by arithmetic rather than a search of the
// edges: v >= 0 lies above the 65 negative edges, 0, and the floor(4 log2 v) + 33 positive edges
// at or below it (0 to 65); v < 0 above the 33 - ceil(4 log2 |v|) negative edges at or below it.
// (A value within float rounding of an edge may land in the neighbouring bin.)
at::Tensor histogram_bins(const at::Tensor& values) {
  const at::Tensor v = values.to(at::kFloat);
  const at::Tensor steps = v.abs().log2() * static_cast<float>(kHistogramOctaveSteps);  // -inf at 0
  const int64_t lowest = -kHistogramLowestPower * kHistogramOctaveSteps + 1;              // 33
  const at::Tensor positive = (steps.floor() + lowest).clamp(0, kHistogramMagnitudes) + (kHistogramMagnitudes + 1);
  const at::Tensor negative = (lowest - steps.ceil()).clamp(0, kHistogramMagnitudes);
  // NaN (a broken neuron, failed later by the fit) goes to the spare bin, which nothing reads.
  return at::where(v >= 0, positive, negative).masked_fill(v.isnan(), kHistogramBins).to(at::kLong);
}

}  // namespace

ScanSlice scan_slice(int64_t windows, int64_t batch_windows, int rank, int world_size) {
  const int64_t batch = std::max<int64_t>(1, std::min(batch_windows, windows / world_size));
  const int64_t batches = (windows + batch - 1) / batch;
  return {std::min(windows, batch * (batches * rank / world_size)), std::min(windows, batch * (batches * (rank + 1) / world_size)),
          batch};
}

std::vector<NeuronCandidates> scan_windows(const Transformer& model, const TokenDataset& dataset, int64_t first,
                                           int64_t last, const SweptNeurons& neurons, const ScanOptions& options,
                                           const std::function<void(int64_t)>& progress) {
  torch::NoGradGuard no_grad;
  const auto device = model.device();
  const int64_t K = options.top_k, B = options.batch_windows, L = dataset.window_len();
  const int64_t n = static_cast<int64_t>(neurons.indices().size());
  const bool bos = options.bos >= 0;
  const bool all_selected = n == neurons.width();
  const at::Tensor selected = at::tensor(std::vector<int64_t>(neurons.indices().begin(), neurons.indices().end()), at::kLong).to(device);
  const at::Tensor specials = at::tensor(std::vector<int64_t>(options.special.begin(), options.special.end()), at::kLong).to(device);
  const std::set<int32_t> special_set(options.special.begin(), options.special.end());
  std::vector<std::string> hooks;
  std::vector<LayerTopK> tops;
  const auto long_options = at::TensorOptions().dtype(at::kLong).device(device);
  for (int32_t layer : neurons.layers()) {
    hooks.push_back(block_hook(layer, options.hook));
    tops.push_back({at::full({n, K}, -std::numeric_limits<float>::infinity(), at::TensorOptions().device(device)),
                    at::full({n, K}, kNoWindow, long_options), at::full({n, K}, -1, long_options),
                    at::zeros({n, K, L}, at::TensorOptions().device(device)),
                    at::zeros({n}, at::TensorOptions().dtype(at::kDouble).device(device)),
                    at::zeros({n * (kHistogramBins + 1)}, long_options),
                    at::zeros({n}, at::TensorOptions().dtype(at::kDouble).device(device)), {}, {}, {}});
    if (tops.size() <= options.sampled.size()) {
      tops.back().sampled = options.sampled[tops.size() - 1];
      std::sort(tops.back().sampled.begin(), tops.back().sampled.end());
    }
  }
  const at::Tensor bin_base = at::arange(n, long_options) * (kHistogramBins + 1);  // [n]
  double tokens_seen = 0;
  WindowStream stream(dataset, first, last, B);
  WindowStream::Chunk chunk;
  int64_t done = 0;
  while (stream.next(chunk)) {
    // Every batch has B rows (the last one padded with copies of its first window, dropped
    // below) so that results do not depend on where a rank's slice starts.
    at::Tensor tokens = at::from_blob(chunk.tokens.data(), {chunk.count, L}, at::kInt).to(at::kLong);
    if (chunk.count < B) tokens = at::cat({tokens, tokens.narrow(0, 0, 1).expand({B - chunk.count, L})}, 0);
    if (bos) tokens = at::cat({at::full({B, 1}, options.bos, at::kLong), tokens}, 1);
    tokens = tokens.to(device);
    // Special tokens are counted on the host, from the chunk: no device round trip per batch.
    const int64_t special_count = std::count_if(chunk.tokens.begin(), chunk.tokens.begin() + chunk.count * L,
                                                [&](int32_t t) { return special_set.count(t) > 0; });
    const bool any_special = special_count > 0;
    const ForwardOutput out = model.forward(tokens, hooks);
    const at::Tensor windows = at::arange(chunk.first, chunk.first + chunk.count, long_options).view({1, -1}).expand({n, chunk.count});
    at::Tensor usable;  // [b, L, 1], where there are special tokens
    if (any_special) {
      const at::Tensor body = bos ? tokens.narrow(1, 1, L) : tokens;  // [B, L]
      usable = at::logical_not(at::isin(body, specials)).narrow(0, 0, chunk.count).unsqueeze(2);
    }
    for (size_t l = 0; l < hooks.size(); ++l) {
      at::Tensor acts = out.hooks.at(hooks[l]).narrow(0, 0, chunk.count);                   // [b, T, d_mlp]
      if (bos) acts = acts.narrow(1, 1, L);
      if (!all_selected) acts = acts.index_select(2, selected);                               // [b, L, n]
      const at::Tensor values = acts.permute({2, 0, 1}).to(at::kFloat);                       // [n, b, L]
      // Histogram: each position's bin (edges[b-1] <= v < edges[b]), specials to the spare bin.
      at::Tensor bins = histogram_bins(acts);  // [b, L, n]
      if (any_special) bins = bins.masked_fill(at::logical_not(usable), kHistogramBins);
      tops[l].histogram += at::bincount((bins + bin_base).reshape({-1}), {}, n * (kHistogramBins + 1));
      const at::Tensor fires = acts > 0;
      tops[l].positive += (any_special ? at::logical_and(fires, usable) : fires).sum(at::IntArrayRef{0, 1}).to(at::kDouble);
      if (any_special) acts = acts.masked_fill(at::logical_not(usable), -std::numeric_limits<double>::infinity());
      const auto [peak, where] = acts.max(1);                                                // [b, n]
      // A NaN anywhere in a window makes its max NaN: a broken neuron, failed with a message.
      tops[l].nonfinite += at::logical_or(peak.isnan(), peak.isposinf()).sum(0).to(at::kDouble);
      merge(tops[l], peak.to(at::kFloat).t(), windows, where.t(), values, K);
      keep_sampled(tops[l], values, chunk.first);
    }
    tokens_seen += static_cast<double>(chunk.count * L - special_count);
    done += chunk.count;
    progress(done);
  }

  std::vector<NeuronCandidates> out;
  for (size_t l = 0; l < tops.size(); ++l) {
    const at::Tensor activation = tops[l].activation.cpu(), window = tops[l].window.cpu(), position = tops[l].position.cpu(),
                     positive = tops[l].positive.cpu(), values = tops[l].values.cpu().contiguous(),
                     histogram = tops[l].histogram.cpu().contiguous(), nonfinite = tops[l].nonfinite.cpu();
    const int64_t* counts = histogram.data_ptr<int64_t>();
    const float* value = values.data_ptr<float>();
    const at::Tensor sampled = tops[l].sampled_values.empty() ? at::zeros({n, 0, L}) : at::cat(tops[l].sampled_values, 1).contiguous();
    const int64_t s = sampled.size(1);
    const float* sampled_value = sampled.data_ptr<float>();
    const auto a = activation.accessor<float, 2>();
    const auto w = window.accessor<int64_t, 2>();
    const auto p = position.accessor<int64_t, 2>();
    for (int64_t i = 0; i < n; ++i) {
      NeuronCandidates c;
      c.neuron = neurons.first_of_layer(l) + i;
      c.positive = positive[i].item<double>();
      c.tokens = tokens_seen;
      c.nonfinite = nonfinite[i].item<double>();
      c.histogram.assign(counts + i * (kHistogramBins + 1), counts + i * (kHistogramBins + 1) + kHistogramBins);
      for (int64_t k = 0; k < K && w[i][k] != kNoWindow && std::isfinite(a[i][k]); ++k) {
        c.activation.push_back(a[i][k]);
        c.window.push_back(w[i][k]);
        c.position.push_back(static_cast<int32_t>(p[i][k]));
        const float* row = value + (i * K + k) * L;
        c.values.insert(c.values.end(), row, row + L);
      }
      c.sampled_window = tops[l].sampled_seen;
      c.sampled_values.assign(sampled_value + i * s * L, sampled_value + (i + 1) * s * L);
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace n2g
