// The scan's per-neuron candidates and the exchange that brings every neuron's candidates from all
// ranks to its owner, merged into the global top-K.
#pragma once

#include <cstdint>
#include <vector>

#include "n2g/base/bytes.h"
#include "n2g/dist/rank_context.h"

namespace n2g {

// One neuron's best windows, in the order (activation descending, window ascending), at most K.
struct NeuronCandidates {
  int64_t neuron = 0;              // position in the sweep's (layer, index) order
  std::vector<float> activation;   // the window's max activation
  std::vector<int64_t> window;
  std::vector<int32_t> position;   // argmax position within the window
  std::vector<float> values;       // [windows, window_len]: the neuron's activation at every position of each window
  double positive = 0;             // scanned tokens with activation > 0
  double tokens = 0;               // scanned tokens
  std::vector<int64_t> histogram;  // [kHistogramBins] scanned positions per bin (base/histogram.h); empty: none
  double nonfinite = 0;            // scanned windows whose max activation was NaN or +Inf (a broken neuron)
  // The neuron's activations on its layer's sampled windows (the fit's random windows), ascending
  // by window: sampled_values is [sampled_window.size(), window_len].
  std::vector<int64_t> sampled_window;
  std::vector<float> sampled_values;
};

void encode_candidates(ByteWriter& out, const NeuronCandidates& candidates);
NeuronCandidates decode_candidates(ByteReader& in);

// Merges two candidate lists of the same neuron into the best K, ties broken by lower window, and
// the union of their sampled windows.
NeuronCandidates merge_candidates(const NeuronCandidates& a, const NeuronCandidates& b, int top_k);

// Collective: `local` holds this rank's candidates for neurons of the sweep (any subset, any
// order); returns the merged candidates of every neuron this rank owns (n mod world == rank) that
// any rank reported, ascending by neuron.
// `sent_bytes`, when given, receives the bytes this rank sent (to itself included).
std::vector<NeuronCandidates> exchange_candidates(const std::vector<NeuronCandidates>& local, int top_k,
                                                  const RankContext& context, int64_t* sent_bytes = nullptr);

}  // namespace n2g
