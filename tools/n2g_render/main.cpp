// n2g_render ATLAS LAYER INDEX [--out DIR]
#include <iostream>

#include "n2g/app/render.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_render", [&] {
    std::string path, layer, index, out = ".";
    n2g::ArgParser args("n2g_render", "Writes a neuron's graph as DOT (and SVG when Graphviz's dot is installed) and a "
                                      "standalone HTML page with its scores, stored examples, output effects and similar neurons (from the atlas alone).");
    args.positional("ATLAS", path, "atlas written by n2g_sweep");
    args.positional("LAYER", layer, "layer of the neuron");
    args.positional("INDEX", index, "index of the neuron in its layer");
    args.option("out", out, "directory for the files (default .)");
    if (!args.parse(argc, argv)) return 0;
    n2g::ensure_output_directory(out, "--out");
    const n2g::AtlasReader atlas(path);
    const auto l = static_cast<int32_t>(n2g::parse_integer(layer, "LAYER"));
    const auto i = static_cast<int32_t>(n2g::parse_integer(index, "INDEX"));
    const auto row = atlas.find(l, i);
    if (!row)
      throw n2g::UsageError(
          atlas.header().unit_name(l, i) + " is not in " + path + " (it holds " +
          std::to_string(atlas.rows()) +
          (atlas.header().latents() ? " of the SAE's " + std::to_string(atlas.header().d_mlp) + " latents, all in layer " +
                                          std::to_string(atlas.row(0).layer)
                                    : " neurons of " + std::to_string(atlas.header().n_layers) + " layers x " +
                                          std::to_string(atlas.header().d_mlp)) +
          ")");
    const auto files = n2g::render_neuron(atlas, *row, out);
    std::cout << files.dot << "\n" << (files.svg.empty() ? "" : files.svg + "\n") << files.html << "\n";
    return 0;
  });
}
