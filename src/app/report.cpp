#include "n2g/app/report.h"

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <map>
#include <numeric>
#include <sstream>

#include "n2g/errors.h"

namespace n2g {

namespace {

// One predictor's firing scores on one test set, for every row.
struct ScoreColumns {
  std::vector<float> precision, recall, f1;
  ScoreColumns(const AtlasReader& atlas, const std::string& prefix)
      : precision(atlas.float_column(prefix + "firing_precision")),
        recall(atlas.float_column(prefix + "firing_recall")),
        f1(atlas.float_column(prefix + "firing_f1")) {}
};

PredictorSummary summarize_rows(const ScoreColumns& c, const std::vector<size_t>& rows) {
  std::vector<NeuronScores> scores;
  std::vector<float> f1;
  for (size_t r : rows) {
    NeuronScores s;
    s.firing = {c.precision[r], c.recall[r], c.f1[r]};
    scores.push_back(s);
    f1.push_back(c.f1[r]);
  }
  return {summarize(scores).mean.firing, bootstrap_mean_interval(f1)};
}

TestSetReport test_set_report(const AtlasReader& atlas, const std::string& prefix, const std::vector<int64_t>& firing,
                              const std::vector<size_t>& ok_rows) {
  TestSetReport report;
  std::vector<size_t> rows;
  for (size_t r : ok_rows)
    if (firing[r] > 0) rows.push_back(r);
  report.scored = static_cast<int64_t>(rows.size());
  report.left_out = static_cast<int64_t>(ok_rows.size() - rows.size());
  report.n2g = summarize_rows(ScoreColumns(atlas, prefix + "stats/"), rows);
  report.token = summarize_rows(ScoreColumns(atlas, prefix + "baselines/token/"), rows);
  report.ngram = summarize_rows(ScoreColumns(atlas, prefix + "baselines/ngram/"), rows);
  return report;
}

const std::pair<const char*, MeanWithInterval LayerReport::*> kCorrelations[] = {
    {"graph_random", &LayerReport::graph_random},
    {"graph_all", &LayerReport::graph_all},
    {"token_random", &LayerReport::token_random},
    {"token_all", &LayerReport::token_all}};

MeanWithInterval summarize_correlation(const std::vector<float>& column, const std::vector<size_t>& rows) {
  std::vector<float> values;
  for (size_t r : rows) values.push_back(column[r]);
  return mean_with_interval(values);
}

}  // namespace

std::vector<LayerReport> layer_reports(const AtlasReader& atlas) {
  const auto layer = atlas.int_column("/neurons/layer");
  const auto status = atlas.int_column("/neurons/status");
  const auto fr = atlas.float_column("/stats/firing_recall"), nr = atlas.float_column("/stats/nonfiring_recall");
  const auto firing = atlas.int64_column("/stats/firing_count"), nonfiring = atlas.int64_column("/stats/nonfiring_count");
  const auto random_firing = atlas.int64_column("/random/stats/firing_count");
  const auto nodes = atlas.int_column("/graphs/node_count");
  const auto per_window = atlas.float_column("/diagnostics/train_firing_per_window");
  const auto absent = atlas.int64_column("/diagnostics/miss_token_absent");
  const auto unmatched = atlas.int64_column("/diagnostics/miss_context_unmatched");

  std::map<int32_t, LayerReport> reports;
  std::map<int32_t, std::vector<size_t>> ok_rows;
  for (size_t r = 0; r < layer.size(); ++r) {
    LayerReport& report = reports[layer[r]];
    report.layer = layer[r];
    ++report.neurons;
    if (status[r] == kDead) ++report.dead;
    if (status[r] == kFailed) ++report.failed;
    if (status[r] == kPending) ++report.pending;
    if (status[r] != kOk) continue;
    ++report.ok;
    ok_rows[layer[r]].push_back(r);
    report.miss_token_absent += absent[r];
    report.miss_context_unmatched += unmatched[r];
  }
  std::vector<LayerReport> out;
  for (auto& [l, report] : reports) {
    const auto& rows = ok_rows[l];
    report.top = test_set_report(atlas, "/", firing, rows);
    report.random = test_set_report(atlas, "/random/", random_firing, rows);
    for (const auto& [name, field] : kCorrelations)
      if (atlas.has_dataset(std::string("/correlation/") + name))
        report.*field = summarize_correlation(atlas.float_column(std::string("/correlation/") + name), rows);
    // Pooled: the confusion counts follow exactly from the two recalls and the real class sizes.
    ConfusionCounts total;
    std::vector<float> sizes, densities;
    for (size_t r : rows) {
      const int64_t tp = std::llround(static_cast<double>(fr[r]) * firing[r]);
      const int64_t tn = std::llround(static_cast<double>(nr[r]) * nonfiring[r]);
      total += ConfusionCounts{tp, nonfiring[r] - tn, firing[r] - tp, tn};
      sizes.push_back(static_cast<float>(nodes[r]));
      if (!std::isnan(per_window[r])) densities.push_back(per_window[r]);
    }
    report.top.n2g_pooled = score(total).firing;
    report.median_graph_nodes = median(sizes);
    if (!densities.empty()) report.train_firing_per_window = std::accumulate(densities.begin(), densities.end(), 0.0f) / densities.size();
    out.push_back(report);
  }
  return out;
}

namespace {

std::string number(float value) {
  if (std::isnan(value)) return "nan";
  char text[16];
  std::snprintf(text, sizeof(text), "%.2f", value);
  return text;
}

std::string triple(const ClassScores& s, const char* separator) {
  return number(s.precision) + separator + number(s.recall) + separator + number(s.f1);
}

std::string interval(const Interval& i, const char* separator) { return number(i.low) + separator + number(i.high); }

const std::pair<const char*, TestSetReport LayerReport::*> kTestSets[] = {{"top", &LayerReport::top},
                                                                          {"random", &LayerReport::random}};

std::string text_table(const std::vector<LayerReport>& reports, const char* title, TestSetReport LayerReport::*set, bool pooled) {
  std::ostringstream out;
  char line[320];
  out << title << "\n";
  std::snprintf(line, sizeof(line), "%-6s %-15s %-9s %-15s %-12s %-15s %-15s %-12s %-15s %-12s\n", "layer", "ok/dead/failed",
                "left out", "N2G P/R/F1", "N2G F1 95%", pooled ? "N2G pooled" : "", "token P/R/F1", "token F1 95%",
                "5-gram P/R/F1", "5-gram F1 95%");
  out << line;
  for (const auto& r : reports) {
    const TestSetReport& t = r.*set;
    const std::string counts = std::to_string(r.ok) + "/" + std::to_string(r.dead) + "/" + std::to_string(r.failed);
    std::snprintf(line, sizeof(line), "%-6d %-15s %-9lld %-15s %-12s %-15s %-15s %-12s %-15s %-12s\n", r.layer, counts.c_str(),
                  static_cast<long long>(t.left_out), triple(t.n2g.mean, "/").c_str(), interval(t.n2g.f1_interval, "-").c_str(),
                  pooled ? triple(t.n2g_pooled, "/").c_str() : "", triple(t.token.mean, "/").c_str(),
                  interval(t.token.f1_interval, "-").c_str(), triple(t.ngram.mean, "/").c_str(),
                  interval(t.ngram.f1_interval, "-").c_str());
    out << line;
  }
  return out.str();
}

}  // namespace

std::string format_reports(const std::vector<LayerReport>& reports, const std::string& format) {
  std::ostringstream out;
  if (format == "csv") {
    out << "layer,neurons,ok,dead,failed,pending";
    for (const auto& [name, set] : kTestSets) {
      out << "," << name << "_scored," << name << "_left_out";
      for (const char* predictor : {"n2g", "token", "ngram"})
        out << "," << name << "_" << predictor << "_precision," << name << "_" << predictor << "_recall," << name << "_"
            << predictor << "_f1," << name << "_" << predictor << "_f1_low," << name << "_" << predictor << "_f1_high";
    }
    out << ",top_n2g_pooled_precision,top_n2g_pooled_recall,top_n2g_pooled_f1,median_graph_nodes,"
           "train_firing_per_window,miss_token_absent,miss_context_unmatched";
    for (const auto& [name, field] : kCorrelations) out << ",r_" << name << ",r_" << name << "_low,r_" << name << "_high";
    out << "\n";
    for (const auto& r : reports) {
      out << r.layer << "," << r.neurons << "," << r.ok << "," << r.dead << "," << r.failed << "," << r.pending;
      for (const auto& [name, set] : kTestSets) {
        const TestSetReport& t = r.*set;
        out << "," << t.scored << "," << t.left_out;
        for (const PredictorSummary* p : {&t.n2g, &t.token, &t.ngram})
          out << "," << triple(p->mean, ",") << "," << interval(p->f1_interval, ",");
      }
      out << "," << triple(r.top.n2g_pooled, ",") << "," << number(r.median_graph_nodes) << ","
          << number(r.train_firing_per_window) << "," << r.miss_token_absent << "," << r.miss_context_unmatched;
      for (const auto& [name, field] : kCorrelations)
        out << "," << number((r.*field).mean) << "," << interval((r.*field).interval, ",");
      out << "\n";
    }
  } else if (format == "markdown") {
    out << "| layer | neurons (ok / dead / failed) | test set | neurons scored (left out) | N2G P / R / F1 | N2G F1 95% | "
           "token lookup P / R / F1 | token F1 95% | 5-gram P / R / F1 | median nodes |\n"
           "|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : reports)
      for (const auto& [name, set] : kTestSets) {
        const TestSetReport& t = r.*set;
        out << "| " << r.layer << " | " << r.neurons << " (" << r.ok << " / " << r.dead << " / " << r.failed << ") | " << name
            << " | " << t.scored << " (" << t.left_out << ") | " << triple(t.n2g.mean, " / ") << " | "
            << interval(t.n2g.f1_interval, "-") << " | " << triple(t.token.mean, " / ") << " | "
            << interval(t.token.f1_interval, "-") << " | " << triple(t.ngram.mean, " / ") << " | "
            << number(r.median_graph_nodes) << " |\n";
      }
  } else if (format == "text") {
    out << text_table(reports, "top-window test half: means over neurons with a real firing, 95% bootstrap intervals", &LayerReport::top, true);
    out << text_table(reports, "random windows: the same predictors on windows drawn at random", &LayerReport::random, false);
    char line[200];
    out << "correlation of predicted and real activation (Pearson r, mean over ok neurons, 95% bootstrap interval)\n";
    std::snprintf(line, sizeof(line), "%-6s %-20s %-20s %-20s %-20s\n", "layer", "N2G random", "N2G top+random",
                  "token random", "token top+random");
    out << line;
    for (const auto& r : reports) {
      const auto cell = [](const MeanWithInterval& c) { return number(c.mean) + " [" + interval(c.interval, "-") + "]"; };
      std::snprintf(line, sizeof(line), "%-6d %-20s %-20s %-20s %-20s\n", r.layer, cell(r.graph_random).c_str(),
                    cell(r.graph_all).c_str(), cell(r.token_random).c_str(), cell(r.token_all).c_str());
      out << line;
    }
    std::snprintf(line, sizeof(line), "%-6s %-13s %-24s %-s\n", "layer", "median nodes", "firing per train window",
                  "missed firings: token absent / context unmatched");
    out << line;
    for (const auto& r : reports) {
      std::snprintf(line, sizeof(line), "%-6d %-13s %-24s %lld / %lld\n", r.layer, number(r.median_graph_nodes).c_str(),
                    number(r.train_firing_per_window).c_str(), static_cast<long long>(r.miss_token_absent),
                    static_cast<long long>(r.miss_context_unmatched));
      out << line;
    }
  } else {
    throw UsageError("unknown report format '" + format + "' (text, csv, markdown)");
  }
  return out.str();
}

}  // namespace n2g
