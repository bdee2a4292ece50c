// A minimal binary packer for sending records between ranks (same machine architecture).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "n2g/errors.h"

namespace n2g {

class ByteWriter {
 public:
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable<T>::value, "plain values only");
    const auto* p = reinterpret_cast<const char*>(&value);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  template <class T>
  void put(const std::vector<T>& values) {
    put<uint64_t>(values.size());
    const auto* p = reinterpret_cast<const char*>(values.data());
    bytes_.insert(bytes_.end(), p, p + values.size() * sizeof(T));
  }
  void put(const std::string& text) { put(std::vector<char>(text.begin(), text.end())); }
  // Same call as ByteReader::fields, so one field list serves both directions.
  template <class... T>
  void fields(const T&... values) {
    (put(values), ...);
  }
  std::vector<char>& bytes() { return bytes_; }

 private:
  std::vector<char> bytes_;
};

class ByteReader {
 public:
  ByteReader(const char* data, size_t size) : data_(data), end_(data + size) {}
  template <class T>
  void get(T& value) {
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
  }
  template <class T>
  void get(std::vector<T>& values) {
    uint64_t n = 0;
    get(n);
    if (n > static_cast<uint64_t>(end_ - data_) / sizeof(T))  // before allocating for a corrupt length
      throw FormatError("a record ends early: " + std::to_string(n) + " elements wanted, " +
                        std::to_string(end_ - data_) + " bytes left");
    values.resize(n);
    if (n) std::memcpy(values.data(), take(n * sizeof(T)), n * sizeof(T));
  }
  void get(std::string& text) {
    std::vector<char> chars;
    get(chars);
    text.assign(chars.begin(), chars.end());
  }
  template <class... T>
  void fields(T&... values) {
    (get(values), ...);
  }
  bool done() const { return data_ >= end_; }

 private:
  const char* take(size_t n) {
    if (n > static_cast<size_t>(end_ - data_))
      throw FormatError("a record ends early: " + std::to_string(n) + " bytes wanted, " +
                        std::to_string(end_ - data_) + " left");
    const char* at = data_;
    data_ += n;
    return at;
  }
  const char* data_;
  const char* end_;
};

}  // namespace n2g
