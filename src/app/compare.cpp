#include "n2g/app/compare.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "n2g/errors.h"
#include "n2g/model/transformer.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;

// The fit method the atlas's resolved config names (n2g+ when it names none, the default).
std::string method_of(const std::string& config) {
  try {
    const YAML::Node method = YAML::Load(config)["fit"]["method"];
    return method && method.IsScalar() ? method.as<std::string>() : "n2g+";
  } catch (const YAML::Exception&) {
    return "unknown";
  }
}

// The columns of one atlas that the rows summarise.
struct AtlasColumns {
  std::vector<int32_t> layer, status, nodes;
  std::vector<float> max_activation, density, top_f1, random_f1, top_token_f1, random_token_f1, correlation;
  std::vector<int64_t> top_firing, random_firing;

  explicit AtlasColumns(const AtlasReader& atlas)
      : layer(atlas.int_column("/neurons/layer")),
        status(atlas.int_column("/neurons/status")),
        nodes(atlas.int_column("/graphs/node_count")),
        max_activation(atlas.float_column("/neurons/max_activation")),
        density(atlas.float_column("/neurons/density")),
        top_f1(atlas.float_column("/stats/firing_f1")),
        random_f1(atlas.float_column("/random/stats/firing_f1")),
        top_token_f1(atlas.float_column("/baselines/token/firing_f1")),
        random_token_f1(atlas.float_column("/random/baselines/token/firing_f1")),
        correlation(atlas.has_dataset("/correlation/graph_random") ? atlas.float_column("/correlation/graph_random")
                                                                  : std::vector<float>(layer.size(), kNotANumber)),
        top_firing(atlas.int64_column("/stats/firing_count")),
        random_firing(atlas.int64_column("/random/stats/firing_count")) {}
};

// The figures of `rows` (of one layer, or all) into `out`.
void summarise(const AtlasColumns& c, const std::vector<size_t>& rows, ComparisonRow& out) {
  std::vector<float> top, random, top_token, random_token, nodes, density, correlation;
  int64_t at_least = 0;
  for (size_t r : rows) {
    ++out.neurons;
    const std::string activity = activity_of(static_cast<uint8_t>(c.status[r]), c.max_activation[r], c.density[r]);
    if (activity == "dead") ++out.dead;
    else if (activity == "near-dead") ++out.near_dead;
    if (c.status[r] != kOk) continue;
    ++out.ok;
    if (c.top_firing[r] > 0) {
      top.push_back(c.top_f1[r]);
      top_token.push_back(c.top_token_f1[r]);
      at_least += c.top_f1[r] >= 0.8f;
    }
    if (c.random_firing[r] > 0) {
      random.push_back(c.random_f1[r]);
      random_token.push_back(c.random_token_f1[r]);
    }
    nodes.push_back(static_cast<float>(c.nodes[r]));
    density.push_back(c.density[r]);
    correlation.push_back(c.correlation[r]);
  }
  out.top_f1 = mean_with_interval(top);
  out.random_f1 = mean_with_interval(random);
  out.top_token_f1 = mean_with_interval(top_token);
  out.random_token_f1 = mean_with_interval(random_token);
  if (!top.empty()) out.share_f1_at_least_0_8 = static_cast<float>(at_least) / static_cast<float>(top.size());
  out.median_graph_nodes = median(nodes);
  out.mean_density = mean_with_interval(density).mean;
  out.graph_correlation = mean_with_interval(correlation);
}

std::string number(double value, const char* format = "%.3f") {
  if (std::isnan(value)) return "nan";
  char text[32];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

}  // namespace

std::vector<ComparisonRow> compare_atlases(const std::vector<std::string>& paths) {
  if (paths.empty()) throw UsageError("n2g_compare needs at least one atlas");
  for (size_t i = 0; i < paths.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      std::error_code error;
      if (paths[i] == paths[j] || fs::equivalent(paths[i], paths[j], error))
        throw UsageError(paths[i] + " is given twice (as " + paths[j] + "): compare each atlas once");
    }
  std::vector<ComparisonRow> out;
  for (const std::string& path : paths) {
    const AtlasReader atlas(path);
    const AtlasHeader& h = atlas.header();
    ComparisonRow base;
    base.atlas = path;
    base.model = h.model;
    base.method = method_of(h.config);
    base.hook = h.hook;
    base.dataset = h.dataset;
    base.parameters = h.parameters;
    base.n_layers = h.n_layers;
    base.d_mlp = h.d_mlp;
    base.fit_core_seconds_per_neuron = atlas.run().fit_core_seconds_per_neuron;
    const AtlasColumns columns(atlas);
    std::map<int32_t, std::vector<size_t>> by_layer;
    std::vector<size_t> all(columns.layer.size());
    std::iota(all.begin(), all.end(), size_t{0});
    for (size_t r : all) by_layer[columns.layer[r]].push_back(r);
    for (const auto& [layer, rows] : by_layer) {
      ComparisonRow row = base;
      row.layer = layer;
      row.relative_depth = h.n_layers > 0 ? (static_cast<float>(layer) + 0.5f) / static_cast<float>(h.n_layers) : kNotANumber;
      summarise(columns, rows, row);
      out.push_back(row);
    }
    ComparisonRow whole = base;
    summarise(columns, all, whole);
    out.push_back(whole);
  }
  return out;
}

namespace {

// Every column of a row as (name, text) pairs, numbers formatted once for every output format.
std::vector<std::pair<std::string, std::string>> fields(const ComparisonRow& r) {
  std::vector<std::pair<std::string, std::string>> f = {
      {"atlas", r.atlas}, {"model", r.model}, {"method", r.method}, {"hook", r.hook}, {"dataset", r.dataset},
      {"parameters", r.parameters > 0 ? std::to_string(r.parameters) : "nan"},
      {"n_layers", std::to_string(r.n_layers)}, {"d_mlp", std::to_string(r.d_mlp)},
      {"layer", r.layer >= 0 ? std::to_string(r.layer) : "all"}, {"relative_depth", number(r.relative_depth)},
      {"neurons", std::to_string(r.neurons)}, {"ok", std::to_string(r.ok)}, {"dead", std::to_string(r.dead)},
      {"near_dead", std::to_string(r.near_dead)}};
  for (const auto& [name, m] : {std::pair{"top_f1", &r.top_f1}, std::pair{"random_f1", &r.random_f1},
                                std::pair{"top_token_f1", &r.top_token_f1}, std::pair{"random_token_f1", &r.random_token_f1},
                                std::pair{"graph_correlation_random", &r.graph_correlation}}) {
    f.emplace_back(name, number(m->mean));
    f.emplace_back(std::string(name) + "_low", number(m->interval.low));
    f.emplace_back(std::string(name) + "_high", number(m->interval.high));
  }
  f.emplace_back("share_f1_at_least_0.8", number(r.share_f1_at_least_0_8));
  f.emplace_back("median_graph_nodes", number(r.median_graph_nodes, "%.1f"));
  f.emplace_back("mean_density", number(r.mean_density, "%.4g"));
  f.emplace_back("fit_core_seconds_per_neuron", number(r.fit_core_seconds_per_neuron, "%.4g"));
  return f;
}

bool is_text_field(const std::string& name) {
  return name == "atlas" || name == "model" || name == "method" || name == "hook" || name == "dataset" || name == "layer";
}

}  // namespace

std::string format_comparison(const std::vector<ComparisonRow>& rows, const std::string& format) {
  std::ostringstream out;
  if (format == "csv") {
    const auto quoted = [](const std::string& text) {
      std::string q = "\"";
      for (char ch : text) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
      return q + "\"";
    };
    bool header = true;
    for (const auto& r : rows) {
      const auto f = fields(r);
      if (header)
        for (size_t i = 0; i < f.size(); ++i) out << (i ? "," : "") << f[i].first;
      if (header) out << "\n";
      header = false;
      for (size_t i = 0; i < f.size(); ++i) out << (i ? "," : "") << (is_text_field(f[i].first) ? quoted(f[i].second) : f[i].second);
      out << "\n";
    }
  } else if (format == "json") {
    nlohmann::json records = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json record = nlohmann::json::object();
      for (const auto& [name, text] : fields(r)) {
        if (is_text_field(name)) record[name] = text;
        else if (text == "nan") record[name] = nullptr;
        else record[name] = std::stod(text);
      }
      records.push_back(record);
    }
    out << records.dump(1) << "\n";
  } else if (format == "text") {
    char line[400];
    std::snprintf(line, sizeof(line), "%-4s %-5s %-6s %-16s %-17s %-17s %-17s %-6s %-6s %-8s %-6s %s\n", "#", "layer", "depth",
                  "ok/dead/near", "N2G F1 top [95%]", "N2G F1 random", "token F1 top", "F1>=.8", "nodes", "r random",
                  "fit c-s", "method");
    out << line;
    std::map<std::string, int> number_of;
    std::vector<std::string> names;
    for (const auto& r : rows) {
      if (!number_of.count(r.atlas)) {
        number_of[r.atlas] = static_cast<int>(names.size()) + 1;
        names.push_back(r.atlas + " (" + r.model + ", " + (r.parameters > 0 ? number(r.parameters / 1e6, "%.2f") + "M parameters, " : "") +
                        std::to_string(r.n_layers) + " layers, " +
                        // An atlas of SAE latents keeps d_sae where neurons keep d_mlp.
                        (r.hook.find(kSaeLatents) != std::string::npos ? "d_sae " : "d_mlp ") + std::to_string(r.d_mlp) +
                        ", " + r.hook + ", dataset " + r.dataset + ")");
      }
      const auto cell = [](const MeanWithInterval& m) {
        return number(m.mean, "%.2f") + " [" + number(m.interval.low, "%.2f") + "-" + number(m.interval.high, "%.2f") + "]";
      };
      const std::string counts = std::to_string(r.ok) + "/" + std::to_string(r.dead) + "/" + std::to_string(r.near_dead);
      std::snprintf(line, sizeof(line), "%-4d %-5s %-6s %-16s %-17s %-17s %-17s %-6s %-6s %-8s %-6s %s\n", number_of[r.atlas],
                    r.layer >= 0 ? std::to_string(r.layer).c_str() : "all", number(r.relative_depth, "%.2f").c_str(), counts.c_str(),
                    cell(r.top_f1).c_str(), cell(r.random_f1).c_str(), cell(r.top_token_f1).c_str(),
                    number(r.share_f1_at_least_0_8, "%.2f").c_str(), number(r.median_graph_nodes, "%.1f").c_str(),
                    number(r.graph_correlation.mean, "%.2f").c_str(), number(r.fit_core_seconds_per_neuron, "%.3f").c_str(),
                    r.method.c_str());
      out << line;
    }
    for (size_t i = 0; i < names.size(); ++i) out << (i + 1) << ": " << names[i] << "\n";
    std::vector<std::string> differ;
    for (const auto& [what, field] : {std::pair{"method", &ComparisonRow::method}, std::pair{"hook", &ComparisonRow::hook},
                                      std::pair{"dataset", &ComparisonRow::dataset}})
      if (std::any_of(rows.begin(), rows.end(), [&](const ComparisonRow& r) { return r.*field != rows.front().*field; }))
        differ.push_back(what);
    if (!differ.empty()) {
      out << "note: the atlases differ in";
      for (size_t i = 0; i < differ.size(); ++i) out << (i ? ", " : " ") << differ[i];
      out << ": compare their figures with care\n";
    }
  } else {
    throw UsageError("unknown format '" + format + "' (text, csv, json)");
  }
  return out.str();
}

}  // namespace n2g
