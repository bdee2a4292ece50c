#include "n2g/app/compare_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace n2g {
namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
  return out;
}

std::string fixed(double value, const char* format = "%.3f") {
  if (std::isnan(value)) return "nan";
  char text[32];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

const char* kColours[] = {"#20304a", "#c0392b", "#27864a", "#b7791f", "#6b3fa0", "#1f7a8c"};

struct Point {
  double x, y, low, high;  // low / high: the interval of y (NaN: none)
};

struct Series {
  std::string name;
  std::vector<Point> points;
  bool line = true;
  bool dashed = false;
  size_t colour = 0;  // the atlas's
};

// One plot: axes, ticks at the ends, a polyline (or points) per series, with interval bars.
std::string plot(const std::string& title, const std::string& x_label, const std::string& y_label,
                 const std::vector<Series>& series, bool log_x, double y_max) {
  const double width = 420, height = 260, left = 50, right = 15, top = 25, bottom = 40;
  double x_low = INFINITY, x_high = -INFINITY;
  for (const auto& s : series)
    for (const auto& p : s.points)
      if (!std::isnan(p.x) && !std::isnan(p.y) && (!log_x || p.x > 0)) {
        const double x = log_x ? std::log10(p.x) : p.x;
        x_low = std::min(x_low, x), x_high = std::max(x_high, x);
      }
  std::ostringstream svg;
  svg << "<figure class=\"plot\"><figcaption>" << escape(title) << "</figcaption><svg viewBox=\"0 0 " << width << " "
      << height << "\" width=\"" << width << "\" height=\"" << height << "\" role=\"img\">";
  if (!(x_low <= x_high)) return svg.str() + "<text x=\"60\" y=\"120\">no data</text></svg></figure>";
  if (x_low == x_high) x_low -= 0.5, x_high += 0.5;
  const auto sx = [&](double x) { return left + (width - left - right) * ((log_x ? std::log10(x) : x) - x_low) / (x_high - x_low); };
  const auto sy = [&](double y) { return height - bottom - (height - top - bottom) * std::clamp(y / y_max, 0.0, 1.0); };
  svg << "<line x1=\"" << left << "\" y1=\"" << height - bottom << "\" x2=\"" << width - right << "\" y2=\"" << height - bottom
      << "\" stroke=\"#888\"/><line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\"" << height - bottom
      << "\" stroke=\"#888\"/>";
  const auto tick = [&](double x) { return log_x ? fixed(std::pow(10, x) / 1e6, "%.3gM") : fixed(x, "%.2f"); };
  svg << "<text x=\"" << left << "\" y=\"" << height - bottom + 15 << "\" font-size=\"11\">" << tick(x_low) << "</text>"
      << "<text x=\"" << width - right << "\" y=\"" << height - bottom + 15 << "\" font-size=\"11\" text-anchor=\"end\">"
      << tick(x_high) << "</text><text x=\"" << (left + width - right) / 2 << "\" y=\"" << height - 5
      << "\" font-size=\"12\" text-anchor=\"middle\">" << escape(x_label) << "</text><text x=\"" << left - 5 << "\" y=\""
      << top + 4 << "\" font-size=\"11\" text-anchor=\"end\">" << fixed(y_max, "%.3g") << "</text><text x=\"" << left - 5
      << "\" y=\"" << height - bottom << "\" font-size=\"11\" text-anchor=\"end\">0</text><text x=\"12\" y=\""
      << (top + height - bottom) / 2 << "\" font-size=\"12\" transform=\"rotate(-90 12 " << (top + height - bottom) / 2
      << ")\" text-anchor=\"middle\">" << escape(y_label) << "</text>";
  for (const Series& s : series) {
    const std::string colour = kColours[s.colour % 6];
    std::ostringstream line;
    svg << "<g class=\"series\" data-name=\"" << escape(s.name) << "\" stroke=\"" << colour << "\" fill=\"" << colour << "\">";
    for (const auto& p : s.points) {
      if (std::isnan(p.x) || std::isnan(p.y) || (log_x && p.x <= 0)) continue;
      line << fixed(sx(p.x), "%.1f") << "," << fixed(sy(p.y), "%.1f") << " ";
      if (!std::isnan(p.low) && !std::isnan(p.high))
        svg << "<line x1=\"" << fixed(sx(p.x), "%.1f") << "\" y1=\"" << fixed(sy(p.low), "%.1f") << "\" x2=\"" << fixed(sx(p.x), "%.1f")
            << "\" y2=\"" << fixed(sy(p.high), "%.1f") << "\" stroke-opacity=\"0.5\"/>";
      svg << "<circle cx=\"" << fixed(sx(p.x), "%.1f") << "\" cy=\"" << fixed(sy(p.y), "%.1f") << "\" r=\"3\" data-x=\""
          << fixed(p.x, "%.6g") << "\" data-y=\"" << fixed(p.y, "%.4f") << "\"><title>" << escape(s.name) << ": " << fixed(p.y)
          << "</title></circle>";
    }
    if (s.line && !line.str().empty())
      svg << "<polyline fill=\"none\" points=\"" << line.str() << "\"" << (s.dashed ? " stroke-dasharray=\"4 3\"" : "") << "/>";
    svg << "</g>";
  }
  return svg.str() + "</svg></figure>";
}

}  // namespace

std::string comparison_page(const std::vector<ComparisonRow>& rows, const std::vector<std::string>& sites) {
  std::vector<std::string> atlases;
  for (const auto& r : rows)
    if (std::find(atlases.begin(), atlases.end(), r.atlas) == atlases.end()) atlases.push_back(r.atlas);
  const auto label = [&](size_t a) { return std::to_string(a + 1) + ": " + atlases[a]; };
  std::vector<Series> by_depth, share, by_size, cost;
  double most_cost = 0;
  for (size_t a = 0; a < atlases.size(); ++a) {
    Series top{label(a) + ", top-window test half", {}, true, false, a}, random{label(a) + ", random windows", {}, true, true, a};
    Series good{label(a), {}, true, false, a};
    Series size{label(a), {}, false, false, a}, spent{label(a), {}, false, false, a};
    for (const auto& r : rows) {
      if (r.atlas != atlases[a]) continue;
      if (r.layer >= 0) {
        top.points.push_back({r.relative_depth, r.top_f1.mean, r.top_f1.interval.low, r.top_f1.interval.high});
        random.points.push_back({r.relative_depth, r.random_f1.mean, r.random_f1.interval.low, r.random_f1.interval.high});
        good.points.push_back({r.relative_depth, r.share_f1_at_least_0_8, NAN, NAN});
      } else {
        const double parameters = r.parameters > 0 ? static_cast<double>(r.parameters) : NAN;
        size.points.push_back({parameters, r.top_f1.mean, r.top_f1.interval.low, r.top_f1.interval.high});
        spent.points.push_back({parameters, r.fit_core_seconds_per_neuron, NAN, NAN});
        most_cost = std::max(most_cost, r.fit_core_seconds_per_neuron);
      }
    }
    by_depth.push_back(top);
    by_depth.push_back(random);
    share.push_back(good);
    by_size.push_back(size);
    cost.push_back(spent);
  }
  std::ostringstream html;
  html << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
          "content=\"width=device-width, initial-scale=1\"><title>n2g comparison</title><style>"
          "body{font-family:system-ui,sans-serif;margin:0;color:#1a1a1a;line-height:1.45}"
          "header{padding:.6em 1em;background:#20304a;color:#fff;font-weight:600}main{padding:1em;max-width:80em;margin:0 auto}"
          "h1{font-size:1.4em}h2{font-size:1.1em;margin:1.4em 0 .5em}a{color:#0b4fa8}.scroll{overflow-x:auto;max-width:100%}"
          "table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #c8ccd2;padding:.25em .5em;text-align:right;"
          "white-space:nowrap}th{background:#eef1f5}td.text{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:1em}"
          ".plot{margin:0}.plot svg{max-width:100%;height:auto}.note{color:#444;font-size:.9em}"
          ".swatch{display:inline-block;width:1.6em;height:.35em;vertical-align:middle}"
          "</style></head><body><header>n2g comparison</header><main><h1>" << atlases.size() << " atlases side by side</h1>"
       << "<p class=\"note\">N2G firing F1 means over the neurons with a real firing in each test set, bars: 95% bootstrap "
          "intervals; solid: top-window test half, dashed: random windows; colours: the atlases below. Relative depth is "
          "(layer + 0.5) / layers.</p><ol id=\"atlases\">";
  for (size_t a = 0; a < atlases.size(); ++a) {
    html << "<li><span class=\"swatch\" style=\"background:" << kColours[a % 6] << "\"></span> " << escape(atlases[a]);
    if (a < sites.size() && !sites[a].empty()) html << " &middot; <a href=\"" << escape(sites[a]) << "\">web atlas</a>";
    html << "</li>";
  }
  html << "</ol><div class=\"plots\">" << plot("N2G F1 against relative depth", "relative depth", "F1", by_depth, false, 1.0)
       << plot("N2G F1 against model size (top-window test half)", "parameters", "F1", by_size, true, 1.0)
       << plot("Share of neurons with F1 >= 0.8 against relative depth", "relative depth", "share", share, false, 1.0)
       << plot("Fit cost against model size", "parameters", "core-seconds per neuron", cost, true,
               most_cost > 0 ? most_cost * 1.1 : 1.0)
       << "</div><h2>Table</h2><div class=\"scroll\"><table id=\"comparison\"><tr><th>atlas</th><th>layer</th><th>depth</th>"
          "<th>ok / dead / near-dead</th><th>N2G F1 top [95%]</th><th>N2G F1 random [95%]</th><th>token F1 top</th>"
          "<th>F1 &ge; 0.8</th><th>median nodes</th><th>r random</th><th>fit core-s / neuron</th><th>method</th></tr>";
  const auto cell = [](const MeanWithInterval& m) {
    return fixed(m.mean, "%.2f") + " [" + fixed(m.interval.low, "%.2f") + "&ndash;" + fixed(m.interval.high, "%.2f") + "]";
  };
  for (const auto& r : rows) {
    const size_t a = std::find(atlases.begin(), atlases.end(), r.atlas) - atlases.begin();
    html << "<tr><td>" << a + 1 << "</td><td>" << (r.layer >= 0 ? std::to_string(r.layer) : "all") << "</td><td>"
         << fixed(r.relative_depth, "%.2f") << "</td><td>" << r.ok << " / " << r.dead << " / " << r.near_dead << "</td><td>"
         << cell(r.top_f1) << "</td><td>" << cell(r.random_f1) << "</td><td>" << cell(r.top_token_f1) << "</td><td>"
         << fixed(r.share_f1_at_least_0_8, "%.2f") << "</td><td>" << fixed(r.median_graph_nodes, "%.1f") << "</td><td>"
         << fixed(r.graph_correlation.mean, "%.2f") << "</td><td>" << fixed(r.fit_core_seconds_per_neuron, "%.4g")
         << "</td><td class=\"text\">" << escape(r.method) << "</td></tr>";
  }
  html << "</table></div></main></body></html>\n";
  return html.str();
}

}  // namespace n2g
