#include "n2g/app/site.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

#include "n2g/app/report.h"
#include "n2g/base/histogram.h"
#include "n2g/errors.h"
#include "n2g/graph/describe.h"
#include "n2g/graph/serialize.h"
#include "n2g/io/hdf5.h"
#include "n2g/io/run_files.h"
#include "n2g/io/staged.h"
#include "n2g_viewer_assets.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

json number(double v) { return std::isnan(v) ? json() : json(std::round(v * 1e4) / 1e4); }

template <class T>
json numbers(const std::vector<T>& values) {
  json out = json::array();
  for (T v : values) out.push_back(number(static_cast<double>(v)));
  return out;
}

template <class T>
json integers(const std::vector<T>& values) {
  json out = json::array();
  for (T v : values) out.push_back(static_cast<int64_t>(v));
  return out;
}

constexpr const char* kSiteMarker = ".n2g-site";

// The files a site of n2g's holds (paths relative to its directory).
bool is_site_file(const std::string& relative) {
  if (relative == kSiteMarker) return true;
  for (const auto& [name, content] : viewer::kAssets)
    if (relative == name) return true;
  const auto ends_with_js = relative.size() > 3 && relative.compare(relative.size() - 3, 3, ".js") == 0;
  return relative.rfind("data/", 0) == 0 && relative.find('/', 5) == std::string::npos && ends_with_js;
}

class SiteWriter {
 public:
  explicit SiteWriter(const std::string& dir) : dir_(dir) {}

  void write(const std::string& name, const std::string& text) {
    const fs::path path = fs::path(dir_) / name;
    std::error_code error;
    fs::create_directories(path.parent_path(), error);
    if (error) throw FormatError(path.parent_path().string() + ": cannot create (" + error.message() + ")");
    write_file_checked(path.string(), text);
    ++files_;
    bytes_ += static_cast<int64_t>(text.size());
  }

  // data/<name>.js: N2G.load("<name>", <data>);
  void data(const std::string& name, const json& data) {
    write("data/" + name + ".js", "N2G.load(" + json(name).dump() + "," +
                                      data.dump(-1, ' ', false, json::error_handler_t::replace) + ");\n");
  }

  int64_t files() const { return files_; }
  int64_t bytes() const { return bytes_; }

 private:
  std::string dir_;
  int64_t files_ = 0, bytes_ = 0;
};

json predictor(const PredictorSummary& p) {
  return {{"p", number(p.mean.precision)}, {"r", number(p.mean.recall)}, {"f1", number(p.mean.f1)},
          {"low", number(p.f1_interval.low)}, {"high", number(p.f1_interval.high)}};
}

json test_set(const TestSetReport& t) {
  return {{"scored", t.scored}, {"left_out", t.left_out}, {"n2g", predictor(t.n2g)}, {"token", predictor(t.token)},
          {"ngram", predictor(t.ngram)}};
}

json layer_table(const std::vector<LayerReport>& reports) {
  json out = json::array();
  for (const auto& r : reports)
    out.push_back({{"layer", r.layer}, {"neurons", r.neurons}, {"ok", r.ok}, {"dead", r.dead}, {"failed", r.failed},
                   {"top", test_set(r.top)}, {"random", test_set(r.random)}, {"median_nodes", number(r.median_graph_nodes)}});
  return out;
}

// Rows [first, first + count) of a per-neuron dataset, flattened.
template <class T>
std::vector<T> block(hid_t file, const std::string& path, int64_t first, int64_t count, const std::string& name) {
  return h5::read_rows<T>(h5::open_dataset(file, path, name), first, count);
}

}  // namespace

SiteFiles write_site(const AtlasReader& atlas, const std::string& dir, const std::function<void(int64_t)>& progress) {
  const FileLock lock = FileLock::take<UsageError>(without_trailing_separator(dir) + ".lock", "--html",
                                                   "another n2g_report is writing the web atlas " + dir,
                                                   "wait for it to end or choose another directory");
  StagedDirectory staged(dir, kSiteMarker, is_site_file, "--html");
  SiteWriter site(staged.staging());
  for (const auto& [name, content] : viewer::kAssets) site.write(name, std::string(content));

  const int64_t N = atlas.rows();
  const auto& vocab = atlas.header().vocab;
  const auto layer = atlas.int_column("/neurons/layer"), index = atlas.int_column("/neurons/index"),
             status = atlas.int_column("/neurons/status"), nodes = atlas.int_column("/graphs/node_count");
  const auto density = atlas.float_column("/neurons/density"), max = atlas.float_column("/neurons/max_activation");

  // Every graph at once: the columns' fires-on summaries and data/graphs.js (node arrays of all
  // graphs concatenated, each row's first node at offset[row]).
  json fires_on = json::array(), activity = json::array();
  std::vector<int64_t> offset;
  FlatGraph all;
  const auto graphs = atlas.graphs();
  for (int64_t r = 0; r < N; ++r) {
    const FlatGraph& graph = graphs[r];
    offset.push_back(static_cast<int64_t>(all.size()));
    all.token.insert(all.token.end(), graph.token.begin(), graph.token.end());
    all.parent.insert(all.parent.end(), graph.parent.begin(), graph.parent.end());
    all.importance.insert(all.importance.end(), graph.importance.begin(), graph.importance.end());
    all.end_activation.insert(all.end_activation.end(), graph.end_activation.begin(), graph.end_activation.end());
    all.activator.insert(all.activator.end(), graph.activator.begin(), graph.activator.end());
    fires_on.push_back(graph.size() ? describe_graph(unflatten(graph), vocab, 3) : "");
    activity.push_back(activity_of(static_cast<uint8_t>(status[r]), max[r], density[r]));
  }
  site.data("graphs", {{"offset", integers(offset)}, {"token", integers(all.token)}, {"parent", integers(all.parent)},
                       {"end", numbers(all.end_activation)}, {"activator", integers(all.activator)},
                       {"importance", numbers(all.importance)}});
  h5::Handle file = h5::open_file(atlas.path(), false);
  const std::string& name = atlas.path();
  site.data("index", {{"offsets", integers(h5::read_dataset<int64_t>(file, "/index/activating/offsets", name))},
                      {"rows", integers(h5::read_dataset<int32_t>(file, "/index/activating/neurons", name))}});

  json columns = {{"layer", integers(layer)}, {"index", integers(index)}, {"status", integers(status)},
                  {"activity", activity}, {"density", numbers(density)}, {"max", numbers(max)},
                  {"nodes", integers(nodes)}, {"fires_on", fires_on}};
  for (const auto& [key, path] : std::vector<std::pair<std::string, std::string>>{
           {"top_p", "/stats/firing_precision"}, {"top_r", "/stats/firing_recall"}, {"top_f1", "/stats/firing_f1"},
           {"token_f1", "/baselines/token/firing_f1"}, {"ngram_f1", "/baselines/ngram/firing_f1"},
           {"random_p", "/random/stats/firing_precision"}, {"random_r", "/random/stats/firing_recall"},
           {"random_f1", "/random/stats/firing_f1"}, {"token_p", "/baselines/token/firing_precision"},
           {"token_r", "/baselines/token/firing_recall"}, {"ngram_p", "/baselines/ngram/firing_precision"},
           {"ngram_r", "/baselines/ngram/firing_recall"}, {"random_token_p", "/random/baselines/token/firing_precision"},
           {"random_token_r", "/random/baselines/token/firing_recall"}, {"random_token_f1", "/random/baselines/token/firing_f1"},
           {"random_ngram_p", "/random/baselines/ngram/firing_precision"},
           {"random_ngram_r", "/random/baselines/ngram/firing_recall"}, {"random_ngram_f1", "/random/baselines/ngram/firing_f1"}})
    columns[key] = numbers(atlas.float_column(path));
  for (const char* name : {"graph_random", "graph_all", "token_random", "token_all"})  // absent in older atlases
    if (atlas.has_dataset(std::string("/correlation/") + name))
      columns[std::string("r_") + name] = numbers(atlas.float_column(std::string("/correlation/") + name));
  const auto reports = layer_reports(atlas);
  site.data("atlas", {{"model", atlas.header().model}, {"hook", atlas.header().hook}, {"dataset", atlas.header().dataset},
                      {"n_layers", atlas.header().n_layers}, {"d_mlp", atlas.header().d_mlp}, {"top_k", atlas.header().top_k},
                      {"unit", atlas.header().latents() ? "sae_latent" : "neuron"}, {"sae_hook", atlas.header().sae_hook},
                      {"rows", N}, {"shard", kSiteShard}, {"vocab", vocab}, {"layers", layer_table(reports)},
                      {"columns", columns}, {"histogram_edges", histogram_edges()}});

  // Shards: what a neuron's view shows beyond the columns.
  const int64_t K = atlas.header().top_k, W = kExampleWidth, Q = kQuantileExamples;
  for (int64_t first = 0, shard = 0; first < N; first += kSiteShard, ++shard) {
    const int64_t count = std::min(kSiteShard, N - first);
    const auto ex_tokens = block<int32_t>(file, "/examples/tokens", first, count, name);
    const auto ex_values = block<int8_t>(file, "/examples/values", first, count, name);
    const auto ex_window = block<int64_t>(file, "/examples/window", first, count, name);
    const auto ex_split = block<uint8_t>(file, "/examples/split", first, count, name);
    const auto ex_max = block<float>(file, "/examples/activation", first, count, name);
    const auto scale = block<float>(file, "/examples/scale", first, count, name);
    const auto q_tokens = block<int32_t>(file, "/quantiles/tokens", first, count, name);
    const auto q_values = block<int8_t>(file, "/quantiles/values", first, count, name);
    const auto q_window = block<int64_t>(file, "/quantiles/window", first, count, name);
    const auto q_max = block<float>(file, "/quantiles/activation", first, count, name);
    const auto histogram = block<int64_t>(file, "/histogram/counts", first, count, name);
    const auto out_tokens = block<int32_t>(file, "/output/tokens", first, count, name);
    const auto out_values = block<float>(file, "/output/values", first, count, name);
    const auto similar = block<int32_t>(file, "/similar/rows", first, count, name);
    const auto similar_scores = block<float>(file, "/similar/scores", first, count, name);
    const std::vector<std::string> stat_paths = {"/stats/firing_count", "/stats/nonfiring_count", "/random/stats/firing_count",
                                                 "/random/stats/nonfiring_count"};
    std::vector<std::vector<int64_t>> counts;
    for (const auto& path : stat_paths) counts.push_back(block<int64_t>(file, path, first, count, name));
    json neurons = json::array();
    for (int64_t i = 0; i < count; ++i) {
      const auto examples = [&](const std::vector<int32_t>& tokens, const std::vector<int8_t>& values, const auto& window,
                                const auto& peak, int64_t n, const std::vector<uint8_t>* split) {
        json list = json::array();
        for (int64_t k = 0; k < n; ++k) {
          if (window[i * n + k] < 0) continue;
          json t = json::array(), v = json::array();
          for (int64_t j = 0; j < W; ++j) {
            const int32_t id = tokens[(i * n + k) * W + j];
            if (id < 0) continue;
            t.push_back(id);
            v.push_back(values[(i * n + k) * W + j]);
          }
          json example = {{"window", window[i * n + k]}, {"max", number(peak[i * n + k])}, {"t", t}, {"v", v}, {"slot", k}};
          if (split) example["split"] = (*split)[i * n + k];
          list.push_back(example);
        }
        return list;
      };
      json bins = json::array();
      for (int b = 0; b < kHistogramBins; ++b)
        if (histogram[i * kHistogramBins + b]) bins.push_back({b, histogram[i * kHistogramBins + b]});
      json output = json::array(), sim = json::array();
      for (int j = 0; j < 2 * kOutputTokens; ++j)
        if (out_tokens[i * 2 * kOutputTokens + j] >= 0)
          output.push_back({out_tokens[i * 2 * kOutputTokens + j], number(out_values[i * 2 * kOutputTokens + j])});
      for (int j = 0; j < kSimilarNeurons; ++j)
        if (similar[i * kSimilarNeurons + j] >= 0)
          sim.push_back({similar[i * kSimilarNeurons + j], number(similar_scores[i * kSimilarNeurons + j])});
      neurons.push_back({{"row", first + i},
                         {"scale", number(scale[i])},
                         {"examples", examples(ex_tokens, ex_values, ex_window, ex_max, K, &ex_split)},
                         {"quantiles", examples(q_tokens, q_values, q_window, q_max, Q, nullptr)},
                         {"histogram", bins},
                         {"output", output},
                         {"similar", sim},
                         {"counts", {counts[0][i], counts[1][i], counts[2][i], counts[3][i]}}});
    }
    site.data("shard-" + std::to_string(shard), neurons);
    if (progress) progress(first + count);
  }
  staged.commit();
  return {(fs::path(dir) / "index.html").string(), site.files(), site.bytes()};
}

}  // namespace n2g
