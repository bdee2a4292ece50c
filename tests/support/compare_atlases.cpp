// compare_atlases A.h5 B.h5 [relative_tolerance] [--golden]: exits 0 when the two atlases hold the
// same datasets (integers and strings identical, floats equal within the tolerance, NaN == NaN) and
// the same root attributes, leaving out timings and provenance (/run, created_utc, world_size).
// With --golden, A is a golden file holding some of an atlas's datasets (tests/goldens): those
// must be in B and equal, and attributes (paths, config) are not compared.
// With --fast, the tolerance of run.reproducible: fast between two rank counts: the same top-K
// windows and positions for every neuron, the same graph (tokens, parents, activating flags) for
// at least 99% of the neurons, and each layer's mean firing F1 within 0.01; the neurons that
// differ are listed. --graph-share=F and --window-share=F require other shares (the GPU check
// compares bfloat16 with float32).
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "n2g/io/atlas.h"
#include "n2g/io/hdf5.h"

namespace {

herr_t collect(hid_t group, const char* name, const H5L_info_t*, void* out) {
  const hid_t object = H5Oopen(group, name, H5P_DEFAULT);
  if (object >= 0 && H5Iget_type(object) == H5I_DATASET) static_cast<std::set<std::string>*>(out)->insert(std::string("/") + name);
  if (object >= 0) H5Oclose(object);
  return 0;
}

std::set<std::string> datasets(hid_t file) {
  std::set<std::string> names;
  H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, collect, &names);
  return names;
}

int compare_dataset(hid_t a, hid_t b, const std::string& name, double tolerance) {
  using namespace n2g;
  h5::Handle da = h5::open_dataset(a, name, "A"), db = h5::open_dataset(b, name, "B");
  if (h5::dims(da) != h5::dims(db)) {
    std::cout << name << ": shapes differ\n";
    return 1;
  }
  h5::Handle ta(H5Dget_type(da)), tb(H5Dget_type(db));
  if (H5Tget_class(ta) != H5Tget_class(tb) || H5Tget_size(ta) != H5Tget_size(tb)) {
    std::cout << name << ": element types differ\n";
    return 1;
  }
  if (H5Tget_class(ta) == H5T_STRING) {
    if (h5::read_strings(da, name) != h5::read_strings(db, name)) {
      std::cout << name << ": strings differ\n";
      return 1;
    }
    return 0;
  }
  if (H5Tget_class(ta) == H5T_FLOAT) {
    const auto x = h5::read_dataset<double>(a, name, "A"), y = h5::read_dataset<double>(b, name, "B");
    int bad = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const bool same = (std::isnan(x[i]) && std::isnan(y[i])) || std::abs(x[i] - y[i]) <= tolerance * std::max(std::abs(x[i]), std::abs(y[i])) + 1e-12;
      if (!same && bad++ < 3) std::cout << name << "[" << i << "]: " << x[i] << " vs " << y[i] << "\n";
    }
    return bad ? 1 : 0;
  }
  const auto x = h5::read_dataset<int64_t>(a, name, "A"), y = h5::read_dataset<int64_t>(b, name, "B");
  int bad = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] != y[i] && bad++ < 3) std::cout << name << "[" << i << "]: " << x[i] << " vs " << y[i] << "\n";
  return bad ? 1 : 0;
}

int compare_attributes(hid_t a, hid_t b) {
  using namespace n2g;
  int bad = 0;
  for (const char* name : {"n2g_format", "model", "architecture", "hook", "dataset", "config", "n2g_version"})
    if (h5::read_string_attribute(a, name, "A") != h5::read_string_attribute(b, name, "B")) {
      std::cout << "attribute " << name << " differs\n";
      ++bad;
    }
  for (const char* name : {"format_version", "n_layers", "d_mlp", "n_windows", "top_k", "complete"})
    if (h5::read_int_attribute(a, name, "A") != h5::read_int_attribute(b, name, "B")) {
      std::cout << "attribute " << name << " differs\n";
      ++bad;
    }
  return bad;
}

double mean_f1(const n2g::AtlasReader& atlas, int32_t layer) {
  double sum = 0;
  int64_t count = 0;
  for (int64_t r = 0; r < atlas.rows(); ++r) {
    const n2g::AtlasRow row = atlas.row(r);
    if (row.layer == layer && !std::isnan(row.firing.f1)) sum += row.firing.f1, ++count;
  }
  return count ? sum / count : 0;
}

int compare_fast(const std::string& path_a, const std::string& path_b, double graph_share, double window_share) {
  const n2g::AtlasReader a(path_a), b(path_b);
  if (a.rows() != b.rows() || a.rows() == 0) {
    std::cout << "the atlases hold " << a.rows() << " and " << b.rows() << " neurons\n";
    return 1;
  }
  int64_t same_windows = 0, same_graphs = 0, fitted = 0;
  for (int64_t r = 0; r < a.rows(); ++r) {
    const n2g::AtlasRow x = a.row(r), y = b.row(r);
    const bool windows = x.example_window == y.example_window && x.example_position == y.example_position;
    same_windows += windows;
    if (x.status != n2g::kOk && y.status != n2g::kOk) {
      if (!windows) std::cout << "layer " << x.layer << " neuron " << x.index << ": top-K windows differ (not fitted)\n";
      continue;
    }
    ++fitted;
    const bool graph = x.status == y.status && x.graph.token == y.graph.token && x.graph.parent == y.graph.parent &&
                       x.graph.activator == y.graph.activator;
    same_graphs += graph;
    if (!windows || !graph)
      std::cout << "layer " << x.layer << " neuron " << x.index << ": " << (windows ? "" : "top-K windows differ; ")
                << (graph ? "" : "graphs differ (" + std::to_string(x.graph.size()) + " vs " + std::to_string(y.graph.size()) + " nodes); ")
                << "F1 " << x.firing.f1 << " vs " << y.firing.f1 << "\n";
  }
  std::cout << a.rows() << " neurons: top-K windows equal for " << same_windows << ", graphs equal for " << same_graphs
            << " of " << fitted << " fitted\n";
  int bad = 0;
  if (same_windows < window_share * a.rows()) ++bad;
  if (fitted == 0 || same_graphs < graph_share * fitted) ++bad;
  for (int32_t layer = 0; layer < a.header().n_layers; ++layer) {
    const double fa = mean_f1(a, layer), fb = mean_f1(b, layer);
    std::cout << "layer " << layer << " mean firing F1 " << fa << " vs " << fb << "\n";
    if (std::abs(fa - fb) > 0.01) ++bad;
  }
  return bad ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  double graph_share = 0.99, window_share = 1.0;
  for (bool more = true; more && !args.empty();) {
    more = false;
    for (auto [flag, value] : {std::pair{"--graph-share=", &graph_share}, std::pair{"--window-share=", &window_share}})
      if (args.back().rfind(flag, 0) == 0) {
        *value = std::atof(args.back().c_str() + std::string(flag).size());
        args.pop_back();
        more = true;
        break;
      }
  }
  const bool golden = !args.empty() && args.back() == "--golden";
  const bool fast = !args.empty() && args.back() == "--fast";
  if (golden || fast) args.pop_back();
  if (fast && args.size() == 2) {
    try {
      return compare_fast(args[0], args[1], graph_share, window_share);
    } catch (const std::exception& error) {
      std::cerr << "compare_atlases: " << error.what() << "\n";
      return 2;
    }
  }
  if (args.size() < 2) {
    std::cerr << "usage: compare_atlases A.h5 B.h5 [relative_tolerance] [--golden | --fast [--graph-share=F] [--window-share=F]]\n";
    return 2;
  }
  const double tolerance = args.size() > 2 ? std::atof(args[2].c_str()) : 0.0;
  try {
    n2g::h5::Handle a = n2g::h5::open_file(args[0], false), b = n2g::h5::open_file(args[1], false);
    std::set<std::string> names = datasets(a);
    const std::set<std::string> other = datasets(b);
    const bool same_sets = golden ? std::includes(other.begin(), other.end(), names.begin(), names.end()) : names == other;
    if (!same_sets) {
      std::cout << (golden ? "the atlas lacks datasets of the golden file\n" : "the two files hold different datasets\n");
      return 1;
    }
    int bad = golden ? 0 : compare_attributes(a, b);
    int compared = 0;
    for (const auto& name : names) {
      if (name.rfind("/run/", 0) == 0) continue;
      bad += compare_dataset(a, b, name, tolerance);
      ++compared;
    }
    std::cout << compared << " datasets compared, " << bad << " differ\n";
    // Equal atlases with nothing fitted in them prove nothing.
    int64_t fitted = 0;
    if (!golden)
      for (const int64_t status : n2g::h5::read_dataset<int64_t>(a, "/neurons/status", "A")) fitted += status == n2g::kOk;
    if (!golden && fitted == 0) {
      std::cout << "no fitted neuron in " << args[0] << ": nothing was compared that could differ\n";
      return 1;
    }
    return bad == 0 && compared > 0 ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "compare_atlases: " << error.what() << "\n";
    return 2;
  }
}
