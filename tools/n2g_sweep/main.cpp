// n2g_sweep CONFIG.yaml — run under mpirun (or alone for one rank).
#include <mpi.h>

#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "n2g/app/sweep_report.h"
#include "n2g/base/file_limit.h"
#include "n2g/cli/args.h"
#include "n2g/dist/agree.h"
#include "n2g/dist/rank_context.h"
#include "n2g/sweep/config.h"
#include "n2g/sweep/pipeline.h"
#include "n2g/sweep/sweep_check.h"
#include "n2g/sweep/termination.h"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  n2g::handle_file_size_limit();
  const n2g::RankContext context = n2g::make_rank_context(MPI_COMM_WORLD);
  int status = 0;
  try {
    std::string config_path;
    n2g::ArgParser args("n2g_sweep", "Explains every swept MLP neuron with an N2G graph and writes one HDF5 atlas.");
    bool restart = false;
    bool check_only = false;
    args.positional("CONFIG", config_path, "sweep config (YAML)");
    args.flag("restart", restart, "discard the checkpoints of an earlier run instead of resuming it");
    args.flag("check", check_only,
              "check the config, model and dataset, print the atlas path (run.output) and whether it is already "
              "done (swept from this config, model and dataset), and exit without sweeping");
    if (args.parse(argc, argv)) {
      std::optional<n2g::SweepConfig> config;
      n2g::agree(context, [&] { config.emplace(n2g::load_sweep_config(config_path)); });
      if (check_only) {
        std::optional<n2g::SweepCheck> check;
        n2g::agree(context, [&] { check.emplace(n2g::check_sweep(*config)); });
        if (context.is_root()) std::cout << "atlas: " << check->atlas << "\n" << check->state << "\n";
        MPI_Finalize();
        return 0;
      }
      n2g::announce_termination(*config, context);
      const n2g::SweepSummary summary = n2g::run_sweep(*config, context, std::cerr, restart);
      if (context.is_root()) std::cout << n2g::sweep_report(summary) << "atlas: " << summary.atlas << "\n";
    }
  } catch (const n2g::PeerFailure&) {
    status = 1;  // the reporting rank prints
  } catch (const n2g::AgreedFailure& error) {
    std::cerr << "n2g_sweep: error: " << error.what() << "\n";
    status = 1;
  } catch (const n2g::UsageError& error) {
    if (context.is_root()) std::cerr << "n2g_sweep: error: " << error.what() << "\n";  // every rank parsed the same arguments
    status = 1;
  } catch (const std::exception& error) {
    // This rank's alone: the others may be waiting for it in a collective, so end them all.
    const bool expected = dynamic_cast<const n2g::Error*>(&error) != nullptr;
    std::cerr << "n2g_sweep: " << (context.world_size > 1 ? "rank " + std::to_string(context.rank) + ": " : "")
              << (expected ? "error: " : "internal error: ") << n2g::one_line(error) << std::endl;
    if (context.world_size > 1) {
      n2g::announce_rank_failure();  // rank 0's SIGTERM notice then says why the job ends
      // mpirun forwards a rank's output through its daemon, which MPI_Abort can stop before the
      // message above arrives: give it a moment.
      std::this_thread::sleep_for(std::chrono::seconds(1));
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    status = expected ? 1 : 2;
  }
  MPI_Finalize();
  return status;
}
