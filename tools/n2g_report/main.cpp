// n2g_report ATLAS [--format text|csv|markdown] [--html DIR]
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "n2g/app/render.h"
#include "n2g/app/report.h"
#include "n2g/base/progress.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"
#include "n2g/model/threads.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_report", [&] {
    std::string path, format = "text", html;
    bool no_examples = false;
    n2g::ArgParser args("n2g_report", "Prints the per-layer table of the N2G paper (N2G against the token-lookup and "
                                      "n-gram baselines) and optionally writes an HTML atlas with a page per neuron.");
    args.positional("ATLAS", path, "atlas written by n2g_sweep");
    args.option("format", format, "text (default) | csv | markdown");
    args.option("html", html, "also write index.html and one page per neuron into this directory");
    args.flag("no-examples", no_examples, "HTML pages without re-running the model for shaded examples");
    if (!args.parse(argc, argv)) return 0;
    n2g::set_cpu_threads(static_cast<int>(std::thread::hardware_concurrency()));
    const n2g::AtlasReader atlas(path);
    const auto reports = n2g::layer_reports(atlas);
    std::cout << n2g::format_reports(reports, format);
    if (html.empty()) return 0;
    std::filesystem::create_directories(html);
    const auto shader = no_examples ? nullptr : n2g::open_shader(atlas, std::cerr);
    n2g::ProgressBar bar("pages", atlas.rows(), "neurons", true, std::cerr);
    for (int64_t row = 0; row < atlas.rows(); ++row) {
      n2g::render_neuron(atlas, row, html, shader.get());
      bar.update(row + 1);
    }
    bar.finish();
    const std::string index = (std::filesystem::path(html) / "index.html").string();
    std::ofstream(index) << n2g::atlas_index_page(atlas, reports);
    std::cout << "HTML report: " << index << "\n";
    return 0;
  });
}
