// The atlas (FORMATS.md, n2g_format "atlas"): one HDF5 file for a whole sweep. Every rank writes
// its own rows collectively (parallel HDF5 over MPI-IO), or rank 0 gathers and writes them; the
// file is filled under a temporary name and renamed when complete. The reader reads one neuron,
// a column or an index entry at a time, never the whole file.
#pragma once

#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "n2g/graph/serialize.h"

namespace n2g {

enum NeuronStatus : uint8_t { kPending = 0, kOk = 1, kDead = 2, kFailed = 3 };

// Stored examples: each holds kExampleWidth tokens of its window around the window's max.
constexpr int kExampleWidth = 32;
constexpr int kExampleBefore = 23;     // tokens before the max where the window allows
constexpr int kQuantileBands = 4;      // window max / a_max in [0, .25), [.25, .5), [.5, .75), [.75, ...)
constexpr int kQuantilePerBand = 2;
constexpr int kQuantileExamples = kQuantileBands * kQuantilePerBand;
constexpr int kOutputTokens = 10;      // logit-lens tokens each way
constexpr int kSimilarNeurons = 10;

struct FiringScores {
  float precision = std::numeric_limits<float>::quiet_NaN();
  float recall = std::numeric_limits<float>::quiet_NaN();
  float f1 = std::numeric_limits<float>::quiet_NaN();
};

// One neuron's row of the atlas.
struct AtlasRow {
  int32_t layer = 0;
  int32_t index = 0;
  uint8_t status = kPending;
  std::string error;
  float max_activation = std::numeric_limits<float>::quiet_NaN();
  float density = std::numeric_limits<float>::quiet_NaN();
  std::vector<int64_t> example_window;      // [K], -1 where fewer exist
  std::vector<int32_t> example_position;    // [K]
  std::vector<float> example_activation;    // [K]
  std::vector<uint8_t> example_split;       // [K] 0 train, 1 test
  FiringScores firing, nonfiring;
  float accuracy = std::numeric_limits<float>::quiet_NaN();
  int64_t firing_count = 0, nonfiring_count = 0;
  FiringScores token_baseline, ngram_baseline;
  // The same predictors on the random test windows (ALGORITHM.md section 6), with their real
  // firing and non-firing positions.
  FiringScores random_firing, random_token_baseline, random_ngram_baseline;
  int64_t random_firing_count = 0, random_nonfiring_count = 0;
  // Why the graph missed firings of the top-window test half, and how many positions fire per
  // train window (ALGORITHM.md, "Diagnostics").
  int64_t miss_token_absent = 0, miss_context_unmatched = 0;
  float train_firing_per_window = std::numeric_limits<float>::quiet_NaN();
  float rate_threshold = std::numeric_limits<float>::quiet_NaN();  // n2g+: the END threshold its calibration chose
  // Pearson correlation of the graph's and the token lookup's predicted activation with the
  // neuron's, over the random test windows and over those and the top-window test half
  // (ALGORITHM.md section 6, "Correlation").
  float correlation_graph_random = std::numeric_limits<float>::quiet_NaN();
  float correlation_graph_all = std::numeric_limits<float>::quiet_NaN();
  float correlation_token_random = std::numeric_limits<float>::quiet_NaN();
  float correlation_token_all = std::numeric_limits<float>::quiet_NaN();
  // The top examples' tokens and activations, kExampleWidth around each window's max, so that the
  // atlas shows them alone. Activations are quantised: value = q * example_scale / 127.
  std::vector<int32_t> example_start;   // [K] window position of the slice's first token, -1 where none
  std::vector<int32_t> example_tokens;  // [K * kExampleWidth], -1 past the window's end
  std::vector<int8_t> example_values;   // [K * kExampleWidth]
  float example_scale = std::numeric_limits<float>::quiet_NaN();  // max |activation| of the stored examples
  // Quantile examples: random windows from each activation band, kQuantilePerBand each.
  std::vector<int64_t> quantile_window;      // [Q], -1 where a band had fewer
  std::vector<float> quantile_activation;    // [Q] the window's max activation
  std::vector<int32_t> quantile_start;       // [Q]
  std::vector<int32_t> quantile_tokens;      // [Q * kExampleWidth]
  std::vector<int8_t> quantile_values;       // [Q * kExampleWidth], same scale
  std::vector<int64_t> histogram;            // [kHistogramBins] scanned positions per bin (base/histogram.h)
  float share_above_half_max = std::numeric_limits<float>::quiet_NaN();  // from the histogram
  // Direct effect on the logits (W_out[n] after the final LayerNorm's scale, @ W_U): the
  // kOutputTokens most raised tokens, then the kOutputTokens most lowered ([2 * kOutputTokens]).
  std::vector<int32_t> output_tokens;
  std::vector<float> output_values;
  // Most similar neurons by what their graphs fire on (written with the atlas): rows and scores.
  std::vector<int32_t> similar_rows;   // [kSimilarNeurons], -1 where fewer
  std::vector<float> similar_scores;   // [kSimilarNeurons]
  FlatGraph graph;
};

// How active a neuron is over the scan: "dead" (its max is not above 0), "near-dead" (above 0 at
// fewer than kNearDeadDensity of the scanned positions) or "active". Tools say so instead of
// shading examples by a near-zero maximum.
constexpr float kNearDeadDensity = 1.0e-4f;
inline const char* activity_of(uint8_t status, float max_activation, float density) {
  if (status == kDead || !(max_activation > 0)) return "dead";
  return density < kNearDeadDensity ? "near-dead" : "active";
}

struct AtlasHeader {
  std::string model, architecture, hook, dataset, config;
  int64_t n_layers = 0, d_mlp = 0, n_windows = 0, top_k = 0;
  int64_t n_neurons = 0;             // rows of the whole atlas
  int64_t parameters = 0;            // the model's (TransformerSpec::parameters); 0 in atlases written before it
  std::string run_identity;          // the sweep's RunIdentity::text(); "" in atlases written before it
  // SAE latents as rows (neurons.sae): the SAE's directory, the hook it reads and its architecture;
  // all "" for MLP neurons. d_mlp is then the SAE's d_sae and `hook` its latents' hook kind.
  std::string sae, sae_hook, sae_architecture;
  bool latents() const { return !sae.empty(); }
  // How tools name a row: "layer 1 neuron 10", or "latent 517 of blocks.1.hook_resid_post".
  std::string unit_name(int32_t layer, int32_t index) const {
    return latents() ? "latent " + std::to_string(index) + " of " + sae_hook
                     : "layer " + std::to_string(layer) + " neuron " + std::to_string(index);
  }
  std::vector<std::string> vocab;    // copied from the dataset; its size is the index's vocab_size
};

// /run: per-stage seconds are the max over ranks; rank_seconds[r] = {scan, exchange, fit, write}.
struct RunTimings {
  double scan_seconds = 0, exchange_seconds = 0, fit_seconds = 0, write_seconds = 0;
  double tokens_per_second = 0, neurons_per_second = 0;
  double exchange_bytes = 0;  // candidates sent by all ranks in the exchange
  double resumed_neurons = 0;  // rows read from an earlier run's checkpoints (not in the rates and costs)
  // The fit stage's cost per swept neuron: core-seconds (seconds x ranks x threads / neurons) and
  // forward tokens, in all and by stage (windows, prune, saliency, augment; evaluate runs no forward).
  double threads = 0;  // CPU threads per rank
  double fit_core_seconds_per_neuron = 0;
  double windows_core_seconds_per_neuron = 0, prune_core_seconds_per_neuron = 0,
         saliency_core_seconds_per_neuron = 0, augment_core_seconds_per_neuron = 0,
         evaluate_core_seconds_per_neuron = 0;
  double windows_forward_tokens_per_neuron = 0, prune_forward_tokens_per_neuron = 0,
         saliency_forward_tokens_per_neuron = 0, augment_forward_tokens_per_neuron = 0;
  std::string device, dtype;
  std::string reproducible;  // fast | exact
  std::vector<std::vector<double>> rank_seconds;
};

enum class AtlasWriteMode {
  collective,  // every rank writes its rows with parallel HDF5 (needs a parallel HDF5 build)
  gather,      // rank 0 gathers every row and writes alone (serial HDF5 builds)
};

// Default: collective where HDF5 is parallel, gather otherwise.
AtlasWriteMode default_write_mode();

// Collective over `comm`. `rows` are this rank's, each with its global row number, in any order.
// `local_seconds` = this rank's {scan, exchange, fit}; write seconds are measured here.
void write_atlas(const std::string& path, const AtlasHeader& header, std::vector<std::pair<int64_t, AtlasRow>> rows,
                 RunTimings timings, const std::vector<double>& local_seconds, MPI_Comm comm,
                 AtlasWriteMode mode = default_write_mode());

class AtlasReader {
 public:
  // Checks n2g_format, format_version, that the file is complete and that its per-neuron datasets,
  // graph offsets, tokens, parents and token indexes are consistent; throws FormatError naming the
  // dataset (a damaged atlas never reaches the tools as out-of-range indexes).
  explicit AtlasReader(const std::string& path);
  ~AtlasReader();
  AtlasReader(AtlasReader&&) noexcept;

  const std::string& path() const { return path_; }
  const AtlasHeader& header() const { return header_; }  // vocab included
  int64_t rows() const { return header_.n_neurons; }
  std::optional<int64_t> find(int32_t layer, int32_t index) const;
  std::pair<int32_t, int32_t> neuron_of(int64_t row) const { return {layer_.at(row), index_.at(row)}; }  // (layer, index)
  AtlasRow row(int64_t row) const;  // reads that row's slices only
  RunTimings run() const;

  // A whole per-neuron column, e.g. "/stats/firing_f1" or "/neurons/layer" ([N] values).
  std::vector<float> float_column(const std::string& path) const;
  bool has_dataset(const std::string& path) const;  // e.g. /correlation/*, absent in older atlases
  std::vector<int32_t> int_column(const std::string& path) const;
  std::vector<int64_t> int64_column(const std::string& path) const;
  std::vector<std::string> string_column(const std::string& path) const;
  // Every row's graph, from one read of each node array (whole-atlas tools: exports, the web atlas).
  std::vector<FlatGraph> graphs() const;

  std::vector<int32_t> rows_activating_on(int32_t token) const;  // /index/activating
  std::vector<int32_t> rows_with_context(int32_t token) const;   // /index/context

 private:
  std::vector<int32_t> index_entry(const std::string& group, int32_t token) const;
  struct File;
  std::unique_ptr<File> file_;
  std::string path_;
  AtlasHeader header_;
  std::vector<int32_t> layer_, index_;
};

}  // namespace n2g
