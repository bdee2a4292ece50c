// n2g_compare --html: the comparison as one static page in the web atlas's style (inline SVG, no
// script): N2G F1 against relative depth (a line per atlas, both test sets), F1 against model size,
// the share of neurons with F1 >= 0.8 against depth, the fit's cost against model size, the table,
// and links to each atlas's own web atlas where given.
#pragma once

#include <string>
#include <vector>

#include "n2g/app/compare.h"

namespace n2g {

// `sites[i]`: the web atlas of the i-th atlas (its index.html, relative to the page or absolute),
// or empty; fewer than the atlases is allowed. Every plotted point carries data-x / data-y.
std::string comparison_page(const std::vector<ComparisonRow>& rows, const std::vector<std::string>& sites);

}  // namespace n2g
