#include "n2g/sweep/pipeline.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "n2g/app/report.h"
#include "n2g/cli/progress.h"
#include "n2g/dist/collectives.h"
#include "n2g/dist/exchange.h"
#include "n2g/fit/fit_wave.h"
#include "n2g/fit/split.h"
#include "n2g/graph/describe.h"
#include "n2g/graph/serialize.h"
#include "n2g/io/atlas.h"
#include "n2g/io/atlas_row_codec.h"
#include "n2g/io/checkpoint.h"
#include "n2g/model/threads.h"
#include "n2g/model/transformer.h"
#include "n2g/sweep/model_oracle.h"
#include "n2g/sweep/scan.h"
#include "n2g/sweep/setup.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Runs `body` on every rank; if any rank fails, rank 0 (or the failing rank when rank 0 did not
// fail) throws the error and every other rank throws PeerFailure, so it is reported once.
void agree(const RankContext& context, const std::function<void()>& body) {
  std::string message;
  try {
    body();
  } catch (const Error& error) {
    message = error.what();
  }
  const auto messages = allgather_bytes(std::vector<char>(message.begin(), message.end()), context.comm);
  int first = -1;
  for (int r = 0; r < context.world_size && first < 0; ++r)
    if (!messages[r].empty()) first = r;
  if (first < 0) return;
  if (context.rank == first) throw Error(first == 0 ? message : "rank " + std::to_string(first) + ": " + message);
  throw PeerFailure("rank " + std::to_string(first) + " failed");
}

// float32 sweeps compute in float64 and round every activation to float32: a float32 matrix
// product gives a row slightly different results depending on the other rows of its batch, and
// the batches of a wave depend on the number of ranks; in float64 those differences vanish in
// the rounding, so the atlas is the same for any number of ranks.
std::string compute_dtype(const std::string& dtype) { return dtype == "float32" ? "float64" : dtype; }

std::string device_for(const std::string& configured, const RankContext& context) {
  const bool cuda = configured == "cuda" || (configured == "auto" && torch::cuda::is_available());
  if (!cuda) return "cpu";
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (count == 0) throw ModelError("model.device is cuda, but no CUDA device is visible to rank " + std::to_string(context.rank));
  return "cuda:" + std::to_string(context.local_rank % count);
}

// The config as far as it decides results, plus the world size: what a checkpoint belongs to.
std::string run_identity(SweepConfig config, int world_size) {
  config.run.output.clear();
  config.run.checkpoint_dir = "-";
  config.run.progress = true;
  config.run.threads = 0;
  return config.resolved_yaml() + "\nworld_size: " + std::to_string(world_size) + "\n";
}

// Creates the checkpoint directory and its manifest, or checks that an existing one is ours
// (`restart` discards whatever is there).
void open_checkpoints(const SweepConfig& config, const std::string& identity, bool restart, const RankContext& context) {
  const fs::path dir = config.checkpoint_dir();
  const fs::path manifest = dir / "manifest.yaml";
  agree(context, [&] {
    if (!context.is_root()) return;
    std::error_code error;
    if (restart) fs::remove_all(dir, error);
    fs::create_directories(dir, error);
    if (error) throw ConfigError("run.checkpoint_dir: cannot create " + dir.string() + " (" + error.message() + ")");
    if (fs::exists(manifest)) {
      std::ifstream in(manifest);
      const std::string existing((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (existing != identity)
        throw ConfigError("checkpoint directory " + dir.string() +
                          " holds a run with a different config or number of ranks; to start over, run again with "
                          "--restart (or delete " + dir.string() + ", or set run.checkpoint_dir to a new directory)");
    } else {
      std::ofstream(manifest) << identity;
    }
  });
}

struct ScanResult {
  std::vector<NeuronCandidates> owned;  // ascending by neuron
  double scan_seconds = 0, exchange_seconds = 0;
  double tokens = 0;
};

ScanResult scan_and_exchange(const SweepConfig& config, const SweepSetup& setup, const Transformer& model,
                             uint64_t run_fingerprint, const RankContext& context, std::ostream& log) {
  ScanResult result;
  const std::string path = (fs::path(config.checkpoint_dir()) / ("scan-rank" + std::to_string(context.rank) + ".ckpt")).string();
  const auto saved = read_checkpoint(path, run_fingerprint);
  double have = saved ? 1 : 0;
  N2G_MPI(MPI_Allreduce(MPI_IN_PLACE, &have, 1, MPI_DOUBLE, MPI_MIN, context.comm));
  if (have == 1) {
    ByteReader in(saved->data(), saved->size());
    in.get(result.tokens);
    while (!in.done()) result.owned.push_back(decode_candidates(in));
    if (context.is_root() && config.run.progress) log << "scan      resumed from " << config.checkpoint_dir() << "\n";
    return result;
  }
  auto start = Clock::now();
  const int64_t first = setup.n_windows * context.rank / context.world_size;
  const int64_t last = setup.n_windows * (context.rank + 1) / context.world_size;
  ScanOptions options;
  options.top_k = config.scan.top_k;
  options.batch_windows = config.scan.batch_windows;
  options.hook = config.model.hook;
  options.bos = setup.bos;
  options.special = setup.special;
  ProgressBar bar("scan", setup.n_windows, "windows", context.is_root() && config.run.progress, log);
  const auto local = scan_windows(model, setup.dataset, first, last, setup.neurons, options,
                                  [&](int64_t done) { bar.update(done * context.world_size); });
  result.scan_seconds = seconds_since(start);
  N2G_MPI(MPI_Barrier(context.comm));
  bar.update(setup.n_windows);
  bar.finish();
  double tokens = local.empty() ? 0 : local.front().tokens;
  result.tokens = allreduce_sum(tokens, context.comm);
  start = Clock::now();
  result.owned = exchange_candidates(local, config.scan.top_k, context);
  result.exchange_seconds = seconds_since(start);
  ByteWriter out;
  out.put(result.tokens);
  for (const auto& c : result.owned) encode_candidates(out, c);
  write_checkpoint(path, run_fingerprint, out.bytes());
  return result;
}

// The atlas row of a neuron before fitting: identity, scan results, examples and split.
AtlasRow scanned_row(const NeuronCandidates& c, int32_t layer, int32_t index, const SweepConfig& config) {
  AtlasRow row;
  row.layer = layer;
  row.index = index;
  row.density = c.tokens > 0 ? static_cast<float>(c.positive / c.tokens) : 0.0f;
  row.max_activation = c.activation.empty() ? std::numeric_limits<float>::quiet_NaN() : c.activation.front();
  const size_t K = config.scan.top_k;
  const auto split = split_examples(c.window.size(), config.fit.train_fraction, config.fit.seed, layer, index);
  for (size_t k = 0; k < K; ++k) {
    const bool present = k < c.window.size();
    row.example_window.push_back(present ? c.window[k] : -1);
    row.example_position.push_back(present ? c.position[k] : -1);
    row.example_activation.push_back(present ? c.activation[k] : std::numeric_limits<float>::quiet_NaN());
    row.example_split.push_back(present ? split[k] : 255);
  }
  row.status = c.activation.empty() || !(c.activation.front() > 0.0f) ? kDead : kPending;
  return row;
}

FiringScores firing(const ClassScores& s) { return {s.precision, s.recall, s.f1}; }

// Fits one wave (neurons of one layer) and returns its rows.
std::vector<std::pair<int64_t, AtlasRow>> fit_one_wave(const std::vector<const NeuronCandidates*>& wave, int32_t layer,
                                                       const SweepConfig& config, const SweepSetup& setup,
                                                       const Transformer& model, const TokenTable& table,
                                                       double& forward_seconds) {
  std::vector<std::pair<int64_t, AtlasRow>> rows;
  std::vector<int64_t> windows;
  for (const NeuronCandidates* c : wave) {
    const auto [l, index] = setup.neurons.at(c->neuron);
    rows.emplace_back(c->neuron, scanned_row(*c, l, index, config));
    windows.insert(windows.end(), c->window.begin(), c->window.end());
  }
  std::sort(windows.begin(), windows.end());
  windows.erase(std::unique(windows.begin(), windows.end()), windows.end());
  const auto tokens = setup.dataset.read_windows(windows);  // one read for the whole wave
  const int64_t L = setup.dataset.window_len();
  const auto window_tokens = [&](int64_t w) {
    const size_t at = std::lower_bound(windows.begin(), windows.end(), w) - windows.begin();
    return std::vector<int32_t>(tokens.begin() + at * L, tokens.begin() + (at + 1) * L);
  };
  std::vector<NeuronTask> tasks;
  std::vector<size_t> task_row;
  for (size_t i = 0; i < wave.size(); ++i) {
    AtlasRow& row = rows[i].second;
    if (row.status == kDead) continue;
    NeuronTask task;
    task.neuron = row.index;
    task.a_max = row.max_activation;
    for (size_t k = 0; k < wave[i]->window.size(); ++k)
      (row.example_split[k] == kTrain ? task.train : task.test).push_back(window_tokens(wave[i]->window[k]));
    tasks.push_back(std::move(task));
    task_row.push_back(i);
  }
  ModelOracle oracle(model, layer, config.model.hook, setup.bos, config.run.batch_tokens);
  const auto fits = fit_wave(oracle, table, config.fit, config.eval, setup.mask, tasks);
  forward_seconds += oracle.forward_seconds();
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
  }
  return rows;
}

// Test hook: N2G_TEST_KILL_AFTER_WAVES=n kills the process (SIGKILL) after its n-th new wave
// checkpoint, to prove that a killed run resumes.
void maybe_die(int waves_written) {
  const char* limit = std::getenv("N2G_TEST_KILL_AFTER_WAVES");
  if (limit && waves_written >= std::atoi(limit)) std::raise(SIGKILL);
}

struct FitResult {
  std::vector<std::pair<int64_t, AtlasRow>> rows;
  double seconds = 0, forward_seconds = 0;
  int64_t fitted = 0;
};

FitResult fit_owned(const std::vector<NeuronCandidates>& owned, const SweepConfig& config, const SweepSetup& setup,
                    const Transformer& model, uint64_t run_fingerprint, const RankContext& context, std::ostream& log) {
  const auto start = Clock::now();
  const TokenTable table(setup.vocab, setup.special);
  std::map<int32_t, std::vector<const NeuronCandidates*>> by_layer;
  for (const auto& c : owned) by_layer[setup.neurons.at(c.neuron).first].push_back(&c);
  ProgressBar bar("fit", setup.neurons.size(), "neurons", context.is_root() && config.run.progress, log);
  FitResult result;
  int waves_written = 0, waves_resumed = 0, waves = 0;
  for (const auto& [layer, neurons] : by_layer) {
    for (size_t first = 0, wave = 0; first < neurons.size(); first += config.run.neurons_per_wave, ++wave) {
      const std::vector<const NeuronCandidates*> members(
          neurons.begin() + first, neurons.begin() + std::min(neurons.size(), first + config.run.neurons_per_wave));
      const std::string path = (fs::path(config.checkpoint_dir()) /
                                ("wave-L" + std::to_string(layer) + "-" + std::to_string(wave) + "-rank" +
                                 std::to_string(context.rank) + ".ckpt")).string();
      std::vector<std::pair<int64_t, AtlasRow>> rows;
      ++waves;
      if (const auto saved = read_checkpoint(path, run_fingerprint)) {
        ++waves_resumed;
        ByteReader in(saved->data(), saved->size());
        while (!in.done()) rows.push_back(decode_row(in));
      } else {
        rows = fit_one_wave(members, layer, config, setup, model, table, result.forward_seconds);
        ByteWriter out;
        for (const auto& [row, data] : rows) encode_row(out, row, data);
        write_checkpoint(path, run_fingerprint, out.bytes());
        maybe_die(++waves_written);
      }
      result.fitted += static_cast<int64_t>(rows.size());
      result.rows.insert(result.rows.end(), rows.begin(), rows.end());
      bar.update(std::min(setup.neurons.size(), result.fitted * context.world_size));
    }
  }
  result.seconds = seconds_since(start);
  N2G_MPI(MPI_Barrier(context.comm));
  bar.update(setup.neurons.size());
  bar.finish();
  if (context.is_root() && waves_resumed > 0)
    log << "fit       resumed " << waves_resumed << " of " << waves << " waves from checkpoints\n";
  return result;
}

std::string best_neurons(const AtlasReader& atlas, size_t count) {
  const auto f1 = atlas.float_column("/stats/firing_f1");
  const auto firing = atlas.int64_column("/stats/firing_count");
  std::vector<int64_t> order;
  for (size_t r = 0; r < f1.size(); ++r)
    if (!std::isnan(f1[r]) && firing[r] >= 3) order.push_back(static_cast<int64_t>(r));
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return f1[a] > f1[b]; });
  std::ostringstream out;
  for (size_t i = 0; i < order.size() && i < count; ++i) {
    const AtlasRow row = atlas.row(order[i]);
    char head[96];
    std::snprintf(head, sizeof(head), "  layer %d neuron %d  F1 %.2f  ", row.layer, row.index, f1[order[i]]);
    out << head << describe_graph(unflatten(row.graph), atlas.header().vocab) << "\n";
  }
  return out.str();
}

}  // namespace

SweepSummary run_sweep(const SweepConfig& config, const RankContext& context, std::ostream& log, bool restart) {
  const auto wall = Clock::now();
  std::optional<SweepSetup> setup;
  agree(context, [&] { setup.emplace(prepare_sweep(config)); });

  std::optional<Transformer> model;
  std::string device;
  agree(context, [&] {
    device = device_for(config.model.device, context);
    LoadOptions options;
    const bool lm = config.fit.augment.method == AugmentMethod::lm;
    options.layers = lm ? setup->spec.n_layers : setup->neurons.deepest_layer() + 1;
    options.unembed = lm;
    options.device = device;
    options.dtype = compute_dtype(config.model.dtype);
    model.emplace(Transformer::load(config.model.path, options));
  });
  if (context.is_root())
    for (const auto& warning : model->warnings()) log << "warning: " << warning << "\n";
  const int threads = config.run.threads > 0
                          ? config.run.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / context.local_size);
  set_cpu_threads(threads);

  const std::string identity = run_identity(config, context.world_size);
  const uint64_t run_fingerprint = fingerprint(identity);
  open_checkpoints(config, identity, restart, context);

  const ScanResult scan = scan_and_exchange(config, *setup, *model, run_fingerprint, context, log);
  const FitResult fit = fit_owned(scan.owned, config, *setup, *model, run_fingerprint, context, log);

  AtlasHeader header;
  header.model = config.model.path;
  header.architecture = setup->spec.architecture;
  header.hook = config.model.hook;
  header.dataset = config.dataset.path;
  header.config = config.resolved_yaml();
  header.n_layers = setup->spec.n_layers;
  header.d_mlp = setup->spec.d_mlp;
  header.n_windows = setup->n_windows;
  header.top_k = config.scan.top_k;
  header.n_neurons = setup->neurons.size();
  header.vocab = setup->vocab;
  RunTimings timings;
  timings.scan_seconds = allreduce_max(scan.scan_seconds, context.comm);
  timings.exchange_seconds = allreduce_max(scan.exchange_seconds, context.comm);
  timings.fit_seconds = allreduce_max(fit.seconds, context.comm);
  timings.tokens_per_second = timings.scan_seconds > 0 ? scan.tokens / timings.scan_seconds : 0;
  timings.neurons_per_second = timings.fit_seconds > 0 ? setup->neurons.size() / timings.fit_seconds : 0;
  timings.device = device;
  timings.dtype = config.model.dtype;
  write_atlas(config.run.output, header, fit.rows, timings, {scan.scan_seconds, scan.exchange_seconds, fit.seconds},
              context.comm);

  SweepSummary summary;
  summary.atlas = config.run.output;
  summary.neurons = setup->neurons.size();
  summary.wall_seconds = allreduce_max(seconds_since(wall), context.comm);
  if (context.is_root()) {
    const AtlasReader atlas(config.run.output);
    std::ostringstream report;
    report << format_reports(layer_reports(atlas), "text");
    char line[160];
    std::snprintf(line, sizeof(line), "%lld neurons in %.1f s (%.1f neurons/s over the fit stage) on %d rank(s)\n",
                  static_cast<long long>(summary.neurons), summary.wall_seconds, timings.neurons_per_second,
                  context.world_size);
    report << line << "best neurons:\n" << best_neurons(atlas, 3);
    summary.report = report.str();
    std::error_code ignored;
    fs::remove_all(config.checkpoint_dir(), ignored);
  }
  return summary;
}

}  // namespace n2g
