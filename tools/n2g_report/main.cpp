// n2g_report ATLAS [--format text|csv|markdown|json] [--neurons] [--html DIR]
#include <filesystem>
#include <iostream>

#include "n2g/app/neuron_table.h"
#include "n2g/app/site.h"
#include "n2g/app/report.h"
#include "n2g/base/progress.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"
#include "n2g/io/staged.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_report", [&] {
    std::string path, format = "text", html;
    bool neurons = false;
    n2g::ArgParser args("n2g_report", "Prints the per-layer tables of the N2G paper (N2G against the token-lookup and "
                                      "n-gram baselines, on both test sets, with 95% bootstrap intervals, and diagnostics) "
                                      "or a record per neuron, and optionally writes the web atlas (from the atlas alone).");
    args.positional("ATLAS", path, "atlas written by n2g_sweep");
    args.option("format", format, "text (default) | csv | markdown; with --neurons: csv | json");
    args.flag("neurons", neurons, "one record per neuron instead of the per-layer table: every score and baseline on "
                                  "both test sets, diagnostics, graph size, what it fires on");
    args.option("html", html, "also write the web atlas (index.html and its data files) into this directory");
    if (!args.parse(argc, argv)) return 0;
    // The site is staged beside DIR and swapped in (app/site.h): its parent must be writable.
    if (!html.empty()) n2g::ensure_output_directory(std::filesystem::path(n2g::without_trailing_separator(html)).parent_path().string(), "--html");
    const n2g::AtlasReader atlas(path);
    const auto reports = n2g::layer_reports(atlas);
    std::cout << (neurons ? n2g::neuron_table(atlas, format) : n2g::format_reports(reports, format));
    if (html.empty()) return 0;
    n2g::ProgressBar bar("site", atlas.rows(), "neurons", true, std::cerr);
    const auto site = n2g::write_site(atlas, html, [&](int64_t done) { bar.update(done); });
    bar.finish();
    std::cout << "web atlas: " << site.index << " (" << site.files << " files, " << site.bytes / 1000000.0
              << " MB; open it in a browser, no server needed)\n";
    return 0;
  });
}
