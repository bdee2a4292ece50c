// The atlas written on one rank, read back through the reader and through the plain HDF5 C API
// (what a user with h5py sees), and bad files.
#include <gtest/gtest.h>

#include <algorithm>
#include <hdf5.h>
#include <sys/resource.h>

#include <csignal>

#include <cmath>
#include <filesystem>

#include "../../support/synthetic_atlas.h"
#include "n2g/errors.h"
#include "n2g/io/atlas.h"
#include "n2g/io/hdf5.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;
using namespace n2g::testing;

// Every number of /run, each with its own value (listed here independently of the writer's table,
// so that a field the writer forgets fails the round trip).
const std::vector<double RunTimings::*> kRunNumberFields = {
    &RunTimings::scan_seconds, &RunTimings::exchange_seconds, &RunTimings::fit_seconds, &RunTimings::tokens_per_second,
    &RunTimings::neurons_per_second, &RunTimings::exchange_bytes, &RunTimings::resumed_neurons, &RunTimings::threads,
    &RunTimings::fit_core_seconds_per_neuron, &RunTimings::windows_core_seconds_per_neuron,
    &RunTimings::prune_core_seconds_per_neuron, &RunTimings::saliency_core_seconds_per_neuron,
    &RunTimings::augment_core_seconds_per_neuron, &RunTimings::evaluate_core_seconds_per_neuron,
    &RunTimings::windows_forward_tokens_per_neuron, &RunTimings::prune_forward_tokens_per_neuron,
    &RunTimings::saliency_forward_tokens_per_neuron, &RunTimings::augment_forward_tokens_per_neuron};

RunTimings synthetic_timings() {
  RunTimings timings;
  timings.device = "cpu";
  timings.dtype = "float32";
  timings.reproducible = "exact";
  double value = 1234.5;
  for (auto field : kRunNumberFields) timings.*field = value++;
  return timings;
}

std::string write_synthetic(const std::string& name) {
  const std::string path = ::testing::TempDir() + "/" + name;
  const RunTimings timings = synthetic_timings();
  write_atlas(path, synthetic_header(), synthetic_rows(0, 1), timings, {3.0, 0.25, 7.0}, MPI_COMM_WORLD);
  return path;
}

void expect_same_floats(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(b[i])) EXPECT_TRUE(std::isnan(a[i])) << what << "[" << i << "]";
    else EXPECT_EQ(a[i], b[i]) << what << "[" << i << "]";
  }
}

void expect_same_scores(const FiringScores& a, const FiringScores& b) {
  for (auto field : {&FiringScores::precision, &FiringScores::recall, &FiringScores::f1}) {
    if (std::isnan(a.*field)) EXPECT_TRUE(std::isnan(b.*field));
    else EXPECT_EQ(a.*field, b.*field);
  }
}

TEST(Atlas, ReaderReturnsEveryRowAsWritten) {
  const std::string path = write_synthetic("atlas_roundtrip.h5");
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  const AtlasReader atlas(path);
  EXPECT_EQ(atlas.rows(), kSyntheticRows);
  EXPECT_EQ(atlas.header().hook, "mlp.hook_post");
  EXPECT_EQ(atlas.header().top_k, kSyntheticTopK);
  EXPECT_EQ(atlas.header().vocab.size(), 20u);
  for (int64_t r = 0; r < kSyntheticRows; ++r) {
    const AtlasRow expected = synthetic_row(r), got = atlas.row(r);
    EXPECT_EQ(got.layer, expected.layer);
    EXPECT_EQ(got.index, expected.index);
    EXPECT_EQ(got.status, expected.status);
    EXPECT_EQ(got.error, expected.error);
    expect_same_floats({got.max_activation, got.density, got.accuracy},
                       {expected.max_activation, expected.density, expected.accuracy}, "max_activation, density, accuracy");
    EXPECT_EQ(got.example_window, expected.example_window);
    EXPECT_EQ(got.example_position, expected.example_position);
    expect_same_floats(got.example_activation, expected.example_activation, "example_activation");
    EXPECT_EQ(got.example_split, expected.example_split);
    expect_same_scores(got.firing, expected.firing);
    expect_same_scores(got.nonfiring, expected.nonfiring);
    expect_same_scores(got.token_baseline, expected.token_baseline);
    expect_same_scores(got.ngram_baseline, expected.ngram_baseline);
    EXPECT_EQ(got.firing_count, expected.firing_count);
    EXPECT_EQ(got.nonfiring_count, expected.nonfiring_count);
    expect_same_scores(got.random_firing, expected.random_firing);
    expect_same_scores(got.random_token_baseline, expected.random_token_baseline);
    expect_same_scores(got.random_ngram_baseline, expected.random_ngram_baseline);
    EXPECT_EQ(got.random_firing_count, expected.random_firing_count);
    EXPECT_EQ(got.random_nonfiring_count, expected.random_nonfiring_count);
    EXPECT_EQ(got.miss_token_absent, expected.miss_token_absent);
    EXPECT_EQ(got.miss_context_unmatched, expected.miss_context_unmatched);
    expect_same_floats({got.train_firing_per_window, got.rate_threshold},
                       {expected.train_firing_per_window, expected.rate_threshold}, "diagnostics");
    expect_same_floats({got.correlation_graph_random, got.correlation_graph_all, got.correlation_token_random,
                        got.correlation_token_all},
                       {expected.correlation_graph_random, expected.correlation_graph_all,
                        expected.correlation_token_random, expected.correlation_token_all},
                       "correlations");
    EXPECT_EQ(got.example_start, expected.example_start);
    EXPECT_EQ(got.example_tokens, expected.example_tokens);
    EXPECT_EQ(got.example_values, expected.example_values);
    EXPECT_EQ(got.quantile_window, expected.quantile_window);
    expect_same_floats(got.quantile_activation, expected.quantile_activation, "quantile_activation");
    EXPECT_EQ(got.quantile_start, expected.quantile_start);
    EXPECT_EQ(got.quantile_tokens, expected.quantile_tokens);
    EXPECT_EQ(got.quantile_values, expected.quantile_values);
    EXPECT_EQ(got.histogram, expected.histogram);
    expect_same_floats({got.example_scale, got.share_above_half_max}, {expected.example_scale, expected.share_above_half_max},
                       "example_scale, share_above_half_max");
    EXPECT_EQ(got.output_tokens, expected.output_tokens);
    expect_same_floats(got.output_values, expected.output_values, "output_values");
    // Similar neurons are the writer's: every row's list holds other rows with graphs, best first.
    ASSERT_EQ(got.similar_rows.size(), static_cast<size_t>(kSimilarNeurons));
    for (size_t i = 0; i < got.similar_rows.size(); ++i) {
      if (got.similar_rows[i] < 0) continue;
      EXPECT_NE(got.similar_rows[i], r);
      EXPECT_TRUE(i == 0 || got.similar_scores[i] <= got.similar_scores[i - 1]);
    }
    EXPECT_EQ(got.graph.token, expected.graph.token);
    EXPECT_EQ(got.graph.parent, expected.graph.parent);
    EXPECT_EQ(got.graph.activator, expected.graph.activator);
    EXPECT_EQ(got.graph.importance, expected.graph.importance);
    expect_same_floats(got.graph.end_activation, expected.graph.end_activation, "end_activation");
  }
  // Rows 0, 4 and 6 all activate on token 3 (and differ otherwise): each is among the others' similar.
  const auto similar_to_0 = atlas.row(0).similar_rows;
  EXPECT_NE(std::find(similar_to_0.begin(), similar_to_0.end(), 4), similar_to_0.end());
  EXPECT_NE(std::find(similar_to_0.begin(), similar_to_0.end(), 6), similar_to_0.end());
  EXPECT_EQ(atlas.row(2).similar_rows, std::vector<int32_t>(kSimilarNeurons, -1));  // dead: no graph
  EXPECT_EQ(atlas.find(1, 2), 6);
  EXPECT_FALSE(atlas.find(3, 0).has_value());
  // Token 3 activates every even row with a graph (0, 4, 6), and row 2 (token r + 1 = 3) is dead.
  EXPECT_EQ(atlas.rows_activating_on(3), (std::vector<int32_t>{0, 4, 6}));
  EXPECT_EQ(atlas.rows_activating_on(2), (std::vector<int32_t>{1}));
  EXPECT_EQ(atlas.rows_with_context(5), (std::vector<int32_t>{3}));  // row 4 has 5 as its activating token
  EXPECT_EQ(atlas.rows_with_context(6), (std::vector<int32_t>{4}));    // row 5 failed: no graph
  EXPECT_TRUE(atlas.rows_activating_on(19).empty());
  EXPECT_THROW(atlas.rows_activating_on(20), FormatError);
  const RunTimings run = atlas.run(), written = synthetic_timings();
  for (auto field : kRunNumberFields) EXPECT_EQ(run.*field, written.*field);
  EXPECT_EQ(run.device, "cpu");
  EXPECT_EQ(run.dtype, "float32");
  EXPECT_EQ(run.reproducible, "exact");
  ASSERT_EQ(run.rank_seconds.size(), 1u);
  EXPECT_EQ(run.rank_seconds[0][0], 3.0);
  EXPECT_EQ(run.rank_seconds[0][2], 7.0);
  EXPECT_GE(run.rank_seconds[0][3], 0.0);
}

// What FORMATS.md promises, read with nothing but the HDF5 C API.
TEST(Atlas, LayoutIsWhatFormatsSays) {
  const std::string path = write_synthetic("atlas_layout.h5");
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const auto check = [&](const char* name, hid_t expected_type, std::vector<hsize_t> expected_shape) {
    const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    ASSERT_GE(d, 0) << name;
    const hid_t type = H5Dget_type(d), space = H5Dget_space(d);
    EXPECT_GT(H5Tequal(type, expected_type), 0) << name;
    std::vector<hsize_t> shape(H5Sget_simple_extent_ndims(space));
    H5Sget_simple_extent_dims(space, shape.data(), nullptr);
    EXPECT_EQ(shape, expected_shape) << name;
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(d);
  };
  const hsize_t N = kSyntheticRows, K = kSyntheticTopK;
  check("/neurons/layer", H5T_STD_I32LE, {N});
  check("/neurons/index", H5T_STD_I32LE, {N});
  check("/neurons/status", H5T_STD_U8LE, {N});
  check("/neurons/max_activation", H5T_IEEE_F32LE, {N});
  check("/neurons/density", H5T_IEEE_F32LE, {N});
  check("/examples/window", H5T_STD_I64LE, {N, K});
  check("/examples/position", H5T_STD_I32LE, {N, K});
  check("/examples/activation", H5T_IEEE_F32LE, {N, K});
  check("/examples/split", H5T_STD_U8LE, {N, K});
  for (const char* name : {"/stats/firing_precision", "/stats/firing_recall", "/stats/firing_f1", "/stats/nonfiring_precision",
                           "/stats/nonfiring_recall", "/stats/nonfiring_f1", "/stats/accuracy",
                           "/baselines/token/firing_precision", "/baselines/ngram/firing_f1"})
    check(name, H5T_IEEE_F32LE, {N});
  check("/stats/firing_count", H5T_STD_I64LE, {N});
  check("/stats/nonfiring_count", H5T_STD_I64LE, {N});
  check("/graphs/node_offset", H5T_STD_I64LE, {N});
  check("/graphs/node_count", H5T_STD_I32LE, {N});
  hsize_t M = 0;
  for (int64_t r = 0; r < kSyntheticRows; ++r) M += synthetic_row(r).graph.size();
  check("/graphs/token", H5T_STD_I32LE, {M});
  check("/graphs/parent", H5T_STD_I32LE, {M});
  check("/graphs/importance", H5T_IEEE_F32LE, {M});
  check("/graphs/end_activation", H5T_IEEE_F32LE, {M});
  check("/graphs/activator", H5T_STD_U8LE, {M});
  check("/index/activating/offsets", H5T_STD_I64LE, {21});
  check("/index/context/offsets", H5T_STD_I64LE, {21});
  check("/run/rank_seconds", H5T_IEEE_F64LE, {1, 4});
  for (const char* attribute : {"model", "architecture", "hook", "n_layers", "d_mlp", "dataset", "n_windows", "config",
                                "n2g_version", "created_utc", "world_size", "complete", "n2g_format", "format_version"})
    EXPECT_GT(H5Aexists(file, attribute), 0) << attribute;
  // Node slices follow row order: offsets are the running sum of counts.
  std::vector<int64_t> offsets(N);
  std::vector<int32_t> counts(N);
  const hid_t o = H5Dopen2(file, "/graphs/node_offset", H5P_DEFAULT), c = H5Dopen2(file, "/graphs/node_count", H5P_DEFAULT);
  H5Dread(o, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, offsets.data());
  H5Dread(c, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, counts.data());
  for (size_t r = 1; r < N; ++r) EXPECT_EQ(offsets[r], offsets[r - 1] + counts[r - 1]);
  EXPECT_EQ(counts[2], 0);
  H5Dclose(o);
  H5Dclose(c);
  H5Fclose(file);
}

std::string reader_error(const std::string& path) {
  try {
    AtlasReader reader(path);
  } catch (const FormatError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Atlas, BadFilesGiveClearErrors) {
  const std::string good = write_synthetic("atlas_bad_base.h5");
  const auto copy = [&](const std::string& name) {
    const std::string path = ::testing::TempDir() + "/" + name;
    fs::copy_file(good, path, fs::copy_options::overwrite_existing);
    return path;
  };
  {
    const std::string path = copy("atlas_foreign.h5");
    h5::Handle f = h5::open_file(path, true);
    h5::write_attribute(f, "n2g_format", std::string("dataset"));
  }
  EXPECT_NE(reader_error(::testing::TempDir() + "/atlas_foreign.h5").find("n2g_format is 'dataset', expected 'atlas'"), std::string::npos);
  {
    const std::string path = copy("atlas_version.h5");
    h5::Handle f = h5::open_file(path, true);
    h5::write_attribute(f, "format_version", int64_t{7});
  }
  EXPECT_NE(reader_error(::testing::TempDir() + "/atlas_version.h5").find("format_version 7 is not supported"), std::string::npos);
  {
    const std::string path = copy("atlas_missing.h5");
    h5::Handle f = h5::open_file(path, true);
    H5Ldelete(f, "/graphs/token", H5P_DEFAULT);
  }
  EXPECT_NE(reader_error(::testing::TempDir() + "/atlas_missing.h5").find("dataset /graphs/token is missing"), std::string::npos);
  const std::string truncated = copy("atlas_truncated.h5");
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  const std::string message = reader_error(truncated);
  EXPECT_TRUE(message.find("truncated") != std::string::npos || message.find("damaged") != std::string::npos) << message;
  EXPECT_NE(reader_error(::testing::TempDir() + "/no_such_atlas.h5").find("no such file"), std::string::npos);
}

// Damaged numbers inside an otherwise well-formed atlas: each is named, before any tool indexes
// with it (a bad graph offset made n2g_report read outside its arrays).
TEST(Atlas, DamagedOffsetsCountsParentsAndIndexesAreNamed) {
  const std::string good = write_synthetic("atlas_damaged_base.h5");
  const auto damaged = [&](const std::string& name, const char* dataset, int64_t element, int64_t value) {
    const std::string path = ::testing::TempDir() + "/" + name;
    fs::copy_file(good, path, fs::copy_options::overwrite_existing);
    h5::Handle f = h5::open_file(path, true);
    h5::Handle d(H5Dopen2(f, dataset, H5P_DEFAULT));
    h5::Handle space(H5Dget_space(d));
    const hsize_t at = static_cast<hsize_t>(element);
    H5Sselect_elements(space, H5S_SELECT_SET, 1, &at);
    const hsize_t one = 1;
    h5::Handle memory(H5Screate_simple(1, &one, nullptr));
    EXPECT_GE(H5Dwrite(d, H5T_NATIVE_INT64, memory, space, H5P_DEFAULT, &value), 0) << dataset;
    return reader_error(path);
  };
  const AtlasReader reader(good);
  const int64_t nodes = static_cast<int64_t>(reader.int_column("/graphs/token").size());
  const auto graphs = reader.graphs();
  const auto offsets = reader.int64_column("/graphs/node_offset");
  size_t row = 0;  // a row whose graph has at least two nodes
  while (graphs[row].size() < 2) ++row;
  EXPECT_NE(damaged("atlas_bad_offset.h5", "/graphs/node_offset", 0, nodes + 5).find("row 0's graph (/graphs/node_offset"),
            std::string::npos);
  EXPECT_NE(damaged("atlas_bad_count.h5", "/graphs/node_count", 0, -3).find("lies outside the"), std::string::npos);
  EXPECT_NE(damaged("atlas_bad_parent.h5", "/graphs/parent", offsets[row] + 1, 7).find("parents before their children"),
            std::string::npos);
  EXPECT_NE(damaged("atlas_bad_token.h5", "/graphs/token", offsets[row], 999999).find("tokens lie in the vocabulary"),
            std::string::npos);
  EXPECT_NE(damaged("atlas_bad_index.h5", "/index/activating/offsets", 1, -4).find("/index/activating/offsets[1]"),
            std::string::npos);
  EXPECT_NE(damaged("atlas_bad_index_row.h5", "/index/context/neurons", 0, 99).find("/index/context/neurons names row 99"),
            std::string::npos);
  {
    const std::string path = ::testing::TempDir() + "/atlas_short_column.h5";
    fs::copy_file(good, path, fs::copy_options::overwrite_existing);
    h5::Handle f = h5::open_file(path, true);
    H5Ldelete(f, "/neurons/density", H5P_DEFAULT);
    h5::write_dataset<float>(f, "/neurons/density", {2}, {0.5f, 0.5f});
  }
  EXPECT_NE(reader_error(::testing::TempDir() + "/atlas_short_column.h5").find("/neurons/density has 2 rows, expected 7"),
            std::string::npos);
}

// Atlases written before the correlation columns read as NaN there; a short one is named.
TEST(Atlas, CorrelationColumnsAreOptionalButChecked) {
  const std::string good = write_synthetic("atlas_for_correlation.h5");
  const std::string older = ::testing::TempDir() + "/atlas_without_correlation.h5";
  fs::copy_file(good, older, fs::copy_options::overwrite_existing);
  {
    h5::Handle f = h5::open_file(older, true);
    H5Ldelete(f, "/correlation", H5P_DEFAULT);
  }
  const AtlasReader atlas(older);
  EXPECT_TRUE(std::isnan(atlas.row(1).correlation_graph_all));
  EXPECT_EQ(atlas.row(1).firing.f1, synthetic_row(1).firing.f1);
  const std::string short_column = ::testing::TempDir() + "/atlas_short_correlation.h5";
  fs::copy_file(good, short_column, fs::copy_options::overwrite_existing);
  {
    h5::Handle f = h5::open_file(short_column, true);
    H5Ldelete(f, "/correlation/graph_all", H5P_DEFAULT);
    h5::write_dataset<float>(f, "/correlation/graph_all", {3}, {0.5f, 0.5f, 0.5f});
  }
  EXPECT_NE(reader_error(short_column).find("/correlation/graph_all"), std::string::npos);
}

// A write that fails (files limited to a few KiB, as a full disk would stop them, at several points
// of the file) names the file and the reason, leaves the earlier atlas byte for byte and no
// temporary behind.
TEST(Atlas, AFailedWriteKeepsTheEarlierAtlas) {
  const std::string dir = ::testing::TempDir() + "/atlas_kept";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = dir + "/atlas.h5";
  write_atlas(path, synthetic_header(), synthetic_rows(0, 1), synthetic_timings(), {1.0, 0.0, 1.0}, MPI_COMM_WORLD);
  const auto size = fs::file_size(path);
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit original{};
  getrlimit(RLIMIT_FSIZE, &original);
  for (const double share : {0.1, 0.5, 0.9, 0.99}) {
    rlimit limited = original;
    limited.rlim_cur = static_cast<rlim_t>(share * static_cast<double>(size));
    setrlimit(RLIMIT_FSIZE, &limited);
    std::string message = "no error";
    try {
      write_atlas(path, synthetic_header(), synthetic_rows(0, 1), synthetic_timings(), {1.0, 0.0, 1.0}, MPI_COMM_WORLD);
    } catch (const Error& error) {
      message = error.what();
    }
    setrlimit(RLIMIT_FSIZE, &original);
    EXPECT_NE(message.find(path + ".tmp"), std::string::npos) << share << ": " << message;
    // The system's reason, or (through MPI-IO, which does not pass it on) the likely one.
    EXPECT_TRUE(message.find("File too large") != std::string::npos || message.find("is the disk full") != std::string::npos)
        << share << ": " << message;
    EXPECT_EQ(fs::file_size(path), size) << share;
    EXPECT_NO_THROW(AtlasReader{path});
    EXPECT_FALSE(fs::exists(path + ".tmp")) << share;
  }
}

}  // namespace
}  // namespace n2g
