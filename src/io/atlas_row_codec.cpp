#include "n2g/io/atlas_row_codec.h"

namespace n2g {

void encode_row(ByteWriter& w, int64_t row, const AtlasRow& r) {
  w.put(row);
  w.put(r.layer);
  w.put(r.index);
  w.put(r.status);
  w.put(r.error);
  w.put(r.max_activation);
  w.put(r.density);
  w.put(r.example_window);
  w.put(r.example_position);
  w.put(r.example_activation);
  w.put(r.example_split);
  w.put(r.firing);
  w.put(r.nonfiring);
  w.put(r.accuracy);
  w.put(r.firing_count);
  w.put(r.nonfiring_count);
  w.put(r.token_baseline);
  w.put(r.ngram_baseline);
  w.put(r.graph.token);
  w.put(r.graph.parent);
  w.put(r.graph.importance);
  w.put(r.graph.end_activation);
  w.put(r.graph.activator);
}

std::pair<int64_t, AtlasRow> decode_row(ByteReader& in) {
  std::pair<int64_t, AtlasRow> out;
  AtlasRow& r = out.second;
  in.get(out.first);
  in.get(r.layer);
  in.get(r.index);
  in.get(r.status);
  in.get(r.error);
  in.get(r.max_activation);
  in.get(r.density);
  in.get(r.example_window);
  in.get(r.example_position);
  in.get(r.example_activation);
  in.get(r.example_split);
  in.get(r.firing);
  in.get(r.nonfiring);
  in.get(r.accuracy);
  in.get(r.firing_count);
  in.get(r.nonfiring_count);
  in.get(r.token_baseline);
  in.get(r.ngram_baseline);
  in.get(r.graph.token);
  in.get(r.graph.parent);
  in.get(r.graph.importance);
  in.get(r.graph.end_activation);
  in.get(r.graph.activator);
  return out;
}

}  // namespace n2g
