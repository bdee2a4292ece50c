#include "n2g/io/atlas_row_codec.h"

namespace n2g {
namespace {

// Every field of a row, in stream order; `Row` is const when writing.
template <class Stream, class Row>
void row_fields(Stream& stream, Row& r) {
  stream.fields(r.layer, r.index, r.status, r.error, r.max_activation, r.density, r.example_window, r.example_position,
                r.example_activation, r.example_split, r.firing, r.nonfiring, r.accuracy, r.firing_count,
                r.nonfiring_count, r.token_baseline, r.ngram_baseline, r.random_firing, r.random_token_baseline,
                r.random_ngram_baseline, r.random_firing_count, r.random_nonfiring_count, r.miss_token_absent,
                r.miss_context_unmatched, r.train_firing_per_window, r.rate_threshold, r.correlation_graph_random,
                r.correlation_graph_all, r.correlation_token_random, r.correlation_token_all, r.example_start, r.example_tokens, r.example_values,
                r.example_scale, r.quantile_window, r.quantile_activation, r.quantile_start, r.quantile_tokens,
                r.quantile_values, r.histogram, r.share_above_half_max, r.output_tokens, r.output_values, r.graph.token, r.graph.parent,
                r.graph.importance, r.graph.end_activation, r.graph.activator);
}

}  // namespace

void encode_row(ByteWriter& out, int64_t row, const AtlasRow& data) {
  out.put(row);
  row_fields(out, data);
}

std::pair<int64_t, AtlasRow> decode_row(ByteReader& in) {
  std::pair<int64_t, AtlasRow> out;
  in.get(out.first);
  row_fields(in, out.second);
  return out;
}

}  // namespace n2g
