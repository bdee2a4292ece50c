#include "n2g/app/render.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "n2g/errors.h"
#include "n2g/graph/display.h"
#include "n2g/graph/serialize.h"
#include "n2g/io/dataset.h"
#include "n2g/model/transformer.h"
#include "n2g/sweep/config.h"
#include "n2g/sweep/setup.h"

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

const char* kStyle =
    "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}.tok{white-space:pre;border-radius:3px}"
    ".ex{font-family:monospace;margin:.4em 0;line-height:1.8}</style>";

}  // namespace

struct ExampleShader::State {
  std::optional<Transformer> model;
  std::optional<TokenDataset> dataset;
  int32_t bos = -1;
  std::string hook;
  std::vector<std::string> vocab;
};

ExampleShader::ExampleShader(const AtlasReader& atlas) : state_(std::make_unique<State>()) {
  const SweepConfig config = parse_sweep_config(atlas.header().config, atlas.path() + " (config attribute)");
  state_->dataset.emplace(config.dataset.path);
  const TransformerSpec spec = read_spec(config.model.path);
  LoadOptions options;
  options.unembed = false;
  options.dtype = config.model.dtype;  // on the CPU: auto is float32; shading needs no rank invariance
  state_->model.emplace(Transformer::load(config.model.path, options));
  state_->bos = choose_bos(spec, *state_->dataset, spec.eos_token_id, config.model.prepend_bos);
  state_->hook = config.model.hook;
  state_->vocab = atlas.header().vocab;
}

ExampleShader::~ExampleShader() = default;

std::vector<ShadedExample> ExampleShader::examples(const AtlasRow& row) const {
  std::vector<int64_t> windows;
  for (int64_t w : row.example_window)
    if (w >= 0) windows.push_back(w);
  if (windows.empty()) return {};
  const TokenDataset& data = *state_->dataset;
  const int64_t L = data.window_len(), skip = state_->bos >= 0 ? 1 : 0;
  const auto tokens = data.read_windows(windows);
  std::vector<int64_t> input;
  for (size_t w = 0; w < windows.size(); ++w) {
    if (skip) input.push_back(state_->bos);
    input.insert(input.end(), tokens.begin() + w * L, tokens.begin() + (w + 1) * L);
  }
  const std::string hook = "blocks." + std::to_string(row.layer) + "." + state_->hook;
  const at::Tensor x = at::tensor(input).view({static_cast<int64_t>(windows.size()), L + skip}).to(state_->model->device());
  const at::Tensor acts = state_->model->forward(x, {hook}).hooks.at(hook).select(2, row.index).narrow(1, skip, L).to(at::kFloat).cpu();
  const auto a = acts.accessor<float, 2>();
  std::vector<ShadedExample> out;
  const std::vector<std::string>& vocab = state_->vocab;
  for (size_t w = 0; w < windows.size(); ++w) {
    ShadedExample e{windows[w], row.example_split[w], {}, {}};
    for (int64_t j = 0; j < L; ++j) {
      const int32_t id = tokens[w * L + j];
      e.tokens.push_back(id < static_cast<int32_t>(vocab.size()) ? vocab[id] : "#" + std::to_string(id));
      e.normalised.push_back(a[w][j] / row.max_activation);
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::unique_ptr<ExampleShader> open_shader(const AtlasReader& atlas, std::ostream& log) {
  try {
    return std::make_unique<ExampleShader>(atlas);
  } catch (const Error& error) {
    log << "examples left unshaded: " << error.what() << "\n";
    return nullptr;
  }
}

std::string page_name(int32_t layer, int32_t index) { return "L" + std::to_string(layer) + "_N" + std::to_string(index); }

std::string neuron_dot(const AtlasRow& row, const std::vector<std::string>& vocab) {
  return to_dot(display_graph(unflatten(row.graph)), vocab, "layer " + std::to_string(row.layer) + " neuron " + std::to_string(row.index));
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

std::string neuron_page(const AtlasReader& atlas, const AtlasRow& row, const std::string& graph,
                        const std::vector<ShadedExample>& examples, const std::string& note) {
  static const char* kStatus[] = {"pending", "ok", "dead", "failed"};
  std::ostringstream html;
  html << "<!doctype html><html><head><meta charset=\"utf-8\"><title>Layer " << row.layer << " neuron " << row.index
       << "</title>" << kStyle << "</head><body><p><a href=\"index.html\">atlas index</a></p><h1>Layer " << row.layer
       << ", neuron " << row.index << "</h1><p>" << html_escape(atlas.header().model) << " &middot; " << atlas.header().hook
       << " &middot; status " << kStatus[row.status % 4] << (row.error.empty() ? "" : ": " + html_escape(row.error))
       << " &middot; max activation " << number(row.max_activation) << " &middot; density " << number(row.density) << "</p>";
  html << "<h2>Graph</h2>" << (graph.rfind("<?xml", 0) == 0 || graph.rfind("<svg", 0) == 0 ? graph : "<pre>" + html_escape(graph) + "</pre>");
  html << "<h2>Firing scores on the test windows</h2><table><tr><th></th><th>precision</th><th>recall</th><th>F1</th></tr>";
  for (const auto& [name, s] : {std::pair{"N2G", row.firing}, std::pair{"token lookup", row.token_baseline},
                                std::pair{"5-gram lookup", row.ngram_baseline}})
    html << "<tr><th>" << name << "</th><td>" << number(s.precision) << "</td><td>" << number(s.recall) << "</td><td>"
         << number(s.f1) << "</td></tr>";
  html << "</table><p>" << row.firing_count << " firing and " << row.nonfiring_count << " non-firing test tokens.</p>";
  html << "<h2>Top examples</h2>" << (note.empty() ? "" : "<p>" + html_escape(note) + "</p>");
  for (const auto& e : examples) {
    html << "<div class=\"ex\">" << (e.split == 0 ? "train" : "test") << " window " << e.window << ": ";
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

RenderedFiles render_neuron(const AtlasReader& atlas, int64_t row, const std::string& dir, const ExampleShader* shader) {
  const AtlasRow data = atlas.row(row);
  fs::create_directories(dir);
  const std::string stem = (fs::path(dir) / page_name(data.layer, data.index)).string();
  RenderedFiles files;
  const std::string dot = neuron_dot(data, atlas.header().vocab);
  files.dot = stem + ".dot";
  std::ofstream(files.dot) << dot;
  const auto svg = dot_to_svg(dot);
  if (svg) {
    files.svg = stem + ".svg";
    std::ofstream(files.svg) << *svg;
  }
  std::vector<ShadedExample> examples;
  std::string note;
  if (shader) examples = shader->examples(data);
  else note = "Examples are not shaded: the atlas's model or dataset could not be opened.";
  files.html = stem + ".html";
  std::ofstream(files.html) << neuron_page(atlas, data, svg ? svg->substr(svg->find("<svg")) : dot, examples, note);
  return files;
}

std::string atlas_index_page(const AtlasReader& atlas, const std::vector<LayerReport>& reports) {
  std::ostringstream html;
  html << "<!doctype html><html><head><meta charset=\"utf-8\"><title>n2g atlas</title>" << kStyle
       << "</head><body><h1>N2G atlas of " << html_escape(atlas.header().model) << "</h1><p>" << atlas.rows()
       << " neurons, hook " << atlas.header().hook << ", dataset " << html_escape(atlas.header().dataset) << "</p>"
       << "<h2>Per layer (firing tokens, mean over neurons)</h2><pre>" << html_escape(format_reports(reports, "text"))
       << "</pre><h2>Neurons</h2><table><tr><th>layer</th><th>neuron</th><th>status</th><th>N2G F1</th><th>token F1</th>"
          "<th>5-gram F1</th><th>nodes</th></tr>";
  const auto layer = atlas.int_column("/neurons/layer"), index = atlas.int_column("/neurons/index"),
             status = atlas.int_column("/neurons/status"), nodes = atlas.int_column("/graphs/node_count");
  const auto f1 = atlas.float_column("/stats/firing_f1"), token = atlas.float_column("/baselines/token/firing_f1"),
             ngram = atlas.float_column("/baselines/ngram/firing_f1");
  static const char* kStatus[] = {"pending", "ok", "dead", "failed"};
  for (size_t r = 0; r < layer.size(); ++r)
    html << "<tr><td>" << layer[r] << "</td><td><a href=\"" << page_name(layer[r], index[r]) << ".html\">" << index[r]
         << "</a></td><td>" << kStatus[status[r] % 4] << "</td><td>" << number(f1[r]) << "</td><td>" << number(token[r])
         << "</td><td>" << number(ngram[r]) << "</td><td>" << nodes[r] << "</td></tr>";
  html << "</table></body></html>\n";
  return html.str();
}

}  // namespace n2g
