// A reader for safetensors files (one file, or shards listed by model.safetensors.index.json):
// the JSON header is parsed with nlohmann-json, the data is memory-mapped and copied out one
// tensor at a time.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace n2g {

struct TensorInfo {
  std::string dtype;             // F32 | F16 | BF16 (others are reported when read)
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;   // byte offsets into the data buffer
  size_t file = 0;               // which mapped file
};

class MappedFile;

class SafetensorsStore {
 public:
  // `model.safetensors`, or the shards named by `model.safetensors.index.json`, in `directory`.
  static SafetensorsStore open_directory(const std::string& directory);
  static SafetensorsStore open_file(const std::string& path);

  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }

  // The tensor as float32 on the CPU; throws ModelError if the dtype is one we do not read.
  at::Tensor read(const std::string& name) const;

 private:
  void add_file(const std::string& path);

  std::vector<std::shared_ptr<MappedFile>> files_;
  std::map<std::string, TensorInfo> tensors_;
};

// Writes `tensors` (float32, float16, bfloat16 or int64) as one safetensors file, in name order,
// under a temporary name renamed into place.
void write_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors);

}  // namespace n2g
