#include "n2g/dist/exchange.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "n2g/base/bytes.h"
#include "n2g/dist/collectives.h"

namespace n2g {

namespace {

// out's sampled windows: a's and b's, ascending, each once (ranks scan disjoint slices).
void merge_sampled(const NeuronCandidates& a, const NeuronCandidates& b, NeuronCandidates& out) {
  const size_t window_len = !a.sampled_window.empty() ? a.sampled_values.size() / a.sampled_window.size()
                            : !b.sampled_window.empty() ? b.sampled_values.size() / b.sampled_window.size() : 0;
  std::vector<std::pair<int64_t, const float*>> all;
  for (const auto* c : {&a, &b})
    for (size_t i = 0; i < c->sampled_window.size(); ++i) all.emplace_back(c->sampled_window[i], c->sampled_values.data() + i * window_len);
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0 && all[i].first == all[i - 1].first) continue;
    out.sampled_window.push_back(all[i].first);
    out.sampled_values.insert(out.sampled_values.end(), all[i].second, all[i].second + window_len);
  }
}

}  // namespace

NeuronCandidates merge_candidates(const NeuronCandidates& a, const NeuronCandidates& b, int top_k) {
  NeuronCandidates out;
  out.neuron = a.neuron;
  out.positive = a.positive + b.positive;
  out.tokens = a.tokens + b.tokens;
  out.nonfinite = a.nonfinite + b.nonfinite;
  out.histogram = a.histogram.size() >= b.histogram.size() ? a.histogram : b.histogram;
  const auto& other = a.histogram.size() >= b.histogram.size() ? b.histogram : a.histogram;
  for (size_t i = 0; i < other.size(); ++i) out.histogram[i] += other[i];
  struct Entry {
    float activation;
    int64_t window;
    int32_t position;
    const float* values;  // [window_len]
  };
  const size_t window_len = !a.window.empty() ? a.values.size() / a.window.size()
                            : !b.window.empty() ? b.values.size() / b.window.size() : 0;
  std::vector<Entry> all;
  for (const auto* c : {&a, &b})
    for (size_t i = 0; i < c->window.size(); ++i)
      all.push_back({c->activation[i], c->window[i], c->position[i], c->values.data() + i * window_len});
  std::sort(all.begin(), all.end(), [](const Entry& x, const Entry& y) {
    return x.activation != y.activation ? x.activation > y.activation : x.window < y.window;
  });
  if (static_cast<int>(all.size()) > top_k) all.resize(top_k);
  for (const Entry& e : all) {
    out.activation.push_back(e.activation);
    out.window.push_back(e.window);
    out.position.push_back(e.position);
    out.values.insert(out.values.end(), e.values, e.values + window_len);
  }
  merge_sampled(a, b, out);
  return out;
}

void encode_candidates(ByteWriter& out, const NeuronCandidates& c) {
  out.fields(c.neuron, c.activation, c.window, c.position, c.values, c.positive, c.tokens, c.histogram, c.nonfinite,
            c.sampled_window, c.sampled_values);
}

NeuronCandidates decode_candidates(ByteReader& in) {
  NeuronCandidates c;
  in.fields(c.neuron, c.activation, c.window, c.position, c.values, c.positive, c.tokens, c.histogram, c.nonfinite,
            c.sampled_window, c.sampled_values);
  return c;
}

std::vector<NeuronCandidates> exchange_candidates(const std::vector<NeuronCandidates>& local, int top_k,
                                                  const RankContext& context, int64_t* sent_bytes) {
  const int world = context.world_size;
  std::vector<ByteWriter> outgoing(world);
  for (const auto& c : local) {
    encode_candidates(outgoing[owner_of(c.neuron, world)], c);
  }
  std::vector<int> send_counts(world), receive_counts(world);
  std::vector<char> send;
  const std::string what = "the exchange of scan candidates (rank " + std::to_string(context.rank) + ")";
  for (int r = 0; r < world; ++r) {
    send_counts[r] = mpi_count(outgoing[r].bytes().size(), what);
    send.insert(send.end(), outgoing[r].bytes().begin(), outgoing[r].bytes().end());
  }
  if (sent_bytes) *sent_bytes = static_cast<int64_t>(send.size());
  N2G_MPI(MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, context.comm));
  const std::vector<int> send_offsets = displacements(send_counts, what), receive_offsets = displacements(receive_counts, what);
  std::vector<char> received(std::accumulate(receive_counts.begin(), receive_counts.end(), size_t{0}));
  N2G_MPI(MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(), MPI_CHAR, received.data(),
                        receive_counts.data(), receive_offsets.data(), MPI_CHAR, context.comm));

  std::map<int64_t, NeuronCandidates> merged;
  ByteReader in(received.data(), received.size());
  while (!in.done()) {
    const NeuronCandidates c = decode_candidates(in);
    auto found = merged.find(c.neuron);
    if (found == merged.end()) merged.emplace(c.neuron, merge_candidates(c, NeuronCandidates(), top_k));
    else found->second = merge_candidates(found->second, c, top_k);
  }
  std::vector<NeuronCandidates> out;
  for (auto& entry : merged) out.push_back(std::move(entry.second));
  return out;
}

}  // namespace n2g
