#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "n2g/base/progress.h"
#include "n2g/dist/collectives.h"
#include "n2g/errors.h"
#include "n2g/io/checkpoint.h"
#include "n2g/sweep/scan.h"
#include "n2g/sweep/stages.h"

namespace n2g {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void inject_test_fault(const char* stage, const RankContext& context) {
  const char* where = std::getenv("N2G_TEST_FAIL_IN");
  const char* rank = std::getenv("N2G_TEST_FAIL_RANK");
  if (where && std::string(where) == stage && context.rank == (rank ? std::atoi(rank) : 0))
    throw Error(std::string("injected fault in the ") + stage + " stage (N2G_TEST_FAIL_IN)");
}

namespace {

std::string scan_checkpoint(const SweepConfig& config, int rank) {
  return (fs::path(config.checkpoint_dir()) / ("scan-rank" + std::to_string(rank) + ".ckpt")).string();
}

// The scan's result as an earlier run with any number of ranks left it: each of its ranks wrote the
// candidates it owned; this rank reads them all and keeps its own (or only its own file when the
// number of ranks is the same). Empty when any file is missing, torn or foreign.
std::optional<ScanResult> resume_scan(const SweepConfig& config, uint64_t run_fingerprint, const RankContext& context) {
  const auto read = [&](int rank) { return read_checkpoint(scan_checkpoint(config, rank), run_fingerprint); };
  const auto writers_of = [](const std::vector<char>& bytes) {  // the number of ranks that wrote it
    ByteReader in(bytes.data(), bytes.size());
    int32_t world = 0;
    in.get(world);
    return world;
  };
  auto own = read(context.rank);
  const auto first = own ? std::nullopt : read(0);
  if (!own && !first) return std::nullopt;
  const int32_t writers = writers_of(own ? *own : *first);
  std::vector<int> files{context.rank};
  if (!own || writers != context.world_size) {
    files.clear();
    for (int r = 0; r < writers; ++r) files.push_back(r);
  }
  ScanResult result;
  for (int file : files) {
    const auto saved = file == context.rank && own ? std::move(own) : read(file);
    if (!saved || writers_of(*saved) != writers) return std::nullopt;
    ByteReader in(saved->data(), saved->size());
    int32_t world = 0;
    in.fields(world, result.tokens, result.scan_seconds, result.exchange_seconds, result.exchange_bytes);
    while (!in.done()) {
      NeuronCandidates c = decode_candidates(in);
      if (owner_of(c.neuron, context.world_size) == context.rank) result.owned.push_back(std::move(c));
    }
  }
  std::sort(result.owned.begin(), result.owned.end(),
            [](const NeuronCandidates& a, const NeuronCandidates& b) { return a.neuron < b.neuron; });
  return result;
}

}  // namespace

ScanResult scan_and_exchange(const SweepConfig& config, const SweepSetup& setup, const Transformer& model,
                             uint64_t run_fingerprint, const RankContext& context, std::ostream& log) {
  auto resumed = resume_scan(config, run_fingerprint, context);
  double have = resumed ? 1 : 0;
  N2G_MPI(MPI_Allreduce(MPI_IN_PLACE, &have, 1, MPI_DOUBLE, MPI_MIN, context.comm));
  if (have == 1) {
    if (context.is_root()) log << "scan      resumed from " << config.checkpoint_dir() << "\n";
    return std::move(*resumed);
  }
  ScanResult result;
  auto start = Clock::now();
  const ScanSlice slice = scan_slice(setup.n_windows, config.scan.batch_windows, context.rank, context.world_size);
  const int64_t first = slice.first, last = slice.last;
  ScanOptions options;
  options.top_k = config.scanned_windows();
  options.batch_windows = static_cast<int>(slice.batch);
  options.hook = setup.hook_kind;
  options.bos = setup.bos;
  options.special = setup.special;
  for (int32_t layer : setup.neurons.layers()) options.sampled.push_back(random_windows_of_layer(config, setup.n_windows, layer));
  ProgressBar bar("scan", setup.n_windows, "windows", context.is_root() && config.run.progress, log);
  inject_test_fault("scan", context);
  const auto local = scan_windows(model, setup.dataset, first, last, setup.neurons, options,
                                  [&](int64_t done) { bar.update(done * context.world_size); });
  result.scan_seconds = seconds_since(start);
  N2G_MPI(MPI_Barrier(context.comm));
  bar.update(setup.n_windows);
  bar.finish();
  double tokens = local.empty() ? 0 : local.front().tokens;
  result.tokens = allreduce_sum(tokens, context.comm);
  start = Clock::now();
  inject_test_fault("exchange", context);
  int64_t sent = 0;
  result.owned = exchange_candidates(local, config.scanned_windows(), context, &sent);
  result.exchange_seconds = seconds_since(start);
  result.exchange_bytes = allreduce_sum(static_cast<double>(sent), context.comm);
  // The stage's timings travel with the candidates, so that a resumed run's /run reports them.
  ByteWriter out;
  out.fields(static_cast<int32_t>(context.world_size), result.tokens, result.scan_seconds, result.exchange_seconds,
             result.exchange_bytes);
  for (const auto& c : result.owned) encode_candidates(out, c);
  write_checkpoint(scan_checkpoint(config, context.rank), run_fingerprint, out.bytes());
  return result;
}

}  // namespace n2g
