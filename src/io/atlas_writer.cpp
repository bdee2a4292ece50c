#include "n2g/io/atlas.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <limits>
#include <filesystem>
#include <map>
#include <set>

#include "atlas_columns.h"
#include "n2g/base/bytes.h"
#include "n2g/base/histogram.h"
#include "n2g/dist/collectives.h"
#include "n2g/errors.h"
#include "n2g/graph/similarity.h"
#include "n2g/io/atlas_row_codec.h"
#include "n2g/io/hdf5.h"
#include "n2g/io/staged.h"

namespace n2g {
namespace {

using Runs = std::vector<std::pair<hsize_t, hsize_t>>;  // (first row, count), ascending

template <class T>
void create(hid_t file, const std::string& path, std::vector<hsize_t> shape) {
  h5::ensure_groups(file, path);
  h5::write_dataset<T>(file, path, shape, {});
}

// Writes this rank's rows (`runs` of a dataset whose rows have the shape `inner`); collective when
// `xfer` says so, in which case every rank calls it, with or without rows.
template <class T>
void write_runs(hid_t file, const std::string& path, const Runs& runs, const std::vector<hsize_t>& inner,
                const std::vector<T>& data, hid_t xfer) {
  const std::string where = h5::in_file(file, path);
  h5::Handle dataset(N2G_H5(H5Dopen2(file, path.c_str(), H5P_DEFAULT), where));
  hsize_t elements_in_file = 1;
  for (hsize_t d : h5::dims(dataset)) elements_in_file *= d;
  if (elements_in_file == 0) return;  // e.g. the node arrays of an all-dead sweep: nothing to write, on any rank
  h5::Handle file_space(H5Dget_space(dataset));
  N2G_H5(H5Sselect_none(file_space), where);
  for (const auto& [first, count] : runs) {
    std::vector<hsize_t> start(inner.size() + 1, 0), extent{count};
    start[0] = first;
    extent.insert(extent.end(), inner.begin(), inner.end());
    N2G_H5(H5Sselect_hyperslab(file_space, H5S_SELECT_OR, start.data(), nullptr, extent.data(), nullptr), where);
  }
  const hsize_t elements = std::max<hsize_t>(data.size(), 1);
  h5::Handle memory_space(H5Screate_simple(1, &elements, nullptr));
  if (data.empty()) N2G_H5(H5Sselect_none(memory_space), where);
  N2G_H5(H5Dwrite(dataset, h5::native_type<T>(), memory_space, file_space, xfer, data.empty() ? nullptr : data.data()), where);
}

template <class T>
void write_runs(hid_t file, const std::string& path, const Runs& runs, hsize_t width, const std::vector<T>& data, hid_t xfer) {
  write_runs(file, path, runs, std::vector<hsize_t>{width}, data, xfer);
}

Runs row_runs(const std::vector<int64_t>& rows) {
  Runs runs;
  for (int64_t row : rows) {
    if (!runs.empty() && runs.back().first + runs.back().second == static_cast<hsize_t>(row)) ++runs.back().second;
    else runs.emplace_back(row, 1);
  }
  return runs;
}

// Every numeric dataset: created by all ranks, then filled with `rows` (sorted by row).
void write_numeric(hid_t file, const AtlasHeader& header, const std::vector<std::pair<int64_t, AtlasRow>>& rows,
                   const std::vector<int64_t>& node_offset, int64_t total_nodes, hid_t xfer) {
  const hsize_t N = header.n_neurons, K = header.top_k, M = total_nodes;
  create<int32_t>(file, "/neurons/layer", {N});
  create<int32_t>(file, "/neurons/index", {N});
  create<uint8_t>(file, "/neurons/status", {N});
  create<float>(file, "/neurons/max_activation", {N});
  create<float>(file, "/neurons/density", {N});
  create<int64_t>(file, "/examples/window", {N, K});
  create<int32_t>(file, "/examples/position", {N, K});
  create<float>(file, "/examples/activation", {N, K});
  create<uint8_t>(file, "/examples/split", {N, K});
  for (const auto& column : kScoreColumns) create<float>(file, column.path, {N});
  for (const auto& column : kFloatColumns) create<float>(file, column.path, {N});
  for (const auto& column : kOptionalFloatColumns) create<float>(file, column.path, {N});
  for (const auto& column : kCountColumns) create<int64_t>(file, column.path, {N});
  const hsize_t W = kExampleWidth, Q = kQuantileExamples, O = 2 * kOutputTokens;
  create<int32_t>(file, "/examples/start", {N, K});
  create<int32_t>(file, "/examples/tokens", {N, K, W});
  create<int8_t>(file, "/examples/values", {N, K, W});
  create<float>(file, "/examples/scale", {N});
  create<int64_t>(file, "/quantiles/window", {N, Q});
  create<float>(file, "/quantiles/activation", {N, Q});
  create<int32_t>(file, "/quantiles/start", {N, Q});
  create<int32_t>(file, "/quantiles/tokens", {N, Q, W});
  create<int8_t>(file, "/quantiles/values", {N, Q, W});
  create<int64_t>(file, "/histogram/counts", {N, kHistogramBins});
  create<float>(file, "/histogram/share_above_half_max", {N});
  create<int32_t>(file, "/output/tokens", {N, O});
  create<float>(file, "/output/values", {N, O});
  create<int64_t>(file, "/graphs/node_offset", {N});
  create<int32_t>(file, "/graphs/node_count", {N});
  create<int32_t>(file, "/graphs/token", {M});
  create<int32_t>(file, "/graphs/parent", {M});
  create<float>(file, "/graphs/importance", {M});
  create<float>(file, "/graphs/end_activation", {M});
  create<uint8_t>(file, "/graphs/activator", {M});

  std::vector<int64_t> row_numbers;
  for (const auto& entry : rows) row_numbers.push_back(entry.first);
  const Runs runs = row_runs(row_numbers);
  const auto column = [&](auto get) {
    std::vector<decltype(get(rows.front().second))> out;
    for (const auto& entry : rows) out.push_back(get(entry.second));
    return out;
  };
  // A fixed-size field of every row, concatenated ([rows * size]).
  const auto fixed = [&](auto member, size_t size, const char* what) {
    std::vector<typename std::remove_reference_t<decltype(rows.front().second.*member)>::value_type> out;
    for (const auto& entry : rows) {
      const auto& values = entry.second.*member;
      if (values.size() != size)
        throw FormatError("atlas row " + std::to_string(entry.first) + " has " + std::to_string(values.size()) + " " + what +
                          " values, expected " + std::to_string(size));
      out.insert(out.end(), values.begin(), values.end());
    }
    return out;
  };
  const auto examples = [&](auto member) { return fixed(member, K, "example"); };
  // Every rank calls every write, with or without rows: the writes are collective.
  write_runs(file, "/neurons/layer", runs, 1, column([](const AtlasRow& r) { return r.layer; }), xfer);
  write_runs(file, "/neurons/index", runs, 1, column([](const AtlasRow& r) { return r.index; }), xfer);
  write_runs(file, "/neurons/status", runs, 1, column([](const AtlasRow& r) { return r.status; }), xfer);
  write_runs(file, "/neurons/max_activation", runs, 1, column([](const AtlasRow& r) { return r.max_activation; }), xfer);
  write_runs(file, "/neurons/density", runs, 1, column([](const AtlasRow& r) { return r.density; }), xfer);
  write_runs(file, "/examples/window", runs, K, examples(&AtlasRow::example_window), xfer);
  write_runs(file, "/examples/position", runs, K, examples(&AtlasRow::example_position), xfer);
  write_runs(file, "/examples/activation", runs, K, examples(&AtlasRow::example_activation), xfer);
  write_runs(file, "/examples/split", runs, K, examples(&AtlasRow::example_split), xfer);
  write_runs(file, "/examples/start", runs, K, examples(&AtlasRow::example_start), xfer);
  write_runs(file, "/examples/tokens", runs, {K, W}, fixed(&AtlasRow::example_tokens, K * W, "example token"), xfer);
  write_runs(file, "/examples/values", runs, {K, W}, fixed(&AtlasRow::example_values, K * W, "example activation"), xfer);
  write_runs(file, "/examples/scale", runs, 1, column([](const AtlasRow& r) { return r.example_scale; }), xfer);
  write_runs(file, "/quantiles/window", runs, Q, fixed(&AtlasRow::quantile_window, Q, "quantile window"), xfer);
  write_runs(file, "/quantiles/activation", runs, Q, fixed(&AtlasRow::quantile_activation, Q, "quantile activation"), xfer);
  write_runs(file, "/quantiles/start", runs, Q, fixed(&AtlasRow::quantile_start, Q, "quantile start"), xfer);
  write_runs(file, "/quantiles/tokens", runs, {Q, W}, fixed(&AtlasRow::quantile_tokens, Q * W, "quantile token"), xfer);
  write_runs(file, "/quantiles/values", runs, {Q, W}, fixed(&AtlasRow::quantile_values, Q * W, "quantile activation"), xfer);
  write_runs(file, "/histogram/counts", runs, kHistogramBins, fixed(&AtlasRow::histogram, kHistogramBins, "histogram"), xfer);
  write_runs(file, "/histogram/share_above_half_max", runs, 1, column([](const AtlasRow& r) { return r.share_above_half_max; }), xfer);
  write_runs(file, "/output/tokens", runs, O, fixed(&AtlasRow::output_tokens, O, "output token"), xfer);
  write_runs(file, "/output/values", runs, O, fixed(&AtlasRow::output_values, O, "output value"), xfer);
  for (const auto& c : kScoreColumns) {
    std::vector<float> values;
    for (const auto& entry : rows) values.push_back(entry.second.*c.scores.*c.field);
    write_runs(file, c.path, runs, 1, values, xfer);
  }
  const auto write_float = [&](const RowColumn<float>& c) {
    write_runs(file, c.path, runs, 1, column([&c](const AtlasRow& r) { return r.*c.field; }), xfer);
  };
  for (const auto& c : kFloatColumns) write_float(c);
  for (const auto& c : kOptionalFloatColumns) write_float(c);
  for (const auto& c : kCountColumns) write_runs(file, c.path, runs, 1, column([&c](const AtlasRow& r) { return r.*c.field; }), xfer);
  std::vector<int64_t> offsets;
  std::vector<int32_t> node_count;
  FlatGraph nodes;
  Runs node_runs;
  for (const auto& [row, r] : rows) {
    offsets.push_back(node_offset[row]);
    node_count.push_back(static_cast<int32_t>(r.graph.size()));
    if (r.graph.size() > 0) node_runs.emplace_back(node_offset[row], r.graph.size());
    nodes.token.insert(nodes.token.end(), r.graph.token.begin(), r.graph.token.end());
    nodes.parent.insert(nodes.parent.end(), r.graph.parent.begin(), r.graph.parent.end());
    nodes.importance.insert(nodes.importance.end(), r.graph.importance.begin(), r.graph.importance.end());
    nodes.end_activation.insert(nodes.end_activation.end(), r.graph.end_activation.begin(), r.graph.end_activation.end());
    nodes.activator.insert(nodes.activator.end(), r.graph.activator.begin(), r.graph.activator.end());
  }
  write_runs(file, "/graphs/node_offset", runs, 1, offsets, xfer);
  write_runs(file, "/graphs/node_count", runs, 1, node_count, xfer);
  write_runs(file, "/graphs/token", node_runs, 1, nodes.token, xfer);
  write_runs(file, "/graphs/parent", node_runs, 1, nodes.parent, xfer);
  write_runs(file, "/graphs/importance", node_runs, 1, nodes.importance, xfer);
  write_runs(file, "/graphs/end_activation", node_runs, 1, nodes.end_activation, xfer);
  write_runs(file, "/graphs/activator", node_runs, 1, nodes.activator, xfer);
}

// Token -> rows CSR over the vocabulary.
void write_index(hid_t file, const std::string& group, int64_t vocab_size,
                 std::vector<std::pair<int32_t, int32_t>> pairs /* (token, row) */) {
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::vector<int64_t> offsets(vocab_size + 1, 0);
  std::vector<int32_t> neurons;
  for (const auto& [token, row] : pairs) {
    if (token < 0 || token >= vocab_size) continue;
    ++offsets[token + 1];
    neurons.push_back(row);
  }
  for (int64_t t = 0; t < vocab_size; ++t) offsets[t + 1] += offsets[t];
  h5::ensure_groups(file, group + "/offsets");
  h5::write_dataset<int64_t>(file, group + "/offsets", {static_cast<hsize_t>(vocab_size + 1)}, offsets);
  h5::write_dataset<int32_t>(file, group + "/neurons", {neurons.size()}, neurons);
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

// Rank 0 alone: strings, indexes, provenance and /run, after the numeric part is written.
void write_rank0_part(const std::string& path, const AtlasHeader& header, int world_size,
                      const std::vector<std::vector<char>>& summaries, const RunTimings& timings) {
  h5::Handle file = h5::open_file(path, true);
  std::vector<std::string> errors(header.n_neurons);
  std::vector<std::pair<int32_t, int32_t>> activating, context;
  std::vector<GraphTokens> graphs(header.n_neurons);
  for (const auto& bytes : summaries) {
    ByteReader in(bytes.data(), bytes.size());
    while (!in.done()) {
      int64_t row;
      std::string error;
      std::vector<int32_t> act, ctx;
      in.get(row);
      in.get(error);
      in.get(act);
      in.get(ctx);
      errors[row] = error;
      graphs[row] = {act, ctx};
      for (int32_t t : act) activating.emplace_back(t, static_cast<int32_t>(row));
      for (int32_t t : ctx) context.emplace_back(t, static_cast<int32_t>(row));
    }
  }
  h5::write_strings(file, "/neurons/error", errors);
  const auto similar = similar_neurons(graphs, kSimilarNeurons);
  std::vector<int32_t> similar_rows(header.n_neurons * kSimilarNeurons, -1);
  std::vector<float> similar_scores(header.n_neurons * kSimilarNeurons, std::numeric_limits<float>::quiet_NaN());
  for (size_t r = 0; r < similar.size(); ++r)
    for (size_t i = 0; i < similar[r].rows.size(); ++i) {
      similar_rows[r * kSimilarNeurons + i] = similar[r].rows[i];
      similar_scores[r * kSimilarNeurons + i] = similar[r].scores[i];
    }
  const hsize_t N = header.n_neurons, S = kSimilarNeurons;
  h5::ensure_groups(file, "/similar/rows");
  h5::write_dataset<int32_t>(file, "/similar/rows", {N, S}, similar_rows);
  h5::write_dataset<float>(file, "/similar/scores", {N, S}, similar_scores);
  h5::write_dataset<double>(file, "/histogram/edges", {static_cast<hsize_t>(kHistogramEdges)}, histogram_edges());
  const int64_t vocab_size = static_cast<int64_t>(header.vocab.size());
  write_index(file, "/index/activating", vocab_size, activating);
  write_index(file, "/index/context", vocab_size, context);
  h5::write_strings(file, "/vocab", header.vocab);

  h5::Handle run(N2G_H5(H5Gcreate2(file, "/run", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), path));
  for (const auto& a : kRunNumbers) h5::write_attribute(run, a.name, timings.*a.field);
  for (const auto& a : kRunText) h5::write_attribute(run, a.name, timings.*a.field);
  std::vector<double> seconds;
  for (const auto& r : timings.rank_seconds) seconds.insert(seconds.end(), r.begin(), r.end());
  h5::write_dataset<double>(file, "/run/rank_seconds", {timings.rank_seconds.size(), 4}, seconds);

  const hid_t root = file;
  h5::write_attribute(root, "n2g_format", std::string("atlas"));
  h5::write_attribute(root, "format_version", kFormatVersion);
  for (const auto& a : kHeaderText) h5::write_attribute(root, a.name, header.*a.field);
  for (const auto& a : kHeaderNumbers) h5::write_attribute(root, a.name, header.*a.field);
  if (header.parameters > 0) h5::write_attribute(root, "parameters", header.parameters);
  if (!header.run_identity.empty()) h5::write_attribute(root, "run_identity", header.run_identity);
  h5::write_attribute(root, "unit", std::string(header.latents() ? "sae_latent" : "neuron"));
  if (header.latents()) {
    h5::write_attribute(root, "sae", header.sae);
    h5::write_attribute(root, "sae_hook", header.sae_hook);
    h5::write_attribute(root, "sae_architecture", header.sae_architecture);
  }
  h5::write_attribute(root, "n2g_version", std::string(kN2gVersion));
  h5::write_attribute(root, "created_utc", utc_now());
  h5::write_attribute(root, "world_size", static_cast<int64_t>(world_size));
  h5::write_attribute(root, "complete", int64_t{1});
  run = h5::Handle();
  h5::close_file(file, path);
}

// Reads a written atlas back as every reader will (AtlasReader checks its layout, offsets and
// parents) before it may replace anything.
void verify_atlas(const std::string& path, int64_t rows) {
  const AtlasReader atlas(path);
  if (atlas.rows() != rows)
    throw FormatError(path + ": the written atlas holds " + std::to_string(atlas.rows()) + " neurons, expected " +
                      std::to_string(rows));
}

// Global node offsets of every row from every rank's node counts.
std::pair<std::vector<int64_t>, int64_t> node_offsets(const std::vector<std::pair<int64_t, AtlasRow>>& rows,
                                                       int64_t n_rows, MPI_Comm comm) {
  ByteWriter mine;
  for (const auto& [row, r] : rows) {
    mine.put(row);
    mine.put(static_cast<int64_t>(r.graph.size()));
  }
  std::vector<int64_t> count(n_rows, 0);
  for (const auto& bytes : allgather_bytes(mine.bytes(), comm)) {
    ByteReader in(bytes.data(), bytes.size());
    while (!in.done()) {
      int64_t row, n;
      in.get(row);
      in.get(n);
      if (row < 0 || row >= n_rows) throw FormatError("atlas row " + std::to_string(row) + " is outside the " + std::to_string(n_rows) + " rows");
      count[row] = n;
    }
  }
  std::vector<int64_t> offset(n_rows, 0);
  int64_t total = 0;
  for (int64_t r = 0; r < n_rows; ++r) {
    offset[r] = total;
    total += count[r];
  }
  return {offset, total};
}

}  // namespace

AtlasWriteMode default_write_mode() {
#ifdef N2G_PARALLEL_HDF5
  return AtlasWriteMode::collective;
#else
  return AtlasWriteMode::gather;
#endif
}

void write_atlas(const std::string& path, const AtlasHeader& header, std::vector<std::pair<int64_t, AtlasRow>> rows,
                 RunTimings timings, const std::vector<double>& local_seconds, MPI_Comm comm, AtlasWriteMode mode) {
  const auto start = std::chrono::steady_clock::now();
  const int rank = comm_rank(comm), world = comm_size(comm);
  // Every rank names the same temporary (the output's lock keeps other jobs off it); whichever
  // rank fails removes it, and an earlier atlas at `path` stays untouched until the rename.
  StagedFile staged(path, path + ".tmp");
  const std::string& temporary = staged.temporary();
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const auto [offsets, total_nodes] = node_offsets(rows, header.n_neurons, comm);

  // Summaries for rank 0's part: error text and the tokens each graph activates on / uses as context.
  ByteWriter summary;
  for (const auto& [row, r] : rows) {
    const GraphTokens tokens = tokens_of(r.graph);
    summary.put(row);
    summary.put(r.error);
    summary.put(tokens.activating);
    summary.put(tokens.context);
  }
  const auto summaries = gather_bytes(summary.bytes(), 0, comm);

  if (mode == AtlasWriteMode::collective) {
#ifdef N2G_PARALLEL_HDF5
    std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
    h5::Handle access(H5Pcreate(H5P_FILE_ACCESS));
    N2G_H5(H5Pset_fapl_mpio(access, comm, MPI_INFO_NULL), path);
    h5::Handle file = h5::create_file(temporary, access);
    h5::Handle xfer(H5Pcreate(H5P_DATASET_XFER));
    N2G_H5(H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE), path);
    try {
      write_numeric(file, header, rows, offsets, total_nodes, xfer);
      h5::close_file(file, temporary, /*close_after_failure=*/world == 1);  // collective
    } catch (...) {
      // After a failed collective write the ranks' closes can wait on each other forever; the job
      // ends anyway (n2g_sweep calls MPI_Abort), so the file is left to the process's end.
      if (world > 1) file.release();
      throw;
    }
#else
    throw FormatError(path + ": collective atlas writing needs a parallel HDF5 build");
#endif
  } else {
    ByteWriter mine;
    for (const auto& [row, r] : rows) encode_row(mine, row, r);
    const auto all = gather_bytes(mine.bytes(), 0, comm);
    if (rank == 0) {
      std::vector<std::pair<int64_t, AtlasRow>> every;
      for (const auto& bytes : all) {
        ByteReader in(bytes.data(), bytes.size());
        while (!in.done()) every.push_back(decode_row(in));
      }
      std::sort(every.begin(), every.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
      h5::Handle file = h5::create_file(temporary);
      write_numeric(file, header, every, offsets, total_nodes, H5P_DEFAULT);
      h5::close_file(file, temporary);
    }
  }
  N2G_MPI(MPI_Barrier(comm));

  std::vector<double> seconds = local_seconds;
  seconds.resize(3, 0.0);
  seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  ByteWriter mine_seconds;
  mine_seconds.put(seconds);
  const auto every_seconds = gather_bytes(mine_seconds.bytes(), 0, comm);
  timings.write_seconds = allreduce_max(seconds[3], comm);
  if (rank == 0) {
    timings.rank_seconds.clear();
    for (const auto& bytes : every_seconds) {
      ByteReader in(bytes.data(), bytes.size());
      std::vector<double> r;
      in.get(r);
      timings.rank_seconds.push_back(r);
    }
    {
      std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
      write_rank0_part(temporary, header, world, summaries, timings);
    }
    verify_atlas(temporary, header.n_neurons);  // the reader takes the mutex itself
    staged.commit();
  }
  N2G_MPI(MPI_Barrier(comm));
  if (rank != 0) staged.disown();  // rank 0 renamed it
}

}  // namespace n2g
