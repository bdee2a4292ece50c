#include "n2g/app/report.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "n2g/errors.h"

namespace n2g {

std::vector<LayerReport> layer_reports(const AtlasReader& atlas) {
  const auto layer = atlas.int_column("/neurons/layer");
  const auto status = atlas.int_column("/neurons/status");
  const auto column = [&](const std::string& path) { return atlas.float_column(path); };
  const auto fp = column("/stats/firing_precision"), fr = column("/stats/firing_recall"), ff = column("/stats/firing_f1");
  const auto nr = column("/stats/nonfiring_recall");
  const auto firing = atlas.int64_column("/stats/firing_count"), nonfiring = atlas.int64_column("/stats/nonfiring_count");
  const auto tp = column("/baselines/token/firing_precision"), tr = column("/baselines/token/firing_recall"),
             tf = column("/baselines/token/firing_f1");
  const auto gp = column("/baselines/ngram/firing_precision"), gr = column("/baselines/ngram/firing_recall"),
             gf = column("/baselines/ngram/firing_f1");

  std::map<int32_t, LayerReport> reports;
  std::map<int32_t, std::vector<NeuronScores>> n2g, token, ngram;
  for (size_t r = 0; r < layer.size(); ++r) {
    LayerReport& report = reports[layer[r]];
    report.layer = layer[r];
    ++report.neurons;
    if (status[r] == kDead) ++report.dead;
    if (status[r] == kFailed) ++report.failed;
    if (status[r] == kPending) ++report.pending;
    if (status[r] != kOk) continue;
    ++report.ok;
    // The confusion counts follow exactly from the two recalls and the real class sizes.
    ConfusionCounts counts;
    counts.true_positive = std::llround(static_cast<double>(fr[r]) * firing[r]);
    counts.false_negative = firing[r] - counts.true_positive;
    counts.true_negative = std::llround(static_cast<double>(nr[r]) * nonfiring[r]);
    counts.false_positive = nonfiring[r] - counts.true_negative;
    NeuronScores s = score(counts);
    s.firing = {fp[r], fr[r], ff[r]};
    n2g[layer[r]].push_back(s);
    NeuronScores t, g;
    t.firing = {tp[r], tr[r], tf[r]};
    g.firing = {gp[r], gr[r], gf[r]};
    token[layer[r]].push_back(t);
    ngram[layer[r]].push_back(g);
  }
  std::vector<LayerReport> out;
  for (auto& [l, report] : reports) {
    const LayerScores scores = summarize(n2g[l]);
    report.n2g_mean = scores.mean.firing;
    report.n2g_pooled = scores.pooled.firing;
    report.token_mean = summarize(token[l]).mean.firing;
    report.ngram_mean = summarize(ngram[l]).mean.firing;
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

}  // namespace

std::string format_reports(const std::vector<LayerReport>& reports, const std::string& format) {
  std::ostringstream out;
  if (format == "csv") {
    out << "layer,neurons,ok,dead,failed,pending,n2g_precision,n2g_recall,n2g_f1,n2g_pooled_precision,"
           "n2g_pooled_recall,n2g_pooled_f1,token_precision,token_recall,token_f1,ngram_precision,ngram_recall,ngram_f1\n";
    for (const auto& r : reports)
      out << r.layer << "," << r.neurons << "," << r.ok << "," << r.dead << "," << r.failed << "," << r.pending << ","
          << triple(r.n2g_mean, ",") << "," << triple(r.n2g_pooled, ",") << "," << triple(r.token_mean, ",") << ","
          << triple(r.ngram_mean, ",") << "\n";
  } else if (format == "markdown") {
    out << "| layer | neurons (ok / dead / failed) | N2G P / R / F1 | N2G pooled P / R / F1 | token lookup P / R / F1 | "
           "5-gram P / R / F1 |\n|---|---|---|---|---|---|\n";
    for (const auto& r : reports)
      out << "| " << r.layer << " | " << r.neurons << " (" << r.ok << " / " << r.dead << " / " << r.failed << ") | "
          << triple(r.n2g_mean, " / ") << " | " << triple(r.n2g_pooled, " / ") << " | " << triple(r.token_mean, " / ")
          << " | " << triple(r.ngram_mean, " / ") << " |\n";
  } else if (format == "text") {
    char line[256];
    std::snprintf(line, sizeof(line), "%-6s %-20s %-18s %-18s %-18s %-18s\n", "layer", "ok/dead/failed", "N2G P/R/F1",
                  "N2G pooled", "token P/R/F1", "5-gram P/R/F1");
    out << line;
    for (const auto& r : reports) {
      const std::string counts = std::to_string(r.ok) + "/" + std::to_string(r.dead) + "/" + std::to_string(r.failed);
      std::snprintf(line, sizeof(line), "%-6d %-20s %-18s %-18s %-18s %-18s\n", r.layer, counts.c_str(),
                    triple(r.n2g_mean, "/").c_str(), triple(r.n2g_pooled, "/").c_str(), triple(r.token_mean, "/").c_str(),
                    triple(r.ngram_mean, "/").c_str());
      out << line;
    }
  } else {
    throw UsageError("unknown report format '" + format + "' (text, csv, markdown)");
  }
  return out.str();
}

}  // namespace n2g
