#include "n2g/io/hdf5.h"

#include <cstring>
#include <filesystem>

#include "n2g/errors.h"

namespace n2g::h5 {
namespace {

// HDF5 prints its own error stack unless told not to; we report through exceptions instead.
// Nor does it close its files at exit: after a close that failed (a full disk), HDF5 1.10's exit
// handler crashes on the file it could not close; every file n2g writes is closed explicitly.
struct Silence {
  Silence() {
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
};
const Silence silence;

void close_id(hid_t id) {
  if (id < 0) return;
  switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: break;
  }
}

Handle string_type() {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

}  // namespace

std::mutex& hdf5_mutex() {
  static std::mutex mutex;
  return mutex;
}

namespace {

// The innermost entry of HDF5's error stack: the system's message when a read or write failed
// ("No space left on device", "File too large"), else HDF5's own description.
herr_t innermost(unsigned depth, const H5E_error2_t* entry, void* out) {
  if (depth == 0 && entry->desc) *static_cast<std::string*>(out) = entry->desc;
  return 0;
}

std::string system_reason(const std::string& description) {
  const std::string key = "error message = '";
  const size_t at = description.find(key);
  if (at == std::string::npos) return description;
  const size_t end = description.find('\'', at + key.size());
  return description.substr(at + key.size(), end == std::string::npos ? std::string::npos : end - at - key.size());
}

}  // namespace

std::string last_error() {
  std::string description;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &description);
  if (description.empty()) return "";
  const std::string reason = system_reason(description);
  // Through MPI-IO HDF5 learns only that a write failed, not why.
  return reason.find("write failed") != std::string::npos ? reason + ": is the disk full or the quota reached?" : reason;
}

std::string file_of(hid_t object) {
  const ssize_t length = H5Fget_name(object, nullptr, 0);
  if (length <= 0) return "";
  std::string name(static_cast<size_t>(length) + 1, '\0');
  H5Fget_name(object, name.data(), name.size());
  name.resize(static_cast<size_t>(length));
  return name;
}

std::string in_file(hid_t object, const std::string& what) {
  const std::string file = file_of(object);
  return file.empty() ? what : file + ": " + what;
}

int64_t check(int64_t status, const std::string& where, const char* what, const char* file, int line) {
  if (status < 0) {
    const std::string reason = last_error();
    const std::string call(what, std::strcspn(what, "("));  // the function's name, not its arguments
    throw FormatError(where + ": " + call + " failed" + (reason.empty() ? "" : " (" + reason + ")") + " [" +
                      std::filesystem::path(file).filename().string() + ":" + std::to_string(line) + "]");
  }
  return status;
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    close_id(id_);
    id_ = other.id_;
    other.id_ = -1;
  }
  return *this;
}

Handle::~Handle() { close_id(id_); }

hid_t Handle::release() {
  const hid_t id = id_;
  id_ = -1;
  return id;
}

Handle open_file(const std::string& path, bool write, hid_t access) {
  if (!std::filesystem::exists(path)) throw FormatError(path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw FormatError(path + ": not an HDF5 file (or truncated)");
  const hid_t id = H5Fopen(path.c_str(), write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, access);
  if (id < 0) throw FormatError(path + ": cannot open as HDF5 (damaged or truncated?)");
  return Handle(id);
}

Handle create_file(const std::string& path, hid_t access) {
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access);
  if (id < 0) {
    const std::string reason = last_error();
    throw FormatError(path + ": cannot create (" + (reason.empty() ? "is the directory writable?" : reason) + ")");
  }
  return Handle(id);
}

void close_file(Handle& file, const std::string& path, bool close_after_failure) {
  if (!file.valid()) return;
  const hid_t id = file.release();
  const bool flushed = H5Fflush(id, H5F_SCOPE_LOCAL) >= 0;
  const std::string flush_reason = flushed ? "" : last_error();
  const bool closed = (flushed || close_after_failure) && H5Fclose(id) >= 0;
  if (!flushed || !closed) {
    const std::string reason = flushed ? last_error() : flush_reason;
    throw FormatError(path + ": cannot finish writing the file (" + (reason.empty() ? "HDF5 could not flush or close it" : reason) +
                      "; is the disk full or the quota reached?)");
  }
}

bool exists(hid_t location, const std::string& path) {
  size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (!prefix.empty() && prefix != "/" && H5Lexists(location, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

Handle open_dataset(hid_t file, const std::string& path, const std::string& file_name) {
  if (!exists(file, path)) throw FormatError(file_name + ": dataset " + path + " is missing");
  const hid_t id = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
  if (id < 0) throw FormatError(file_name + ": " + path + " is not a readable dataset");
  return Handle(id);
}

std::vector<hsize_t> dims(hid_t dataset) {
  Handle space(H5Dget_space(dataset));
  std::vector<hsize_t> out(std::max(0, H5Sget_simple_extent_ndims(space)));
  H5Sget_simple_extent_dims(space, out.data(), nullptr);
  return out;
}

namespace {

void write_scalar_attribute(hid_t object, const std::string& name, hid_t file_type, hid_t mem_type, const void* value) {
  if (H5Aexists(object, name.c_str()) > 0) H5Adelete(object, name.c_str());
  Handle space(H5Screate(H5S_SCALAR));
  const std::string where = in_file(object, "attribute " + name);
  Handle attribute(N2G_H5(H5Acreate2(object, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT), where));
  N2G_H5(H5Awrite(attribute, mem_type, value), where);
}

Handle open_attribute(hid_t object, const std::string& name, const std::string& where) {
  if (H5Aexists(object, name.c_str()) <= 0) throw FormatError(where + ": attribute '" + name + "' is missing");
  return Handle(N2G_H5(H5Aopen(object, name.c_str(), H5P_DEFAULT), where));
}

}  // namespace

void write_attribute(hid_t object, const std::string& name, int64_t value) {
  write_scalar_attribute(object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}
void write_attribute(hid_t object, const std::string& name, double value) {
  write_scalar_attribute(object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}
void write_attribute(hid_t object, const std::string& name, const std::string& value) {
  const Handle type = string_type();
  const char* text = value.c_str();
  write_scalar_attribute(object, name, type, type, &text);
}

bool has_attribute(hid_t object, const std::string& name) { return H5Aexists(object, name.c_str()) > 0; }

int64_t read_int_attribute(hid_t object, const std::string& name, const std::string& where) {
  Handle attribute = open_attribute(object, name, where);
  Handle type(H5Aget_type(attribute));
  if (H5Tget_class(type) != H5T_INTEGER) throw FormatError(where + ": attribute '" + name + "' is not an integer");
  int64_t value = 0;
  N2G_H5(H5Aread(attribute, H5T_NATIVE_INT64, &value), where);
  return value;
}

double read_float_attribute(hid_t object, const std::string& name, const std::string& where) {
  Handle attribute = open_attribute(object, name, where);
  double value = 0;
  N2G_H5(H5Aread(attribute, H5T_NATIVE_DOUBLE, &value), where);
  return value;
}

std::string read_string_attribute(hid_t object, const std::string& name, const std::string& where) {
  Handle attribute = open_attribute(object, name, where);
  Handle type(H5Aget_type(attribute));
  if (H5Tget_class(type) != H5T_STRING) throw FormatError(where + ": attribute '" + name + "' is not a string");
  if (H5Tis_variable_str(type) > 0) {
    const Handle memory = string_type();
    char* text = nullptr;
    N2G_H5(H5Aread(attribute, memory, &text), where);
    std::string out = text ? text : "";
    H5free_memory(text);
    return out;
  }
  std::string out(H5Tget_size(type), '\0');
  N2G_H5(H5Aread(attribute, type, out.data()), where);
  return out.substr(0, out.find('\0'));
}

void write_strings(hid_t location, const std::string& path, const std::vector<std::string>& values) {
  const Handle type = string_type();
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  const std::string where = in_file(location, path);
  Handle dataset(N2G_H5(H5Dcreate2(location, path.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), where));
  // HDF5 strings end at NUL: a NUL inside a value is stored as U+FFFD, as the reference writer does.
  std::vector<std::string> stored = values;
  for (auto& v : stored)
    for (size_t pos; (pos = v.find('\0')) != std::string::npos;) v.replace(pos, 1, "\xEF\xBF\xBD");
  std::vector<const char*> pointers;
  for (const auto& v : stored) pointers.push_back(v.c_str());
  if (n > 0) N2G_H5(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()), where);
}

std::vector<std::string> read_strings(hid_t dataset, const std::vector<hsize_t>& rows, const std::string& where) {
  const Handle type = string_type();
  std::vector<char*> pointers(rows.size(), nullptr);
  if (rows.empty()) return {};
  Handle file_space(H5Dget_space(dataset));
  N2G_H5(H5Sselect_elements(file_space, H5S_SELECT_SET, rows.size(), rows.data()), where);
  const hsize_t n = rows.size();
  Handle memory_space(H5Screate_simple(1, &n, nullptr));
  N2G_H5(H5Dread(dataset, type, memory_space, file_space, H5P_DEFAULT, pointers.data()), where);
  std::vector<std::string> out;
  for (char* p : pointers) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

std::vector<std::string> read_strings(hid_t dataset, const std::string& where) {
  const auto shape = dims(dataset);
  if (shape.size() != 1) throw FormatError(where + ": expected a 1-D string dataset");
  std::vector<hsize_t> rows(shape[0]);
  for (hsize_t i = 0; i < shape[0]; ++i) rows[i] = i;
  return read_strings(dataset, rows, where);
}

template <> hid_t native_type<int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t native_type<int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t native_type<uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t native_type<int8_t>() { return H5T_NATIVE_INT8; }
template <> hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }

namespace {
template <class T> hid_t file_type();
template <> hid_t file_type<int32_t>() { return H5T_STD_I32LE; }
template <> hid_t file_type<int64_t>() { return H5T_STD_I64LE; }
template <> hid_t file_type<uint8_t>() { return H5T_STD_U8LE; }
template <> hid_t file_type<int8_t>() { return H5T_STD_I8LE; }
template <> hid_t file_type<float>() { return H5T_IEEE_F32LE; }
template <> hid_t file_type<double>() { return H5T_IEEE_F64LE; }
template <class T> H5T_class_t type_class() { return std::is_floating_point<T>::value ? H5T_FLOAT : H5T_INTEGER; }
}  // namespace

template <class T>
void write_dataset(hid_t location, const std::string& path, const std::vector<hsize_t>& shape, const std::vector<T>& data,
                   const std::vector<hsize_t>& chunk) {
  const std::string where = in_file(location, path);
  Handle space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr));
  Handle properties(H5Pcreate(H5P_DATASET_CREATE));
  if (!chunk.empty()) {
    N2G_H5(H5Pset_chunk(properties, static_cast<int>(chunk.size()), chunk.data()), where);
    N2G_H5(H5Pset_shuffle(properties), where);
    N2G_H5(H5Pset_deflate(properties, 4), where);
  }
  Handle dataset(N2G_H5(H5Dcreate2(location, path.c_str(), file_type<T>(), space, H5P_DEFAULT, properties, H5P_DEFAULT), where));
  if (!data.empty()) N2G_H5(H5Dwrite(dataset, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), where);
}

template <class T>
std::vector<T> read_dataset(hid_t file, const std::string& path, const std::string& file_name) {
  Handle dataset = open_dataset(file, path, file_name);
  Handle type(H5Dget_type(dataset));
  if (H5Tget_class(type) != type_class<T>())
    throw FormatError(file_name + ": dataset " + path + " has the wrong element type (expected " +
                      (type_class<T>() == H5T_FLOAT ? "floats" : "integers") + ")");
  hsize_t n = 1;
  for (hsize_t d : dims(dataset)) n *= d;
  std::vector<T> out(n);
  if (n > 0) N2G_H5(H5Dread(dataset, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), file_name + ": " + path);
  return out;
}

template <class T>
std::vector<T> read_rows(hid_t dataset, hsize_t first, hsize_t count) {
  auto shape = dims(dataset);
  hsize_t width = 1;  // elements of one row: the product of the trailing dimensions
  for (size_t d = 1; d < shape.size(); ++d) width *= shape[d];
  std::vector<T> out(count * width);
  if (count == 0) return out;
  Handle file_space(H5Dget_space(dataset));
  std::vector<hsize_t> start(shape.size(), 0), extent = shape;
  start[0] = first;
  extent[0] = count;
  const std::string where = in_file(dataset, "rows " + std::to_string(first) + "-" + std::to_string(first + count - 1));
  if (shape.empty() || first + count > shape[0])
    throw FormatError(where + " are outside the dataset's " + (shape.empty() ? std::string("0") : std::to_string(shape[0])) +
                      " rows");
  N2G_H5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr), where);
  Handle memory_space(H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr));
  N2G_H5(H5Dread(dataset, native_type<T>(), memory_space, file_space, H5P_DEFAULT, out.data()), where);
  return out;
}

void check_format(hid_t root, const std::string& path, const std::string& format, int64_t version, const std::string& noun,
                  const std::string& hint) {
  if (!has_attribute(root, "n2g_format")) throw FormatError(path + ": not an n2g " + noun + " (no n2g_format attribute; " + hint + ")");
  const std::string found = read_string_attribute(root, "n2g_format", path);
  if (found != format) throw FormatError(path + ": n2g_format is '" + found + "', expected '" + format + "'");
  const int64_t found_version = read_int_attribute(root, "format_version", path);
  if (found_version != version)
    throw FormatError(path + ": " + format + " format_version " + std::to_string(found_version) + " is not supported (expected " +
                      std::to_string(version) + ")");
}

void ensure_groups(hid_t file, const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    const std::string group = path.substr(0, pos);
    if (H5Lexists(file, group.c_str(), H5P_DEFAULT) <= 0)
      Handle(N2G_H5(H5Gcreate2(file, group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), group));
  }
}

#define N2G_INSTANTIATE(T)                                                                                        \
  template void write_dataset<T>(hid_t, const std::string&, const std::vector<hsize_t>&, const std::vector<T>&, \
                                 const std::vector<hsize_t>&);                                                   \
  template std::vector<T> read_dataset<T>(hid_t, const std::string&, const std::string&);                       \
  template std::vector<T> read_rows<T>(hid_t, hsize_t, hsize_t);
N2G_INSTANTIATE(int32_t)
N2G_INSTANTIATE(int64_t)
N2G_INSTANTIATE(uint8_t)
N2G_INSTANTIATE(int8_t)
N2G_INSTANTIATE(float)
N2G_INSTANTIATE(double)

}  // namespace n2g::h5
