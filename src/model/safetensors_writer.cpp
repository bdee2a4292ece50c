#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "n2g/errors.h"
#include "n2g/model/safetensors.h"

namespace n2g {
namespace {

std::string dtype_name(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return "F32";
    case at::kHalf: return "F16";
    case at::kBFloat16: return "BF16";
    case at::kLong: return "I64";
    default: throw ModelError(std::string("cannot write a tensor of dtype ") + c10::toString(type) + " to safetensors");
  }
}

}  // namespace

void write_safetensors(const std::string& path, const std::map<std::string, at::Tensor>& tensors) {
  nlohmann::json header;
  header["__metadata__"] = {{"format", "pt"}};
  std::vector<at::Tensor> data;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const at::Tensor cpu = tensor.to(at::kCPU).contiguous();
    const uint64_t bytes = cpu.numel() * cpu.element_size();
    header[name] = {{"dtype", dtype_name(cpu.scalar_type())}, {"shape", cpu.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    data.push_back(cpu);
  }
  std::string text = header.dump();
  while ((text.size() + 8) % 8 != 0) text += ' ';
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    if (!out) throw ModelError(path + ": cannot write");
    const uint64_t size = text.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((size >> (8 * i)) & 0xFF));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : data) out.write(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size());
    if (!out) throw ModelError(path + ": write failed");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) throw ModelError(path + ": cannot rename the finished file into place");
}

}  // namespace n2g
