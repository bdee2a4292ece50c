// n2g_compare ATLAS... [--format text|csv|json]
// n2g_compare A B --match [--format text|csv|json]
#include <iostream>

#include "n2g/app/compare.h"
#include "n2g/app/match.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_compare", [&] {
    std::vector<std::string> paths;
    std::string format = "text";
    bool match = false;
    n2g::ArgParser args("n2g_compare", "Puts atlases side by side (a family of models, checkpoints of one run): a row per "
                                       "(atlas, layer) and one per atlas with model size, relative depth, neurons ok / dead / "
                                       "near-dead, N2G and token-lookup firing F1 on both test sets with 95% bootstrap "
                                       "intervals, the share with F1 >= 0.8, graph size, density, correlation and fit cost.");
    args.positionals("ATLAS", paths, "atlases written by n2g_sweep, each once");
    args.option("format", format, "text (default) | csv | json");
    args.flag("match", match, "with two atlases A B: for every neuron of A its 5 most similar neurons of B by what "
                              "their graphs fire on (csv, json), and per layer the share whose best match scores >= 0.5 "
                              "(text)");
    if (!args.parse(argc, argv)) return 0;
    if (match) {
      if (paths.size() != 2) throw n2g::UsageError("--match compares two atlases, A and B; " + std::to_string(paths.size()) + " given");
      std::cout << n2g::format_matches(n2g::match_atlases(paths[0], paths[1]), format);
      return 0;
    }
    std::cout << n2g::format_comparison(n2g::compare_atlases(paths), format);
    return 0;
  });
}
