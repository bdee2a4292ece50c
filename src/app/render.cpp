#include "n2g/app/render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include <unistd.h>

#include "n2g/errors.h"
#include "n2g/io/staged.h"
#include "n2g/graph/describe.h"
#include "n2g/graph/display.h"
#include "n2g/graph/serialize.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else if (c == '\n') out += "\u21b5";
    else out += c;
  }
  return out;
}

std::string number(float value) {
  if (std::isnan(value)) return "&ndash;";
  char text[16];
  std::snprintf(text, sizeof(text), "%.2f", value);
  return text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && fs::exists(fs::path(dir) / program)) return true;
  return false;
}

constexpr float kFireThreshold = 0.5f;  // eval.fire_threshold's default, as the web atlas uses
constexpr size_t kMaxPathRows = 200;

// The graph's paths as a table: context (oldest first, "any" for the wildcard), the activating
// token, the END value; paths known not to fire greyed.
std::string paths_table(const Trie& trie, const std::vector<std::string>& vocab) {
  const auto text = [&vocab](int32_t id) {
    if (id == kIgnoreToken) return std::string("<i>any</i>");
    return "<span class=\"tok\">" + html_escape(id >= 0 && id < static_cast<int32_t>(vocab.size()) ? vocab[id] : "#" + std::to_string(id)) + "</span>";
  };
  const std::vector<GraphPath> paths = graph_paths(trie);
  if (paths.empty()) return "";
  std::ostringstream out;
  out << "<h2>Paths</h2><p>Each path predicts its END (normalised activation) where the activating token follows "
         "the context; greyed paths are contexts known not to fire (END below "
      << number(kFireThreshold) << ").</p><table><tr><th>context before it</th><th>activating token</th><th>END</th></tr>";
  for (size_t i = 0; i < paths.size() && i < kMaxPathRows; ++i) {
    const GraphPath& path = paths[i];
    std::string context;
    for (auto token = path.context.rbegin(); token != path.context.rend(); ++token) context += text(*token) + " ";
    out << "<tr" << (path.end < kFireThreshold ? " style=\"color:#999\"" : "") << "><td>" << context << "</td><td>"
        << text(path.activating) << "</td><td>" << number(path.end) << "</td></tr>";
  }
  out << "</table>";
  if (paths.size() > kMaxPathRows) out << "<p>(" << paths.size() - kMaxPathRows << " more paths)</p>";
  return out.str();
}

const char* kStyle =
    "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}.tok{white-space:pre;border-radius:3px}"
    ".ex{font-family:monospace;margin:.4em 0;line-height:1.8}</style>";

}  // namespace

std::vector<ShadedExample> stored_examples(const AtlasRow& row, const std::vector<std::string>& vocab) {
  const bool shaded = row.status != kDead && row.max_activation > 0;
  const auto text = [&vocab](int32_t id) { return id >= 0 && id < static_cast<int32_t>(vocab.size()) ? vocab[id] : "#" + std::to_string(id); };
  std::vector<ShadedExample> out;
  const auto add = [&](const std::string& label, float activation, const std::vector<int32_t>& tokens,
                       const std::vector<int8_t>& values, size_t slot) {
    ShadedExample e{label, {}, {}, activation};
    for (size_t j = slot * kExampleWidth; j < (slot + 1) * kExampleWidth; ++j) {
      if (tokens[j] < 0) continue;
      e.tokens.push_back(text(tokens[j]));
      e.normalised.push_back(shaded ? values[j] * row.example_scale / 127.0f / row.max_activation : NAN);
    }
    out.push_back(std::move(e));
  };
  for (size_t k = 0; k < row.example_start.size(); ++k)
    if (row.example_start[k] >= 0)
      add((row.example_split[k] == 0 ? "train window " : "test window ") + std::to_string(row.example_window[k]),
          row.example_activation[k], row.example_tokens, row.example_values, k);
  for (size_t q = 0; q < row.quantile_window.size(); ++q)
    if (row.quantile_window[q] >= 0)
      add("random window " + std::to_string(row.quantile_window[q]) + " (band " + std::to_string(q / kQuantilePerBand + 1) +
              " of " + std::to_string(kQuantileBands) + ")",
          row.quantile_activation[q], row.quantile_tokens, row.quantile_values, q);
  return out;
}

std::string page_name(int32_t layer, int32_t index) { return "L" + std::to_string(layer) + "_N" + std::to_string(index); }

std::string neuron_dot(const AtlasRow& row, const AtlasHeader& header) {
  return to_dot(display_graph(unflatten(row.graph)), header.vocab, header.unit_name(row.layer, row.index));
}

std::optional<std::string> dot_to_svg(const std::string& dot) {
  if (!on_path("dot")) return std::nullopt;
  const fs::path dir = fs::temp_directory_path();
  const std::string stem = (dir / ("n2g_render_" + std::to_string(::getpid()))).string();
  std::ofstream(stem + ".dot") << dot;
  const int status = std::system(("dot -Tsvg '" + stem + ".dot' -o '" + stem + ".svg' 2>/dev/null").c_str());
  std::optional<std::string> svg;
  if (status == 0) svg = read_text(stem + ".svg");
  fs::remove(stem + ".dot");
  fs::remove(stem + ".svg");
  return svg;
}

std::string neuron_page(const AtlasReader& atlas, const AtlasRow& row, const std::string& graph) {
  static const char* kStatus[] = {"pending", "ok", "dead", "failed"};
  const auto& vocab = atlas.header().vocab;
  std::ostringstream html;
  std::string name = atlas.header().unit_name(row.layer, row.index);
  name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  html << "<!doctype html><html><head><meta charset=\"utf-8\"><title>" << name << "</title>" << kStyle
       << "</head><body><p><a href=\"index.html\">atlas index</a></p><h1>" << name << "</h1><p>" << html_escape(atlas.header().model) << " &middot; " << atlas.header().hook
       << " &middot; status " << kStatus[row.status % 4] << (row.error.empty() ? "" : ": " + html_escape(row.error))
       << " &middot; max activation " << number(row.max_activation) << " &middot; density " << number(row.density)
       << " &middot; above half the max " << number(row.share_above_half_max) << "</p>";
  const std::string activity = activity_of(row.status, row.max_activation, row.density);
  if (activity == "dead")
    html << "<p><b>Dead neuron:</b> its largest activation over the whole scan is " << number(row.max_activation)
         << " (not above 0), so it has no graph and its examples are not shaded.</p>";
  if (activity == "near-dead")
    html << "<p><b>Near-dead neuron:</b> above 0 at a share " << number(row.density)
         << " of the scanned positions (fewer than 1 in 10,000); its examples are the few it has.</p>";
  if (graph.rfind("<?xml", 0) == 0 || graph.rfind("<svg", 0) == 0)
    html << "<h2>Graph</h2>" << graph;
  else
    html << "<h2>Graph</h2><details><summary>Graphviz DOT (install Graphviz for a drawing)</summary><pre>" << html_escape(graph)
         << "</pre></details>";
  html << paths_table(unflatten(row.graph), vocab);
  html << "<h2>Firing scores</h2><table><tr><th></th><th>top-window test half P</th><th>R</th><th>F1</th>"
          "<th>random windows P</th><th>R</th><th>F1</th></tr>";
  for (const auto& [name, top, random] : {std::tuple{"N2G", row.firing, row.random_firing},
                                          std::tuple{"token lookup", row.token_baseline, row.random_token_baseline},
                                          std::tuple{"5-gram lookup", row.ngram_baseline, row.random_ngram_baseline}})
    html << "<tr><th>" << name << "</th><td>" << number(top.precision) << "</td><td>" << number(top.recall) << "</td><td>"
         << number(top.f1) << "</td><td>" << number(random.precision) << "</td><td>" << number(random.recall) << "</td><td>"
         << number(random.f1) << "</td></tr>";
  html << "</table><p>" << row.firing_count << " firing and " << row.nonfiring_count << " non-firing tokens in the top-window test half; "
       << row.random_firing_count << " and " << row.random_nonfiring_count << " in the random windows.</p>"
       << "<p>Correlation of predicted and real activation (Pearson r), random windows / top-window test half and random "
          "windows: N2G "
       << number(row.correlation_graph_random) << " / " << number(row.correlation_graph_all) << ", token lookup "
       << number(row.correlation_token_random) << " / " << number(row.correlation_token_all) << ".</p>";
  if (!row.output_tokens.empty() && row.output_tokens[0] >= 0) {
    html << "<h2>Output effects (logit lens)</h2><table><tr><th>raises</th><th></th><th>lowers</th><th></th></tr>";
    for (int i = 0; i < kOutputTokens; ++i) {
      const auto cell = [&](int j) {
        const int32_t t = row.output_tokens[j];
        return "<td>" + html_escape(t >= 0 && t < static_cast<int32_t>(vocab.size()) ? vocab[t] : "") + "</td><td>" +
               number(row.output_values[j]) + "</td>";
      };
      html << "<tr>" << cell(i) << cell(kOutputTokens + i) << "</tr>";
    }
    html << "</table>";
  }
  bool similar = false;
  for (size_t i = 0; i < row.similar_rows.size(); ++i) {
    const int32_t other = row.similar_rows[i];
    if (other < 0) continue;
    if (!similar) html << "<h2>Similar neurons</h2><p>";
    similar = true;
    const auto [layer, index] = atlas.neuron_of(other);
    html << "<a href=\"" << page_name(layer, index) << ".html\">L" << layer << " N" << index << "</a> (" << number(row.similar_scores[i])
         << ") ";
  }
  if (similar) html << "</p>";
  html << "<h2>Examples</h2>";
  for (const auto& e : stored_examples(row, vocab)) {
    html << "<div class=\"ex\">" << html_escape(e.label) << " (max " << number(e.activation) << "): ";
    for (size_t j = 0; j < e.tokens.size(); ++j) {
      const float a = std::isnan(e.normalised[j]) ? 0.0f : std::clamp(e.normalised[j], 0.0f, 1.0f);
      char style[64];
      std::snprintf(style, sizeof(style), "background:rgba(255,0,0,%.2f)", a);
      html << "<span class=\"tok\" style=\"" << style << "\" title=\"" << number(e.normalised[j]) << "\">"
           << html_escape(e.tokens[j]) << "</span>";
    }
    html << "</div>";
  }
  html << "</body></html>\n";
  return html.str();
}

RenderedFiles render_neuron(const AtlasReader& atlas, int64_t row, const std::string& dir) {
  const AtlasRow data = atlas.row(row);
  fs::create_directories(dir);
  const std::string stem = (fs::path(dir) / page_name(data.layer, data.index)).string();
  RenderedFiles files;
  const std::string dot = neuron_dot(data, atlas.header());
  // Each page replaces an earlier one whole or not at all (io/staged.h).
  files.dot = stem + ".dot";
  write_file_atomically(files.dot, dot);
  const auto svg = dot_to_svg(dot);
  if (svg) {
    files.svg = stem + ".svg";
    write_file_atomically(files.svg, *svg);
  }
  files.html = stem + ".html";
  write_file_atomically(files.html, neuron_page(atlas, data, svg ? svg->substr(svg->find("<svg")) : dot));
  return files;
}

}  // namespace n2g
