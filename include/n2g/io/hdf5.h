// Thin checked wrappers over the HDF5 C API: every return code is checked and turned into a
// FormatError naming the file, the object and the source line. Not thread-safe on its own:
// callers on several threads hold hdf5_mutex().
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace n2g::h5 {

std::mutex& hdf5_mutex();

// Throws FormatError("<where>: <what> failed (<file>:<line>)") when `status` is negative.
int64_t check(int64_t status, const std::string& where, const char* what, const char* file, int line);
#define N2G_H5(call, where) ::n2g::h5::check(static_cast<int64_t>(call), where, #call, __FILE__, __LINE__)

// An owned HDF5 identifier, closed with the right H5*close on destruction.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }
  hid_t release();  // gives up ownership without closing

 private:
  hid_t id_ = -1;
};

Handle open_file(const std::string& path, bool write, hid_t access = H5P_DEFAULT);
Handle create_file(const std::string& path, hid_t access = H5P_DEFAULT);
// Flushes and closes a file written through `file`, checking both (every object in it must be
// closed first): a write that failed only when HDF5 flushed its caches is an error here, naming
// `path` and the system's reason, instead of a silently truncated file. Without
// `close_after_failure` a file whose flush failed is left open (a collective close after a failed
// collective flush can hang; the caller ends the job).
void close_file(Handle& file, const std::string& path, bool close_after_failure = true);

// The system's or HDF5's reason for the last failed HDF5 call ("" when there is none), and the
// name of the file an object belongs to.
std::string last_error();
std::string file_of(hid_t object);
std::string in_file(hid_t object, const std::string& what);  // "<file>: <what>"
bool exists(hid_t location, const std::string& path);
Handle open_dataset(hid_t file, const std::string& path, const std::string& file_name);
std::vector<hsize_t> dims(hid_t dataset);

// Scalar attributes on an object (by path from `location`).
void write_attribute(hid_t object, const std::string& name, int64_t value);
void write_attribute(hid_t object, const std::string& name, double value);
void write_attribute(hid_t object, const std::string& name, const std::string& value);
bool has_attribute(hid_t object, const std::string& name);
int64_t read_int_attribute(hid_t object, const std::string& name, const std::string& where);
double read_float_attribute(hid_t object, const std::string& name, const std::string& where);
std::string read_string_attribute(hid_t object, const std::string& name, const std::string& where);

// Variable-length UTF-8 string datasets (a NUL inside a value is written as U+FFFD).
void write_strings(hid_t location, const std::string& path, const std::vector<std::string>& values);
std::vector<std::string> read_strings(hid_t dataset, const std::string& where);
std::vector<std::string> read_strings(hid_t dataset, const std::vector<hsize_t>& rows, const std::string& where);

// The HDF5 native type of a C++ element type.
template <class T> hid_t native_type();

// Creates a dataset of T with the given shape (chunked and compressed when `chunk` is given) and
// writes `data` (row-major) into it; empty data leaves it unwritten.
template <class T>
void write_dataset(hid_t location, const std::string& path, const std::vector<hsize_t>& shape, const std::vector<T>& data,
                   const std::vector<hsize_t>& chunk = {});

// The whole dataset as T, checking its rank and element class.
template <class T>
std::vector<T> read_dataset(hid_t file, const std::string& path, const std::string& file_name);

// Rows [first, first + count) of a dataset of rank 1 or 2.
template <class T>
std::vector<T> read_rows(hid_t dataset, hsize_t first, hsize_t count);

// Checks the n2g_format and format_version attributes of an n2g file; a file without n2g_format is
// "not an n2g <noun> (<hint>)".
void check_format(hid_t root, const std::string& path, const std::string& format, int64_t version, const std::string& noun,
                  const std::string& hint);

// Creates intermediate groups of `path` ("a/b/c" creates a and a/b).
void ensure_groups(hid_t file, const std::string& path);

}  // namespace n2g::h5
