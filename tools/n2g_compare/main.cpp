// n2g_compare ATLAS... [--format text|csv|json] [--html DIR [--sites SITE,...]]
// n2g_compare A B --match [--format text|csv|json]
#include <filesystem>
#include <iostream>

#include "n2g/app/compare.h"
#include "n2g/app/compare_page.h"
#include "n2g/app/match.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"
#include "n2g/io/staged.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_compare", [&] {
    std::vector<std::string> paths;
    std::string format = "text";
    bool match = false;
    std::string html;
    std::vector<std::string> sites;
    n2g::ArgParser args("n2g_compare", "Puts atlases side by side (a family of models, checkpoints of one run): a row per "
                                       "(atlas, layer) and one per atlas with model size, relative depth, neurons ok / dead / "
                                       "near-dead, N2G and token-lookup firing F1 on both test sets with 95% bootstrap "
                                       "intervals, the share with F1 >= 0.8, graph size, density, correlation and fit cost.");
    args.positionals("ATLAS", paths, "atlases written by n2g_sweep, each once");
    args.option("format", format, "text (default) | csv | json");
    args.flag("match", match, "with two atlases A B: for every neuron of A its 5 most similar neurons of B by what "
                              "their graphs fire on (csv, json), and per layer the share whose best match scores >= 0.5 "
                              "(text)");
    args.option("html", html, "also write the comparison as a page with plots: DIR/index.html");
    args.list("sites", sites, "with --html: each atlas's web atlas (its index.html, as the page should link it), in order");
    if (!args.parse(argc, argv)) return 0;
    if (!html.empty()) n2g::ensure_output_directory(html, "--html");
    if (match) {
      if (paths.size() != 2) throw n2g::UsageError("--match compares two atlases, A and B; " + std::to_string(paths.size()) + " given");
      std::cout << n2g::format_matches(n2g::match_atlases(paths[0], paths[1]), format);
      return 0;
    }
    const auto rows = n2g::compare_atlases(paths);
    std::cout << n2g::format_comparison(rows, format);
    if (!html.empty()) {
      const std::string page = (std::filesystem::path(html) / "index.html").string();
      n2g::write_file_atomically(page, n2g::comparison_page(rows, sites));
      std::cerr << "comparison page: " << page << "\n";
    }
    return 0;
  });
}
