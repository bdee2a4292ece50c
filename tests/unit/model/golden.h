// Reads a fixture's golden.h5 (plain HDF5, float32/int32 datasets at the root) with the HDF5 C API,
// and compares tensors with the fixtures' tolerance.
#pragma once

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <iostream>

#include <stdexcept>
#include <string>
#include <vector>

namespace n2g::testing {

inline at::Tensor read_golden(const std::string& file, const std::string& dataset) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + file);
  const hid_t d = H5Dopen2(f, dataset.c_str(), H5P_DEFAULT);
  if (d < 0) {
    H5Fclose(f);
    throw std::runtime_error(file + " has no dataset " + dataset);
  }
  const hid_t space = H5Dget_space(d);
  std::vector<hsize_t> dims(H5Sget_simple_extent_ndims(space));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  std::vector<int64_t> shape(dims.begin(), dims.end());
  const hid_t type = H5Dget_type(d);
  const bool integer = H5Tget_class(type) == H5T_INTEGER;
  at::Tensor out = at::empty(shape, integer ? at::kInt : at::kFloat);
  H5Dread(d, integer ? H5T_NATIVE_INT32 : H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data_ptr());
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
  return out;
}

// Fails with the worst element unless |actual - golden| <= 2e-4 + 1e-4 |golden| everywhere.
inline void expect_close(const at::Tensor& actual, const at::Tensor& golden, const std::string& what) {
  ASSERT_EQ(actual.sizes(), golden.sizes()) << what;
  const at::Tensor a = actual.to(at::kFloat).cpu();
  const at::Tensor error = (a - golden).abs();
  const at::Tensor excess = error - (2e-4 + 1e-4 * golden.abs());
  const int64_t failing = (excess > 0).sum().item<int64_t>();
  std::cout << "  " << what << ": worst |error| " << error.max().item<float>() << "\n";
  EXPECT_EQ(failing, 0) << what << ": " << failing << " elements outside rtol 1e-4, atol 2e-4; worst error "
                        << error.max().item<float>();
}

}  // namespace n2g::testing
