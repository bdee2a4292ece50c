#include "n2g/fit/lines.h"

#include <algorithm>

namespace n2g {

std::vector<Line> make_lines(const std::vector<Sample>& group, const TokenTable& table, const GraphParams& params) {
  std::vector<Line> lines;
  if (group.empty()) return lines;
  const auto& first_importance = group[0].saliency->importance;
  for (const Sample& sample : group) {
    const auto& tokens = *sample.tokens;
    const auto& importance = sample.saliency->importance;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (table.is_special(tokens[i]) || !(sample.normalised[i] > params.activation_threshold)) continue;
      Line line{{{tokens[i], sample.normalised[i]}}, sample.normalised[i]};
      size_t last_important = 0;  // elements to keep
      for (size_t j = i; j-- > 0;) {
        if (table.is_special(tokens[j])) continue;
        const float own = importance[j][i];
        const float first = first_importance[j][i];
        if (own > params.importance_threshold || first > params.importance_threshold) {
          line.elements.push_back({tokens[j], std::max(own, first)});
          last_important = line.elements.size();
        } else {
          line.elements.push_back({kIgnoreToken, 0.0f});
        }
      }
      line.elements.resize(std::max<size_t>(last_important, 1));
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

}  // namespace n2g
