#include "n2g/app/neuron_table.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <utility>
#include <variant>
#include <vector>

#include "n2g/errors.h"
#include "n2g/graph/describe.h"
#include "n2g/graph/serialize.h"

namespace n2g {
namespace {

const char* kStatus[] = {"pending", "ok", "dead", "failed"};

// Every field of a neuron's record, in column order: numbers (double) or text, for all rows.
using Value = std::variant<double, std::string>;
struct Column {
  std::string name;
  std::vector<Value> values;  // [rows]
};

template <class Number>
Column numbers(const std::string& name, const std::vector<Number>& values) {
  Column column{name, {}};
  for (Number v : values) column.values.emplace_back(static_cast<double>(v));
  return column;
}

Column texts(const std::string& name, const std::vector<std::string>& values) {
  Column column{name, {}};
  for (const auto& v : values) column.values.emplace_back(v);
  return column;
}

// The columns of every row, from whole-column reads (and the graphs read once).
std::vector<Column> columns(const AtlasReader& atlas) {
  const auto status = atlas.int_column("/neurons/status");
  const auto max = atlas.float_column("/neurons/max_activation"), density = atlas.float_column("/neurons/density");
  std::vector<std::string> status_text, activity;
  for (size_t r = 0; r < status.size(); ++r) {
    status_text.push_back(kStatus[status[r] % 4]);
    activity.push_back(activity_of(static_cast<uint8_t>(status[r]), max[r], density[r]));
  }
  std::vector<Column> out = {numbers("layer", atlas.int_column("/neurons/layer")),
                             numbers("index", atlas.int_column("/neurons/index")),
                             texts("status", status_text),
                             texts("activity", activity),
                             numbers("max_activation", max),
                             numbers("density", density),
                             numbers("share_above_half_max", atlas.float_column("/histogram/share_above_half_max"))};
  for (const auto& [name, prefix] : {std::pair{"top_n2g", "/stats/"}, std::pair{"top_token", "/baselines/token/"},
                                     std::pair{"top_ngram", "/baselines/ngram/"}, std::pair{"random_n2g", "/random/stats/"},
                                     std::pair{"random_token", "/random/baselines/token/"},
                                     std::pair{"random_ngram", "/random/baselines/ngram/"}})
    for (const char* measure : {"precision", "recall", "f1"})
      out.push_back(numbers(std::string(name) + "_" + measure, atlas.float_column(std::string(prefix) + "firing_" + measure)));
  for (const auto& [name, path] : {std::pair{"top_nonfiring_precision", "/stats/nonfiring_precision"},
                                   std::pair{"top_nonfiring_recall", "/stats/nonfiring_recall"},
                                   std::pair{"top_nonfiring_f1", "/stats/nonfiring_f1"}, std::pair{"top_accuracy", "/stats/accuracy"}})
    out.push_back(numbers(name, atlas.float_column(path)));
  for (const auto& [name, path] : {std::pair{"top_firing_count", "/stats/firing_count"},
                                   std::pair{"top_nonfiring_count", "/stats/nonfiring_count"},
                                   std::pair{"random_firing_count", "/random/stats/firing_count"},
                                   std::pair{"random_nonfiring_count", "/random/stats/nonfiring_count"},
                                   std::pair{"miss_token_absent", "/diagnostics/miss_token_absent"},
                                   std::pair{"miss_context_unmatched", "/diagnostics/miss_context_unmatched"}})
    out.push_back(numbers(name, atlas.int64_column(path)));
  out.push_back(numbers("train_firing_per_window", atlas.float_column("/diagnostics/train_firing_per_window")));
  out.push_back(numbers("rate_threshold", atlas.float_column("/diagnostics/rate_threshold")));
  for (const char* name : {"graph_random", "graph_all", "token_random", "token_all"}) {  // NaN in older atlases
    const std::string path = std::string("/correlation/") + name;
    out.push_back(numbers(std::string("r_") + name, atlas.has_dataset(path)
                                                        ? atlas.float_column(path)
                                                        : std::vector<float>(atlas.rows(), std::nanf(""))));
  }
  std::vector<int64_t> nodes, activating;
  std::vector<std::string> fires_on;
  for (const FlatGraph& graph : atlas.graphs()) {
    const Trie trie = unflatten(graph);
    nodes.push_back(static_cast<int64_t>(graph.size()));
    activating.push_back(trie.counts().activating);
    fires_on.push_back(graph.size() ? describe_graph(trie, atlas.header().vocab, 8) : std::string());
  }
  out.push_back(numbers("graph_nodes", nodes));
  out.push_back(numbers("graph_activating", activating));
  out.push_back(texts("fires_on", fires_on));
  out.push_back(texts("error", atlas.string_column("/neurons/error")));
  return out;
}

std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  char text[32];
  std::snprintf(text, sizeof(text), "%.9g", v);
  return text;
}

std::string csv_text(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string neuron_table(const AtlasReader& atlas, const std::string& format) {
  if (format != "csv" && format != "json") throw UsageError("--neurons writes csv or json, not '" + format + "'");
  const auto all = columns(atlas);
  std::ostringstream out;
  if (format == "csv") {
    for (size_t c = 0; c < all.size(); ++c) out << (c ? "," : "") << all[c].name;
    out << "\n";
    for (int64_t row = 0; row < atlas.rows(); ++row) {
      for (size_t c = 0; c < all.size(); ++c) {
        const Value& value = all[c].values[row];
        out << (c ? "," : "");
        if (const double* v = std::get_if<double>(&value)) out << csv_number(*v);
        else out << csv_text(std::get<std::string>(value));
      }
      out << "\n";
    }
    return out.str();
  }
  nlohmann::json records = nlohmann::json::array();
  for (int64_t row = 0; row < atlas.rows(); ++row) {
    nlohmann::json object = nlohmann::json::object();
    for (const Column& column : all) {
      const Value& value = column.values[row];
      if (const double* v = std::get_if<double>(&value)) object[column.name] = std::isnan(*v) ? nlohmann::json() : nlohmann::json(*v);
      else object[column.name] = std::get<std::string>(value);
    }
    records.push_back(std::move(object));
  }
  out << records.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return out.str();
}

}  // namespace n2g
