// `n2g_report --neurons`: one record per neuron with every score and baseline on both test sets,
// the diagnostics, the graph's size and what it fires on, as CSV or JSON at full precision (floats
// with 9 significant digits; NaN is "nan" in CSV and null in JSON).
#pragma once

#include <string>

#include "n2g/io/atlas.h"

namespace n2g {

// format: csv | json
std::string neuron_table(const AtlasReader& atlas, const std::string& format);

}  // namespace n2g
