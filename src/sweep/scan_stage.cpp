#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "n2g/cli/progress.h"
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
  // Slices start on a multiple of the scan batch, so that every window is scanned in the same
  // batch whatever the number of ranks (a float32 product of one row depends on its batch).
  const int64_t B = config.scan.batch_windows;
  const int64_t batches = (setup.n_windows + B - 1) / B;
  const int64_t first = std::min(setup.n_windows, B * (batches * context.rank / context.world_size));
  const int64_t last = std::min(setup.n_windows, B * (batches * (context.rank + 1) / context.world_size));
  ScanOptions options;
  options.top_k = config.scan.top_k;
  options.batch_windows = config.scan.batch_windows;
  options.hook = config.model.hook;
  options.bos = setup.bos;
  options.special = setup.special;
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
  result.owned = exchange_candidates(local, config.scan.top_k, context, &sent);
  result.exchange_seconds = seconds_since(start);
  result.exchange_bytes = allreduce_sum(static_cast<double>(sent), context.comm);
  ByteWriter out;
  out.put(result.tokens);
  for (const auto& c : result.owned) encode_candidates(out, c);
  write_checkpoint(path, run_fingerprint, out.bytes());
  return result;
}

}  // namespace n2g
