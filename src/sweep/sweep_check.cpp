#include "n2g/sweep/sweep_check.h"

#include <filesystem>

#include "n2g/errors.h"
#include "n2g/io/atlas.h"
#include "n2g/sweep/identity.h"
#include "n2g/sweep/setup.h"

namespace n2g {

SweepCheck check_sweep(const SweepConfig& config) {
  const SweepSetup setup = prepare_sweep(config, /*output_directory_may_be_missing=*/true);
  SweepCheck check{config.run.output, false, ""};
  if (!std::filesystem::exists(config.run.output)) {
    check.state = "to do: no atlas yet";
    return check;
  }
  std::string written_by;
  try {
    written_by = AtlasReader(config.run.output).header().run_identity;
  } catch (const Error& error) {
    check.state = std::string("to do: the file there is no readable atlas (") + error.what() + ")";
    return check;
  }
  if (written_by.empty()) {
    check.state = "to do: the atlas there was written before n2g recorded what it was swept from";
  } else if (const std::string difference = run_identity(config, setup).difference_from(RunIdentity::parse(written_by));
             !difference.empty()) {
    check.state = "to do: the atlas there is from " + difference;
  } else {
    check.done = true;
    check.state = "done: the atlas there was swept from this config, model and dataset";
  }
  return check;
}

}  // namespace n2g
