#include "n2g/io/atlas.h"

#include <algorithm>

#include "atlas_checks.h"
#include "atlas_columns.h"
#include "n2g/errors.h"
#include "n2g/io/hdf5.h"

namespace n2g {

struct AtlasReader::File {
  h5::Handle file;
};

AtlasReader::AtlasReader(const std::string& path) : file_(std::make_unique<File>()), path_(path) {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  file_->file = h5::open_file(path, false);
  const hid_t root = file_->file;
  if (h5::has_attribute(root, "n2g_format") && h5::read_string_attribute(root, "n2g_format", path) == "atlas" &&
      h5::has_attribute(root, "format_version") && h5::read_int_attribute(root, "format_version", path) == 1)
    throw FormatError(path + ": atlas format_version 1 (written before n2g+, without random-window scores and "
                             "diagnostics) is no longer read; run n2g_sweep again to write format_version 2");
  h5::check_format(root, path, "atlas", kFormatVersion, "atlas", "n2g_sweep writes atlases");
  if (h5::read_int_attribute(root, "complete", path) != 1) throw FormatError(path + ": the atlas is incomplete");
  for (const auto& a : kHeaderText) header_.*a.field = h5::read_string_attribute(root, a.name, path);
  for (const auto& a : kHeaderNumbers) header_.*a.field = h5::read_int_attribute(root, a.name, path);
  if (h5::has_attribute(root, "parameters")) header_.parameters = h5::read_int_attribute(root, "parameters", path);
  if (h5::has_attribute(root, "run_identity"))
    header_.run_identity = h5::read_string_attribute(root, "run_identity", path);
  if (h5::has_attribute(root, "sae")) {
    header_.sae = h5::read_string_attribute(root, "sae", path);
    header_.sae_hook = h5::read_string_attribute(root, "sae_hook", path);
    header_.sae_architecture = h5::read_string_attribute(root, "sae_architecture", path);
  }
  for (const char* required : {"/neurons/status", "/examples/window", "/stats/firing_f1", "/graphs/node_offset",
                               "/graphs/token", "/index/activating/offsets", "/index/context/offsets", "/vocab"})
    if (!h5::exists(root, required)) throw FormatError(path + ": dataset " + required + " is missing");
  layer_ = h5::read_dataset<int32_t>(root, "/neurons/layer", path);
  index_ = h5::read_dataset<int32_t>(root, "/neurons/index", path);
  header_.n_neurons = static_cast<int64_t>(layer_.size());
  header_.vocab = h5::read_strings(h5::open_dataset(root, "/vocab", path), path + ": /vocab");
  check_atlas_consistency(file_->file, path_, static_cast<int64_t>(header_.vocab.size()), layer_.size(), index_);
}


AtlasReader::~AtlasReader() {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  file_.reset();
}
AtlasReader::AtlasReader(AtlasReader&&) noexcept = default;

std::optional<int64_t> AtlasReader::find(int32_t layer, int32_t index) const {
  for (size_t r = 0; r < layer_.size(); ++r)
    if (layer_[r] == layer && index_[r] == index) return static_cast<int64_t>(r);
  return std::nullopt;
}

namespace {

template <class T>
T one(hid_t file, const std::string& path, int64_t row, const std::string& file_name) {
  return h5::read_rows<T>(h5::open_dataset(file, path, file_name), row, 1)[0];
}

}  // namespace

AtlasRow AtlasReader::row(int64_t row) const {
  if (row < 0 || row >= rows()) throw FormatError(path_ + ": row " + std::to_string(row) + " is outside the atlas's " + std::to_string(rows()));
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  const hid_t f = file_->file;
  AtlasRow r;
  r.layer = layer_[row];
  r.index = index_[row];
  r.status = one<uint8_t>(f, "/neurons/status", row, path_);
  r.error = h5::read_strings(h5::open_dataset(f, "/neurons/error", path_), {static_cast<hsize_t>(row)}, path_)[0];
  r.max_activation = one<float>(f, "/neurons/max_activation", row, path_);
  r.density = one<float>(f, "/neurons/density", row, path_);
  r.example_window = h5::read_rows<int64_t>(h5::open_dataset(f, "/examples/window", path_), row, 1);
  r.example_position = h5::read_rows<int32_t>(h5::open_dataset(f, "/examples/position", path_), row, 1);
  r.example_activation = h5::read_rows<float>(h5::open_dataset(f, "/examples/activation", path_), row, 1);
  r.example_split = h5::read_rows<uint8_t>(h5::open_dataset(f, "/examples/split", path_), row, 1);
  for (const auto& c : kScoreColumns) r.*c.scores.*c.field = one<float>(f, c.path, row, path_);
  for (const auto& c : kFloatColumns) r.*c.field = one<float>(f, c.path, row, path_);
  for (const auto& c : kOptionalFloatColumns)
    if (h5::exists(f, c.path)) r.*c.field = one<float>(f, c.path, row, path_);
  for (const auto& c : kCountColumns) r.*c.field = one<int64_t>(f, c.path, row, path_);
  const auto rows_of = [&](auto& field, const char* dataset) {
    using T = typename std::remove_reference_t<decltype(field)>::value_type;
    field = h5::read_rows<T>(h5::open_dataset(f, dataset, path_), row, 1);
  };
  rows_of(r.example_start, "/examples/start");
  rows_of(r.example_tokens, "/examples/tokens");
  rows_of(r.example_values, "/examples/values");
  r.example_scale = one<float>(f, "/examples/scale", row, path_);
  rows_of(r.quantile_window, "/quantiles/window");
  rows_of(r.quantile_activation, "/quantiles/activation");
  rows_of(r.quantile_start, "/quantiles/start");
  rows_of(r.quantile_tokens, "/quantiles/tokens");
  rows_of(r.quantile_values, "/quantiles/values");
  rows_of(r.histogram, "/histogram/counts");
  r.share_above_half_max = one<float>(f, "/histogram/share_above_half_max", row, path_);
  rows_of(r.output_tokens, "/output/tokens");
  rows_of(r.output_values, "/output/values");
  rows_of(r.similar_rows, "/similar/rows");
  rows_of(r.similar_scores, "/similar/scores");
  const int64_t offset = one<int64_t>(f, "/graphs/node_offset", row, path_);
  const int32_t count = one<int32_t>(f, "/graphs/node_count", row, path_);
  r.graph.token = h5::read_rows<int32_t>(h5::open_dataset(f, "/graphs/token", path_), offset, count);
  r.graph.parent = h5::read_rows<int32_t>(h5::open_dataset(f, "/graphs/parent", path_), offset, count);
  r.graph.importance = h5::read_rows<float>(h5::open_dataset(f, "/graphs/importance", path_), offset, count);
  r.graph.end_activation = h5::read_rows<float>(h5::open_dataset(f, "/graphs/end_activation", path_), offset, count);
  r.graph.activator = h5::read_rows<uint8_t>(h5::open_dataset(f, "/graphs/activator", path_), offset, count);
  return r;
}

RunTimings AtlasReader::run() const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  h5::Handle group(N2G_H5(H5Gopen2(file_->file, "/run", H5P_DEFAULT), path_ + ": /run"));
  RunTimings t;
  // Atlases written before the cost figures and the reproducible mode lack them: left at 0 / "".
  for (const auto& a : kRunNumbers)
    if (h5::has_attribute(group, a.name)) t.*a.field = h5::read_float_attribute(group, a.name, path_);
  for (const auto& a : kRunText)
    if (h5::has_attribute(group, a.name)) t.*a.field = h5::read_string_attribute(group, a.name, path_);
  const auto seconds = h5::read_dataset<double>(file_->file, "/run/rank_seconds", path_);
  for (size_t i = 0; i + 4 <= seconds.size(); i += 4) t.rank_seconds.emplace_back(seconds.begin() + i, seconds.begin() + i + 4);
  return t;
}

std::vector<float> AtlasReader::float_column(const std::string& path) const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  return h5::read_dataset<float>(file_->file, path, path_);
}

bool AtlasReader::has_dataset(const std::string& path) const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  return h5::exists(file_->file, path);
}

std::vector<int32_t> AtlasReader::int_column(const std::string& path) const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  return h5::read_dataset<int32_t>(file_->file, path, path_);
}

std::vector<int64_t> AtlasReader::int64_column(const std::string& path) const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  return h5::read_dataset<int64_t>(file_->file, path, path_);
}

std::vector<std::string> AtlasReader::string_column(const std::string& path) const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  return h5::read_strings(h5::open_dataset(file_->file, path, path_), path_ + ": " + path);
}

std::vector<FlatGraph> AtlasReader::graphs() const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  const hid_t f = file_->file;
  const auto offset = h5::read_dataset<int64_t>(f, "/graphs/node_offset", path_);
  const auto count = h5::read_dataset<int32_t>(f, "/graphs/node_count", path_);
  const auto token = h5::read_dataset<int32_t>(f, "/graphs/token", path_);
  const auto parent = h5::read_dataset<int32_t>(f, "/graphs/parent", path_);
  const auto importance = h5::read_dataset<float>(f, "/graphs/importance", path_);
  const auto end = h5::read_dataset<float>(f, "/graphs/end_activation", path_);
  const auto activator = h5::read_dataset<uint8_t>(f, "/graphs/activator", path_);
  std::vector<FlatGraph> out(offset.size());
  for (size_t r = 0; r < offset.size(); ++r) {
    const auto slice = [&](const auto& values) {
      return std::vector<typename std::decay_t<decltype(values)>::value_type>(values.begin() + offset[r],
                                                                             values.begin() + offset[r] + count[r]);
    };
    out[r] = {slice(token), slice(parent), slice(importance), slice(end), slice(activator)};
  }
  return out;
}

std::vector<int32_t> AtlasReader::index_entry(const std::string& group, int32_t token) const {
  if (token < 0 || token >= static_cast<int32_t>(header_.vocab.size()))
    throw FormatError("token id " + std::to_string(token) + " is outside the atlas's vocabulary (" +
                      std::to_string(header_.vocab.size()) + ")");
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  const auto bounds = h5::read_rows<int64_t>(h5::open_dataset(file_->file, group + "/offsets", path_), token, 2);
  return h5::read_rows<int32_t>(h5::open_dataset(file_->file, group + "/neurons", path_), bounds[0], bounds[1] - bounds[0]);
}

std::vector<int32_t> AtlasReader::rows_activating_on(int32_t token) const { return index_entry("/index/activating", token); }
std::vector<int32_t> AtlasReader::rows_with_context(int32_t token) const { return index_entry("/index/context", token); }

}  // namespace n2g
