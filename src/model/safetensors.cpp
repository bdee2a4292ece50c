#include "n2g/model/safetensors.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "n2g/errors.h"

namespace n2g {

// A read-only memory map of a whole file.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) : path_(path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) throw ModelError(path + ": cannot open (" + std::strerror(errno) + ")");
    struct stat st {};
    ::fstat(fd, &st);
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (data == MAP_FAILED) {
        ::close(fd);
        throw ModelError(path + ": cannot memory-map (" + std::strerror(errno) + ")");
      }
      data_ = static_cast<const uint8_t*>(data);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

namespace {

size_t dtype_size(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  if (dtype == "F64" || dtype == "I64" || dtype == "U64") return 8;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" || dtype == "F8_E5M2") return 1;
  return 0;
}

}  // namespace

void SafetensorsStore::add_file(const std::string& path) {
  auto file = std::make_shared<MappedFile>(path);
  if (file->size() < 8) throw ModelError(path + ": truncated safetensors file (" + std::to_string(file->size()) + " bytes, no header)");
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | file->data()[i];
  if (header_size > file->size() - 8)
    throw ModelError(path + ": corrupt safetensors header: it claims " + std::to_string(header_size) +
                     " bytes but the file has " + std::to_string(file->size() - 8) + " after the length");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(file->data() + 8, file->data() + 8 + header_size);
  } catch (const nlohmann::json::exception& error) {
    throw ModelError(path + ": corrupt safetensors header (not valid JSON: " + error.what() + ")");
  }
  if (!header.is_object()) throw ModelError(path + ": corrupt safetensors header (not a JSON object)");
  const uint64_t buffer_size = file->size() - 8 - header_size;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    TensorInfo info;
    try {
      info.dtype = entry.at("dtype").get<std::string>();
      info.shape = entry.at("shape").get<std::vector<int64_t>>();
      const auto offsets = entry.at("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2) throw std::runtime_error("data_offsets must have two entries");
      info.begin = offsets[0];
      info.end = offsets[1];
    } catch (const std::exception& error) {
      throw ModelError(path + ": corrupt safetensors header entry for '" + name + "' (" + error.what() + ")");
    }
    if (info.end < info.begin || info.end > buffer_size)
      throw ModelError(path + ": tensor '" + name + "' has data offsets [" + std::to_string(info.begin) + ", " +
                       std::to_string(info.end) + ") beyond the data buffer of " + std::to_string(buffer_size) +
                       " bytes (truncated file?)");
    int64_t elements = 1;
    for (int64_t d : info.shape) elements *= d;
    const size_t element_size = dtype_size(info.dtype);
    if (element_size != 0 && info.end - info.begin != static_cast<uint64_t>(elements) * element_size)
      throw ModelError(path + ": tensor '" + name + "' has " + std::to_string(info.end - info.begin) +
                       " bytes of data, its shape and dtype need " + std::to_string(elements * element_size));
    info.begin += 8 + header_size;
    info.end += 8 + header_size;
    info.file = files_.size();
    tensors_[name] = info;
  }
  // Two tensors sharing bytes would read each other's data: a corrupt or hostile file.
  std::vector<std::pair<const std::string*, const TensorInfo*>> in_file;
  for (const auto& [name, info] : tensors_)
    if (info.file == files_.size() && info.end > info.begin) in_file.emplace_back(&name, &info);
  std::sort(in_file.begin(), in_file.end(), [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (size_t i = 1; i < in_file.size(); ++i)
    if (in_file[i].second->begin < in_file[i - 1].second->end)
      throw ModelError(path + ": tensors '" + *in_file[i - 1].first + "' and '" + *in_file[i].first +
                       "' have overlapping data offsets (corrupt safetensors file)");
  files_.push_back(std::move(file));
}

SafetensorsStore SafetensorsStore::open_file(const std::string& path) {
  SafetensorsStore store;
  store.add_file(path);
  return store;
}

SafetensorsStore SafetensorsStore::open_directory(const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path dir(directory);
  if (fs::exists(dir / "model.safetensors")) return open_file((dir / "model.safetensors").string());
  const fs::path index_path = dir / "model.safetensors.index.json";
  if (!fs::exists(index_path))
    throw ModelError(directory + ": no model.safetensors or model.safetensors.index.json (convert .bin checkpoints "
                                 "to safetensors first)");
  nlohmann::json index;
  try {
    std::ifstream in(index_path);
    index = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {
    throw ModelError(index_path.string() + ": not valid JSON (" + error.what() + ")");
  }
  if (!index.contains("weight_map") || !index["weight_map"].is_object())
    throw ModelError(index_path.string() + ": expected a \"weight_map\" object");
  std::set<std::string> shards;
  for (const auto& [name, shard] : index["weight_map"].items()) shards.insert(shard.get<std::string>());
  SafetensorsStore store;
  for (const auto& shard : shards) {
    if (!fs::exists(dir / shard)) throw ModelError(index_path.string() + " lists shard '" + shard + "', which is missing");
    store.add_file((dir / shard).string());
  }
  return store;
}

at::Tensor SafetensorsStore::read(const std::string& name) const {
  const auto found = tensors_.find(name);
  if (found == tensors_.end()) throw ModelError("tensor '" + name + "' is not in the checkpoint");
  const TensorInfo& info = found->second;
  at::ScalarType type;
  if (info.dtype == "F32") type = at::kFloat;
  else if (info.dtype == "F16") type = at::kHalf;
  else if (info.dtype == "BF16") type = at::kBFloat16;
  else
    throw ModelError(files_[info.file]->path() + ": tensor '" + name + "' has dtype " + info.dtype +
                     "; n2g reads F32, F16 and BF16");
  at::Tensor raw = at::empty(info.shape, at::TensorOptions().dtype(type));
  std::memcpy(raw.data_ptr(), files_[info.file]->data() + info.begin, info.end - info.begin);
  return raw.to(at::kFloat);
}

}  // namespace n2g
