// compare_atlases A.h5 B.h5 [relative_tolerance]: exits 0 when the two atlases hold the same
// datasets (integers and strings identical, floats equal within the tolerance, NaN == NaN) and the
// same root attributes, leaving out timings and provenance (/run, created_utc, world_size).
#include <hdf5.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <set>
#include <string>
#include <vector>

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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: compare_atlases A.h5 B.h5 [relative_tolerance]\n";
    return 2;
  }
  const double tolerance = argc > 3 ? std::atof(argv[3]) : 0.0;
  try {
    n2g::h5::Handle a = n2g::h5::open_file(argv[1], false), b = n2g::h5::open_file(argv[2], false);
    std::set<std::string> names = datasets(a);
    if (names != datasets(b)) {
      std::cout << "the two files hold different datasets\n";
      return 1;
    }
    int bad = compare_attributes(a, b);
    int compared = 0;
    for (const auto& name : names) {
      if (name.rfind("/run/", 0) == 0) continue;
      bad += compare_dataset(a, b, name, tolerance);
      ++compared;
    }
    std::cout << compared << " datasets compared, " << bad << " differ\n";
    return bad == 0 && compared > 0 ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "compare_atlases: " << error.what() << "\n";
    return 2;
  }
}
