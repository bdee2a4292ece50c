#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "n2g/base/histogram.h"
#include "n2g/base/progress.h"
#include "n2g/dist/collectives.h"
#include "n2g/dist/work_queue.h"
#include "n2g/errors.h"
#include "n2g/fit/fit_wave.h"
#include "n2g/fit/split.h"
#include "n2g/graph/serialize.h"
#include "n2g/io/atlas_row_codec.h"
#include "n2g/io/checkpoint.h"
#include "n2g/sweep/model_oracle.h"
#include "n2g/sweep/stages.h"
#include "n2g/sweep/stored_examples.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The atlas row of a neuron before fitting: identity, scan results, examples and split.
AtlasRow scanned_row(const NeuronCandidates& c, int32_t layer, int32_t index, const SweepConfig& config) {
  AtlasRow row;
  row.layer = layer;
  row.index = index;
  row.density = c.tokens > 0 ? static_cast<float>(c.positive / c.tokens) : 0.0f;
  row.max_activation = c.activation.empty() ? std::numeric_limits<float>::quiet_NaN() : c.activation.front();
  const size_t K = config.scan.top_k;
  const auto split = split_examples(std::min(c.window.size(), K), config.fit.train_fraction, config.fit.seed, layer, index);
  for (size_t k = 0; k < K; ++k) {
    const bool present = k < c.window.size();
    row.example_window.push_back(present ? c.window[k] : -1);
    row.example_position.push_back(present ? c.position[k] : -1);
    row.example_activation.push_back(present ? c.activation[k] : std::numeric_limits<float>::quiet_NaN());
    row.example_split.push_back(present ? split[k] : 255);
  }
  row.status = c.activation.empty() || !(c.activation.front() > 0.0f) ? kDead : kPending;
  if (c.nonfinite > 0) {
    row.status = kFailed;
    row.error = "NaN or infinite activations in " + std::to_string(static_cast<int64_t>(c.nonfinite)) +
                " scanned windows (are the model's weights for this neuron finite?)";
  }
  return row;
}

FiringScores firing(const ClassScores& s) { return {s.precision, s.recall, s.f1}; }

// The scan's activations of the neuron on `ids` (all among its sampled windows), [ids][L].
std::vector<std::vector<float>> sampled_values(const NeuronCandidates& c, const std::vector<int64_t>& ids, int64_t L) {
  std::vector<std::vector<float>> out;
  for (int64_t w : ids) {
    const auto at = std::lower_bound(c.sampled_window.begin(), c.sampled_window.end(), w);
    if (at == c.sampled_window.end() || *at != w)
      throw Error("internal: the scan kept no activations of neuron " + std::to_string(c.neuron) + " on random window " +
                  std::to_string(w));
    const size_t k = at - c.sampled_window.begin();
    out.emplace_back(c.sampled_values.begin() + k * L, c.sampled_values.begin() + (k + 1) * L);
  }
  return out;
}

// Fits one wave (neurons of one layer) and returns its rows.
std::vector<std::pair<int64_t, AtlasRow>> fit_one_wave(const std::vector<const NeuronCandidates*>& wave, int32_t layer,
                                                       const SweepConfig& config, const SweepSetup& setup,
                                                       const Transformer& model, const TokenTable& table,
                                                       FitResult& result) {
  std::vector<std::pair<int64_t, AtlasRow>> rows;
  std::vector<int64_t> windows;
  const size_t random_train = config.fit.plus_method() ? config.fit.plus.random_train_windows : 0;
  const auto drawn = random_windows_of_layer(config, setup.n_windows, layer);
  for (const NeuronCandidates* c : wave) {
    const auto [l, index] = setup.neurons.at(c->neuron);
    rows.emplace_back(c->neuron, scanned_row(*c, l, index, config));
    windows.insert(windows.end(), c->window.begin(), c->window.end());
  }
  windows.insert(windows.end(), drawn.begin(), drawn.end());
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  const auto tokens = setup.dataset.read_windows(windows);  // one read for the whole wave
  const int64_t L = setup.dataset.window_len();
  const auto window_tokens = [&](int64_t w) {
    const size_t at = std::lower_bound(windows.begin(), windows.end(), w) - windows.begin();
    return std::vector<int32_t>(tokens.begin() + at * L, tokens.begin() + (at + 1) * L);
  };
  const auto window_values = [&](const NeuronCandidates& c, size_t k) {
    return std::vector<float>(c.values.begin() + k * L, c.values.begin() + (k + 1) * L);
  };
  std::vector<NeuronTask> tasks;
  std::vector<size_t> task_row;
  std::vector<std::vector<int64_t>> random_ids;  // [task]: random_test then random_train windows
  for (size_t i = 0; i < wave.size(); ++i) {
    AtlasRow& row = rows[i].second;
    if (row.status == kDead || row.status == kFailed) continue;
    NeuronTask task;
    task.neuron = row.index;
    task.a_max = row.max_activation;
    for (size_t k = 0; k < wave[i]->window.size(); ++k) {
      if (k >= static_cast<size_t>(config.scan.top_k)) {  // n2g+: ranked after the top K
        task.extra_train.push_back(window_tokens(wave[i]->window[k]));
        task.extra_train_activations.push_back(window_values(*wave[i], k));
        continue;
      }
      const bool train = row.example_split[k] == kTrain;
      (train ? task.train : task.test).push_back(window_tokens(wave[i]->window[k]));
      (train ? task.train_activations : task.test_activations).push_back(window_values(*wave[i], k));
    }
    std::vector<int64_t> test_ids, train_ids;
    for (int64_t w : drawn) {
      if (std::find(wave[i]->window.begin(), wave[i]->window.end(), w) != wave[i]->window.end()) continue;
      if (test_ids.size() < static_cast<size_t>(config.eval.random_windows)) test_ids.push_back(w);
      else if (train_ids.size() < random_train) train_ids.push_back(w);
    }
    for (int64_t w : test_ids) task.random_test.push_back(window_tokens(w));
    for (int64_t w : train_ids) task.random_train.push_back(window_tokens(w));
    task.random_test_activations = sampled_values(*wave[i], test_ids, L);
    task.random_train_activations = sampled_values(*wave[i], train_ids, L);
    test_ids.insert(test_ids.end(), train_ids.begin(), train_ids.end());
    random_ids.push_back(std::move(test_ids));
    tasks.push_back(std::move(task));
    task_row.push_back(i);
  }
  ModelOracle oracle(model, layer, setup.hook_kind, setup.bos, config.run.batch_tokens);
  const auto fits = fit_wave(oracle, table, config.fit, config.eval, setup.mask, tasks, &result.costs);
  result.forward_seconds += oracle.forward_seconds();
  // What the atlas shows without the model or the dataset: examples, quantile examples, histogram,
  // output effects, for every neuron of the wave (dead ones included).
  std::vector<std::vector<QuantilePick>> quantiles(wave.size());
  const auto skip = [&table](int32_t token) { return table.is_special(token); };
  for (size_t t = 0; t < fits.size(); ++t) {
    std::vector<std::vector<int32_t>> random_tokens;
    for (size_t w = 0; w < random_ids[t].size(); ++w) {
      auto window = window_tokens(random_ids[t][w]);
      window.resize(fits[t].random_activations[w].size());  // test windows were cut to eval.max_tokens
      random_tokens.push_back(std::move(window));
    }
    quantiles[task_row[t]] = pick_quantiles(random_ids[t], random_tokens, fits[t].random_activations, tasks[t].a_max, skip);
  }
  const std::vector<double> edges = histogram_edges();
  for (size_t i = 0; i < wave.size(); ++i) {
    AtlasRow& row = rows[i].second;
    std::vector<ExampleSlice> top;
    for (size_t k = 0; k < wave[i]->window.size() && k < static_cast<size_t>(config.scan.top_k); ++k)
      top.push_back(slice_around(window_tokens(wave[i]->window[k]), window_values(*wave[i], k), wave[i]->position[k]));
    store_examples(row, config.scan.top_k, top, quantiles[i]);
    row.histogram = wave[i]->histogram;
    row.histogram.resize(kHistogramBins, 0);
    if (row.max_activation > 0) row.share_above_half_max = static_cast<float>(share_at_or_above(row.histogram, edges, row.max_activation / 2));
  }
  store_output_effects(rows, model, layer, setup.hook_kind);
  for (size_t t = 0; t < fits.size(); ++t) {
    AtlasRow& row = rows[task_row[t]].second;
    const NeuronFit& fit = fits[t];
    if (fit.failed) {
      row.status = kFailed;
      row.error = fit.error;
      continue;
    }
    row.status = kOk;
    row.graph = flatten(fit.graph);
    row.firing = firing(fit.scores.firing);
    row.nonfiring = firing(fit.scores.nonfiring);
    row.accuracy = fit.scores.accuracy;
    row.firing_count = fit.scores.firing_count;
    row.nonfiring_count = fit.scores.nonfiring_count;
    row.token_baseline = firing(fit.token_baseline.firing);
    row.ngram_baseline = firing(fit.ngram_baseline.firing);
    row.random_firing = firing(fit.random_scores.firing);
    row.random_token_baseline = firing(fit.random_token_baseline.firing);
    row.random_ngram_baseline = firing(fit.random_ngram_baseline.firing);
    row.random_firing_count = fit.random_scores.firing_count;
    row.random_nonfiring_count = fit.random_scores.nonfiring_count;
    row.miss_token_absent = fit.misses.token_absent;
    row.miss_context_unmatched = fit.misses.context_unmatched;
    row.train_firing_per_window = fit.misses.train_firing_per_window;
    row.rate_threshold = fit.rate_threshold;
    row.correlation_graph_random = fit.correlation.graph_random;
    row.correlation_graph_all = fit.correlation.graph_all;
    row.correlation_token_random = fit.correlation.token_random;
    row.correlation_token_all = fit.correlation.token_all;
  }
  return rows;
}

// Test hook: N2G_TEST_KILL_AFTER_WAVES=n kills the process after its n-th new wave checkpoint, to
// prove that a killed run resumes: with SIGKILL, or SIGTERM / SIGINT / SIGHUP when
// N2G_TEST_KILL_SIGNAL=TERM / INT / HUP.
void maybe_die(int waves_written) {
  const char* limit = std::getenv("N2G_TEST_KILL_AFTER_WAVES");
  const std::string signal = std::getenv("N2G_TEST_KILL_SIGNAL") ? std::getenv("N2G_TEST_KILL_SIGNAL") : "KILL";
  if (limit && waves_written >= std::atoi(limit))
    std::raise(signal == "TERM" ? SIGTERM : signal == "INT" ? SIGINT : signal == "HUP" ? SIGHUP : SIGKILL);
}

}  // namespace

std::vector<int64_t> random_windows_of_layer(const SweepConfig& config, int64_t n_windows, int32_t layer) {
  const size_t random_train = config.fit.plus_method() ? config.fit.plus.random_train_windows : 0;
  return sample_windows(n_windows, config.eval.random_windows + random_train + config.scan.top_k, config.fit.seed, layer);
}

namespace {

// Rows of this rank's neurons that an earlier run of the same identity finished, whatever its
// number of ranks or waves: every rank reads every wave checkpoint and keeps its own neurons.
std::map<int64_t, AtlasRow> finished_rows(const std::string& dir, uint64_t run_fingerprint,
                                          const std::vector<NeuronCandidates>& owned) {
  std::set<int64_t> mine;
  for (const auto& c : owned) mine.insert(c.neuron);
  std::map<int64_t, AtlasRow> rows;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("fit-", 0) != 0 || entry.path().extension() != ".ckpt") continue;
    const auto saved = read_checkpoint(entry.path().string(), run_fingerprint);
    if (!saved) continue;  // torn or foreign: its neurons are fitted again
    ByteReader in(saved->data(), saved->size());
    while (!in.done()) {
      auto [neuron, row] = decode_row(in);
      if (mine.count(neuron)) rows.emplace(neuron, std::move(row));
    }
  }
  return rows;
}

// The queue of this rank's unfinished neurons in waves, each serialized as its candidates: one layer each,
// at most run.neurons_per_wave neurons, and on more than one rank small enough that the rank has
// about kWavesPerRank of them, so that ranks that run out take over the last waves of the others
// (fit costs vary tenfold between neurons and cannot be told from the scan). Deeper layers first:
// they cost more.
constexpr size_t kWavesPerRank = 8;

WorkQueue queue_of_waves(const std::map<int32_t, std::vector<const NeuronCandidates*>>& to_fit, const SweepConfig& config,
                         const RankContext& context) {
  size_t count = 0;
  for (const auto& [layer, neurons] : to_fit) count += neurons.size();
  const size_t most = static_cast<size_t>(config.run.neurons_per_wave);
  const size_t size = context.world_size == 1 ? most : std::clamp<size_t>((count + kWavesPerRank - 1) / kWavesPerRank, 1, most);
  ByteWriter out;
  std::vector<int64_t> offsets{0};
  for (auto layer = to_fit.rbegin(); layer != to_fit.rend(); ++layer) {
    const auto& neurons = layer->second;
    for (size_t first = 0; first < neurons.size(); first += size) {
      for (size_t i = first; i < std::min(neurons.size(), first + size); ++i) encode_candidates(out, *neurons[i]);
      offsets.push_back(static_cast<int64_t>(out.bytes().size()));
    }
  }
  return WorkQueue(std::move(out.bytes()), std::move(offsets), context);
}

}  // namespace

FitResult fit_owned(std::vector<NeuronCandidates> owned, const SweepConfig& config, const SweepSetup& setup,
                    const Transformer& model, uint64_t run_fingerprint, const RankContext& context, std::ostream& log) {
  const auto start = Clock::now();
  const TokenTable table(setup.vocab, setup.special);
  auto finished = finished_rows(config.checkpoint_dir(), run_fingerprint, owned);
  std::map<int32_t, std::vector<const NeuronCandidates*>> to_fit;  // by layer
  FitResult result;
  for (const auto& c : owned) {
    auto done = finished.find(c.neuron);
    if (done != finished.end()) result.rows.emplace_back(c.neuron, std::move(done->second));
    else to_fit[setup.neurons.at(c.neuron).first].push_back(&c);
  }
  const int64_t resumed = static_cast<int64_t>(result.rows.size());
  result.fitted = result.resumed = resumed;
  ProgressBar bar("fit", setup.neurons.size(), "neurons", context.is_root() && config.run.progress, log);
  int waves_written = 0;
  WorkQueue queue = queue_of_waves(to_fit, config, context);
  to_fit.clear();
  owned = {};  // the queue holds them now
  while (const auto wave = queue.next()) {
    std::vector<NeuronCandidates> candidates;
    ByteReader in(wave->data(), wave->size());
    while (!in.done()) candidates.push_back(decode_candidates(in));
    std::vector<const NeuronCandidates*> members;
    for (const auto& c : candidates) members.push_back(&c);
    const int32_t layer = setup.neurons.at(members.front()->neuron).first;
    // Named by its first neuron and the number of ranks: unique among this run's waves and any
    // earlier run's (a neuron in a checkpoint is finished and never starts another wave).
    const std::string path = (fs::path(config.checkpoint_dir()) /
                              ("fit-L" + std::to_string(layer) + "-n" + std::to_string(members.front()->neuron) + "-w" +
                               std::to_string(context.world_size) + ".ckpt")).string();
    inject_test_fault("fit", context);
    const auto rows = fit_one_wave(members, layer, config, setup, model, table, result);
    ByteWriter out;
    for (const auto& [row, data] : rows) encode_row(out, row, data);
    write_checkpoint(path, run_fingerprint, out.bytes());
    maybe_die(++waves_written);
    result.fitted += static_cast<int64_t>(rows.size());
    result.rows.insert(result.rows.end(), rows.begin(), rows.end());
    bar.update(std::min(setup.neurons.size(), result.fitted * context.world_size));
  }
  result.seconds = seconds_since(start);
  queue.finish();
  result.waves_taken_over = queue.taken_from_others();
  std::sort(result.rows.begin(), result.rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const double resumed_everywhere = allreduce_sum(static_cast<double>(resumed), context.comm);
  bar.update(setup.neurons.size());
  bar.finish();
  if (context.is_root() && resumed_everywhere > 0)
    log << "fit       resumed " << static_cast<int64_t>(resumed_everywhere) << " of " << setup.neurons.size()
        << " neurons from checkpoints\n";
  return result;
}

}  // namespace n2g
