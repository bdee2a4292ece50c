// What `n2g_render` and `n2g_report --html` draw: a neuron's display graph as DOT (SVG when
// Graphviz is installed) and a standalone HTML page with the graph, its scores next to the
// baselines, its stored examples shaded by the real activation, its output effects and similar
// neurons (n2g_render; the web atlas of n2g_report --html is app/site.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "n2g/io/atlas.h"

namespace n2g {

struct ShadedExample {
  std::string label;               // "train window 12", "test window 7", "random window 300 (band 2)"
  std::vector<std::string> tokens;
  std::vector<float> normalised;   // activation / a_max at each token; NaN: not shaded (a dead neuron)
  float activation = 0;            // the example's max activation
};

// The examples the atlas stores for a neuron (top windows, then quantile examples), with the
// tokens' display text: no model or dataset needed.
std::vector<ShadedExample> stored_examples(const AtlasRow& row, const std::vector<std::string>& vocab);

// The graph as DOT, titled with the unit's name (header.unit_name).
std::string neuron_dot(const AtlasRow& row, const AtlasHeader& header);
// SVG from Graphviz `dot`, or nothing when it is not installed.
std::optional<std::string> dot_to_svg(const std::string& dot);
std::string neuron_page(const AtlasReader& atlas, const AtlasRow& row, const std::string& graph_svg_or_dot);
std::string page_name(int32_t layer, int32_t index);  // "L3_N17"

struct RenderedFiles {
  std::string dot, svg, html;  // paths written ("" for an svg that Graphviz could not make)
};
// Writes <dir>/L<l>_N<i>.{dot,svg,html}.
RenderedFiles render_neuron(const AtlasReader& atlas, int64_t row, const std::string& dir);


}  // namespace n2g
