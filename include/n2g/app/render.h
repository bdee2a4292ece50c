// What `n2g_render` and `n2g_report --html` draw: a neuron's display graph as DOT (SVG when
// Graphviz is installed) and a standalone HTML page with the graph, its scores next to the
// baselines and its top examples shaded by the real activation; and the atlas's index page.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "n2g/app/report.h"
#include "n2g/io/atlas.h"

namespace n2g {

struct ShadedExample {
  int64_t window;
  uint8_t split;
  std::vector<std::string> tokens;
  std::vector<float> normalised;  // activation / a_max at each token
};

// Re-runs the atlas's model on a neuron's example windows (read from the atlas's dataset).
class ExampleShader {
 public:
  // Throws when the model or dataset named by the atlas cannot be opened.
  explicit ExampleShader(const AtlasReader& atlas);
  ~ExampleShader();
  std::vector<ShadedExample> examples(const AtlasRow& row) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The shader for `atlas`, or null (with the reason on `log`) when its model or dataset cannot be
// opened: pages are then written without shaded examples.
std::unique_ptr<ExampleShader> open_shader(const AtlasReader& atlas, std::ostream& log);

std::string neuron_dot(const AtlasRow& row, const std::vector<std::string>& vocab);
// SVG from Graphviz `dot`, or nothing when it is not installed.
std::optional<std::string> dot_to_svg(const std::string& dot);
std::string neuron_page(const AtlasReader& atlas, const AtlasRow& row, const std::string& graph_svg_or_dot,
                        const std::vector<ShadedExample>& examples, const std::string& note);
std::string page_name(int32_t layer, int32_t index);  // "L3_N17"

struct RenderedFiles {
  std::string dot, svg, html;  // paths written ("" for an svg that Graphviz could not make)
};
// Writes <dir>/L<l>_N<i>.{dot,svg,html}; examples are unshaded when `shader` is null.
RenderedFiles render_neuron(const AtlasReader& atlas, int64_t row, const std::string& dir, const ExampleShader* shader);

std::string atlas_index_page(const AtlasReader& atlas, const std::vector<LayerReport>& reports);

}  // namespace n2g
