// The sweep's two long stages, for the pipeline: scan + exchange, and fit + evaluate in waves.
// Both keep their results in checkpoint files under run.checkpoint_dir and resume from them.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <utility>
#include <vector>

#include "n2g/base/timing.h"
#include "n2g/dist/exchange.h"
#include "n2g/dist/rank_context.h"
#include "n2g/fit/fit_wave.h"
#include "n2g/io/atlas.h"
#include "n2g/model/transformer.h"
#include "n2g/sweep/config.h"
#include "n2g/sweep/setup.h"

namespace n2g {

// Test hook: with N2G_TEST_FAIL_IN=<stage> (scan, exchange, fit, write), the rank named by
// N2G_TEST_FAIL_RANK (default 0) throws an Error when it reaches that stage, to prove that a fault
// on one rank ends the whole job.
void inject_test_fault(const char* stage, const RankContext& context);

// The layer's random windows, drawn once (seeded by fit.seed and the layer): enough that every
// neuron finds eval.random_windows test and n2g+'s random train windows after leaving out its own
// top windows. The scan keeps every neuron's activations on them; the fit takes them from there.
std::vector<int64_t> random_windows_of_layer(const SweepConfig& config, int64_t n_windows, int32_t layer);

struct ScanResult {
  std::vector<NeuronCandidates> owned;  // this rank's neurons, ascending
  double scan_seconds = 0, exchange_seconds = 0;
  double exchange_bytes = 0;            // sent by all ranks (0 when resumed)
  double tokens = 0;                    // scanned tokens, all ranks
};

// Stages 1 and 2 (collective): every rank scans its slice of windows, then candidates go to owners.
ScanResult scan_and_exchange(const SweepConfig& config, const SweepSetup& setup, const Transformer& model,
                             uint64_t run_fingerprint, const RankContext& context, std::ostream& log);

struct FitResult {
  std::vector<std::pair<int64_t, AtlasRow>> rows;  // (sweep index, row) of the neurons this rank fitted or resumed, ascending
  double seconds = 0, forward_seconds = 0;
  FitCosts costs;  // of the waves fitted in this run (not those resumed)
  int64_t fitted = 0;   // rows, resumed ones included
  int64_t resumed = 0;  // rows read from an earlier run's checkpoints
  int64_t waves_taken_over = 0;  // waves this rank fitted for another rank that had not started them
};

// Stages 3 and 4: this rank's neurons in waves (one layer each, at most run.neurons_per_wave);
// collective: a rank that runs out of waves takes over waves of others (dist/work_queue.h), so
// `rows` may hold other ranks' neurons too (ascending).
FitResult fit_owned(std::vector<NeuronCandidates> owned, const SweepConfig& config, const SweepSetup& setup,
                    const Transformer& model, uint64_t run_fingerprint, const RankContext& context, std::ostream& log);

}  // namespace n2g
