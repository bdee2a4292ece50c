// damage_atlas IN OUT DATASET ELEMENT VALUE: a copy of an atlas with one integer element of one
// dataset overwritten (a damaged file, for the tools' tests).
#include <hdf5.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: damage_atlas IN OUT DATASET ELEMENT VALUE\n";
    return 2;
  }
  std::filesystem::copy_file(argv[1], argv[2], std::filesystem::copy_options::overwrite_existing);
  const hid_t file = H5Fopen(argv[2], H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t dataset = file < 0 ? -1 : H5Dopen2(file, argv[3], H5P_DEFAULT);
  if (dataset < 0) {
    std::cerr << "damage_atlas: cannot open " << argv[3] << " in " << argv[2] << "\n";
    return 1;
  }
  const hid_t space = H5Dget_space(dataset);
  const hsize_t element = std::strtoull(argv[4], nullptr, 10), one = 1;
  const long long value = std::atoll(argv[5]);
  H5Sselect_elements(space, H5S_SELECT_SET, 1, &element);
  const hid_t memory = H5Screate_simple(1, &one, nullptr);
  const herr_t status = H5Dwrite(dataset, H5T_NATIVE_LLONG, memory, space, H5P_DEFAULT, &value);
  H5Sclose(memory);
  H5Sclose(space);
  H5Dclose(dataset);
  return H5Fclose(file) < 0 || status < 0 ? 1 : 0;
}
