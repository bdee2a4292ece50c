#include "n2g/sweep/pipeline.h"

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "n2g/dist/agree.h"
#include "n2g/dist/collectives.h"
#include "n2g/io/atlas.h"
#include "n2g/io/checkpoint.h"
#include "n2g/io/run_files.h"
#include "n2g/io/staged.h"
#include "n2g/model/threads.h"
#include "n2g/model/transformer.h"
#include "n2g/sweep/identity.h"
#include "n2g/sweep/setup.h"
#include "n2g/sweep/stages.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The dtype the model computes in. In exact mode float32 sweeps compute in float64 and round every
// activation to float32: a float32 matrix product gives a row slightly different results depending
// on the other rows of its batch, and the batches of a wave depend on the number of ranks; in
// float64 those differences vanish in the rounding, so the atlas is the same for any number of
// ranks. GPUs would lose their tensor cores in float64, so exact mode is CPU-only.
std::string compute_dtype(const SweepConfig& config, const std::string& device) {
  if (config.run.reproducible != "exact") return config.model.dtype;
  if (device != "cpu")
    throw ConfigError("run.reproducible: exact computes in float64, which " + device +
                      " runs without its tensor cores; use reproducible: fast on GPUs");
  return "float64";
}

// Whether the node shows NVIDIA GPUs, whatever this build can use.
bool gpus_visible() {
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  if (visible && (std::string(visible).empty() || std::string(visible) == "-1")) return false;
  return fs::exists("/dev/nvidia0") || (visible && *visible);
}

std::string device_for(const std::string& configured, const RankContext& context) {
  const bool cuda = configured == "cuda" || (configured == "auto" && torch::cuda::is_available());
  if (!cuda) return "cpu";
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (count == 0) throw ModelError("model.device is cuda, but no CUDA device is visible to rank " + std::to_string(context.rank));
  return "cuda:" + std::to_string(context.local_rank % count);
}

// Locks the output (rank 0, for the whole run), then creates the checkpoint directory and its
// manifest, or checks that an existing one is this run's (`restart` first removes n2g's own
// files from it). A directory n2g does not own is refused, never written into or emptied.
void open_checkpoints(const SweepConfig& config, const RunIdentity& identity, bool restart, const RankContext& context,
                      std::optional<FileLock>& output_lock, std::optional<FileLock>& checkpoint_lock) {
  const fs::path dir = config.checkpoint_dir();
  const fs::path manifest = dir / "manifest.yaml";
  agree(context, [&] {
    if (!context.is_root()) return;
    output_lock.emplace(lock_output(config.run.output));
    const std::string key = config.run.checkpoint_dir.empty() ? "run.output (checkpoints in " + dir.string() + ")"
                                                              : "run.checkpoint_dir";
    claim_checkpoint_directory(dir.string(), key);
    // Jobs with other outputs may share the directory: each holds it while it runs, and
    // --restart removes nothing while another job holds it.
    checkpoint_lock.emplace(lock_checkpoint_directory(dir.string(), key));
    if (restart) remove_checkpoint_files(dir.string(), /*keep_claim=*/true);
    if (fs::exists(manifest)) {
      std::ifstream in(manifest);
      const std::string existing((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string difference = identity.difference_from(RunIdentity::parse(existing));
      if (!difference.empty())
        throw ConfigError("checkpoint directory " + dir.string() + " holds " + difference +
                          "; to start over, run again with --restart (or set run.checkpoint_dir to a new directory)");
    } else {
      write_file_atomically(manifest.string(), identity.text());
    }
  });
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
    options.unembed = true;  // output effects (and the lm method's substitutes)
    options.device = device;
    options.dtype = compute_dtype(config, device);
    model.emplace(Transformer::load(config.model.path, options));
    if (setup->sae) {
      model->attach_sae(setup->sae->to(model->device(), model->dtype()));
      setup->sae.reset();  // the model holds it now
    }
  });
  if (context.is_root())
    for (const auto& warning : model->warnings()) log << "warning: " << warning << "\n";
  if (context.is_root() && device == "cpu" && gpus_visible())
    log << "warning: this node has NVIDIA GPUs, but " << (torch::cuda::is_available() ? "model.device is cpu"
                                                                                     : "this build of n2g has no CUDA")
        << ": the sweep runs on the CPU (set model.device: cuda to make that an error)\n";
  const int threads = rank_threads(config.run.threads, context.local_size);
  set_cpu_threads(threads);

  const RunIdentity identity = run_identity(config, *setup);
  // The checkpoints' own layout is part of what they must match (2: candidates count non-finite
  // activations; 3: they hold the activations on the random windows; 4: rows hold correlations):
  // files of an older n2g are foreign and their work is redone.
  const uint64_t run_fingerprint = fingerprint("checkpoint layout 4\n" + identity.text());
  std::optional<FileLock> output_lock, checkpoint_lock;  // rank 0's, until the atlas is in place
  open_checkpoints(config, identity, restart, context, output_lock, checkpoint_lock);

  ScanResult scan = scan_and_exchange(config, *setup, *model, run_fingerprint, context, log);
  const FitResult fit = fit_owned(std::move(scan.owned), config, *setup, *model, run_fingerprint, context, log);

  AtlasHeader header;
  header.model = config.model.path;
  header.architecture = setup->spec.architecture;
  header.hook = setup->hook_kind;
  header.dataset = config.dataset.path;
  header.config = config.resolved_yaml();
  header.n_layers = setup->spec.n_layers;
  header.d_mlp = setup->neurons.width();
  if (const Sae* sae = model->sae()) {
    header.sae = config.neurons.sae;
    header.sae_hook = sae->spec().hook_name;
    header.sae_architecture = sae->spec().architecture;
  }
  header.parameters = setup->spec.parameters();
  header.run_identity = identity.text();
  header.n_windows = setup->n_windows;
  header.top_k = config.scan.top_k;
  header.n_neurons = setup->neurons.size();
  header.vocab = setup->vocab;
  RunTimings timings;
  timings.scan_seconds = allreduce_max(scan.scan_seconds, context.comm);
  timings.exchange_seconds = allreduce_max(scan.exchange_seconds, context.comm);
  timings.exchange_bytes = scan.exchange_bytes;
  timings.fit_seconds = allreduce_max(fit.seconds, context.comm);
  timings.tokens_per_second = timings.scan_seconds > 0 ? scan.tokens / timings.scan_seconds : 0;
  // Rates and costs count the neurons this run fitted: a resumed run's are its own, not the
  // earlier run's work over this run's seconds.
  timings.resumed_neurons = allreduce_sum(static_cast<double>(fit.resumed), context.comm);
  const double fitted_now = static_cast<double>(setup->neurons.size()) - timings.resumed_neurons;
  timings.neurons_per_second = timings.fit_seconds > 0 ? fitted_now / timings.fit_seconds : 0;
  timings.threads = threads;
  const double neurons = std::max(1.0, fitted_now);
  timings.fit_core_seconds_per_neuron = timings.fit_seconds * context.world_size * threads / neurons;
  const auto per_neuron = [&](const StageCost& stage, double& core_seconds, double* forward_tokens) {
    core_seconds = allreduce_sum(stage.seconds, context.comm) * threads / neurons;
    const double tokens = allreduce_sum(static_cast<double>(stage.forward_tokens), context.comm) / neurons;
    if (forward_tokens) *forward_tokens = tokens;
  };
  per_neuron(fit.costs.windows, timings.windows_core_seconds_per_neuron, &timings.windows_forward_tokens_per_neuron);
  per_neuron(fit.costs.prune, timings.prune_core_seconds_per_neuron, &timings.prune_forward_tokens_per_neuron);
  per_neuron(fit.costs.saliency, timings.saliency_core_seconds_per_neuron, &timings.saliency_forward_tokens_per_neuron);
  per_neuron(fit.costs.augment, timings.augment_core_seconds_per_neuron, &timings.augment_forward_tokens_per_neuron);
  per_neuron(fit.costs.evaluate, timings.evaluate_core_seconds_per_neuron, nullptr);
  timings.device = device;
  timings.dtype = dtype_name(model->dtype());
  timings.reproducible = config.run.reproducible;
  inject_test_fault("write", context);
  write_atlas(config.run.output, header, fit.rows, timings, {scan.scan_seconds, scan.exchange_seconds, fit.seconds},
              context.comm);

  SweepSummary summary;
  summary.atlas = config.run.output;
  summary.neurons = setup->neurons.size();
  summary.world_size = context.world_size;
  summary.wall_seconds = allreduce_max(seconds_since(wall), context.comm);
  summary.forward_share = fit.seconds > 0 ? fit.forward_seconds / fit.seconds : 0;
  if (context.is_root()) remove_checkpoint_files(config.checkpoint_dir());
  return summary;
}

}  // namespace n2g
