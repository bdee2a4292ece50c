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

// Every field of a neuron's record, in column order: numbers (double) or text.
using Value = std::variant<double, std::string>;
using Field = std::pair<std::string, Value>;

template <class Number>
Value number(Number v) {
  return Value(static_cast<double>(v));
}

std::vector<Field> record(const AtlasRow& r, const std::vector<std::string>& vocab) {
  std::vector<Field> out = {{"layer", number(r.layer)},
                            {"index", number(r.index)},
                            {"status", Value(std::string(kStatus[r.status % 4]))},
                            {"activity", Value(std::string(activity_of(r)))},
                            {"max_activation", number(r.max_activation)},
                            {"density", number(r.density)},
                            {"share_above_half_max", number(r.share_above_half_max)}};
  for (const auto& [name, s] : {std::pair{"top_n2g", &r.firing}, std::pair{"top_token", &r.token_baseline},
                                std::pair{"top_ngram", &r.ngram_baseline}, std::pair{"random_n2g", &r.random_firing},
                                std::pair{"random_token", &r.random_token_baseline},
                                std::pair{"random_ngram", &r.random_ngram_baseline}}) {
    out.emplace_back(std::string(name) + "_precision", number(s->precision));
    out.emplace_back(std::string(name) + "_recall", number(s->recall));
    out.emplace_back(std::string(name) + "_f1", number(s->f1));
  }
  const std::pair<const char*, double> numbers[] = {{"top_nonfiring_precision", r.nonfiring.precision},
                                                     {"top_nonfiring_recall", r.nonfiring.recall},
                                                     {"top_nonfiring_f1", r.nonfiring.f1},
                                                     {"top_accuracy", r.accuracy},
                                                     {"top_firing_count", static_cast<double>(r.firing_count)},
                                                     {"top_nonfiring_count", static_cast<double>(r.nonfiring_count)},
                                                     {"random_firing_count", static_cast<double>(r.random_firing_count)},
                                                     {"random_nonfiring_count", static_cast<double>(r.random_nonfiring_count)},
                                                     {"miss_token_absent", static_cast<double>(r.miss_token_absent)},
                                                     {"miss_context_unmatched", static_cast<double>(r.miss_context_unmatched)},
                                                     {"train_firing_per_window", r.train_firing_per_window},
                                                     {"rate_threshold", r.rate_threshold},
                                                     {"graph_nodes", static_cast<double>(r.graph.size())}};
  for (const auto& [name, value] : numbers) out.emplace_back(name, number(value));
  const Trie trie = unflatten(r.graph);
  out.emplace_back("graph_activating", number(trie.counts().activating));
  out.emplace_back("fires_on", Value(r.graph.size() ? describe_graph(trie, vocab, 8) : std::string()));
  out.emplace_back("error", Value(r.error));
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
  const auto& vocab = atlas.header().vocab;
  std::ostringstream out;
  nlohmann::json records = nlohmann::json::array();
  for (int64_t row = 0; row < atlas.rows(); ++row) {
    const auto fields = record(atlas.row(row), vocab);
    if (format == "csv") {
      if (row == 0) {
        for (size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << fields[i].first;
        out << "\n";
      }
      for (size_t i = 0; i < fields.size(); ++i) {
        out << (i ? "," : "");
        if (const double* v = std::get_if<double>(&fields[i].second)) out << csv_number(*v);
        else out << csv_text(std::get<std::string>(fields[i].second));
      }
      out << "\n";
    } else {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& [name, value] : fields) {
        if (const double* v = std::get_if<double>(&value)) object[name] = std::isnan(*v) ? nlohmann::json() : nlohmann::json(*v);
        else object[name] = std::get<std::string>(value);
      }
      records.push_back(std::move(object));
    }
  }
  if (format == "json") out << records.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return out.str();
}

}  // namespace n2g
