#include "n2g/sweep/identity.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <vector>

#include "n2g/io/checkpoint.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;

std::string hex(uint64_t value) {
  std::ostringstream out;
  out << std::hex << std::setw(16) << std::setfill('0') << value;
  return out.str();
}

// The bytes [offset, offset + count) of a file (fewer at its end).
std::string file_bytes(const fs::path& path, uint64_t offset, uint64_t count) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string bytes(count, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(count));
  bytes.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  return bytes;
}

std::string dataset_identity(const SweepSetup& setup) {
  const TokenDataset& data = setup.dataset;
  const int64_t n = data.n_windows(), samples = std::min<int64_t>(n, 256);
  std::vector<int64_t> windows;
  for (int64_t i = 0; i < samples; ++i) windows.push_back(i * n / samples);
  const auto tokens = data.read_windows(windows);
  const std::string bytes(reinterpret_cast<const char*>(tokens.data()), tokens.size() * sizeof(int32_t));
  std::error_code error;
  std::ostringstream out;
  out << "windows " << n << ", window_len " << data.window_len() << ", vocab_size " << data.vocab_size() << ", bytes "
      << fs::file_size(data.path(), error) << ", checksum " << hex(fingerprint(bytes));
  return out.str();
}

std::string model_identity(const std::string& directory) {
  constexpr uint64_t kEnd = 1 << 20;  // head and tail of each file: the header and some weights
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory))
    if (entry.path().extension() == ".safetensors" || entry.path().filename() == "config.json" ||
        entry.path().filename() == "cfg.json")  // an SAE's
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::string summary;
  for (const auto& file : files) {
    const uint64_t size = fs::file_size(file);
    summary += file.filename().string() + ":" + std::to_string(size) + ":" + file_bytes(file, 0, kEnd) +
               file_bytes(file, size > kEnd ? size - kEnd : 0, kEnd);
  }
  return std::to_string(files.size()) + " files, checksum " + hex(fingerprint(summary));
}

}  // namespace

std::string RunIdentity::text() const {
  return "dataset: " + dataset + "\nmodel: " + model + "\n" + (sae.empty() ? "" : "sae: " + sae + "\n") + "config:\n" + config;
}

RunIdentity RunIdentity::parse(const std::string& text) {
  RunIdentity identity;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("dataset: ", 0) == 0) identity.dataset = line.substr(9);
    else if (line.rfind("model: ", 0) == 0) identity.model = line.substr(7);
    else if (line.rfind("sae: ", 0) == 0) identity.sae = line.substr(5);
    else if (line == "config:") identity.config.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return identity;
}

std::string RunIdentity::difference_from(const RunIdentity& earlier) const {
  if (config != earlier.config) return "a run with a different config";
  if (dataset != earlier.dataset)
    return "a run on a different dataset (the file changed since: was " + earlier.dataset + "; now " + dataset + ")";
  if (model != earlier.model) return "a run of a different model (the weights changed since: was " + earlier.model + "; now " + model + ")";
  if (sae != earlier.sae) return "a run of a different SAE (its weights changed since: was " + earlier.sae + "; now " + sae + ")";
  return "";
}

RunIdentity run_identity(const SweepConfig& config, const SweepSetup& setup) {
  // Everything but output paths and what only changes speed (batches, waves, threads, progress)
  // decides results; the performance-only keys are set to their defaults here.
  SweepConfig deciding = config;
  const SweepConfig defaults;
  deciding.run.output.clear();
  deciding.run.checkpoint_dir = "-";
  deciding.run.progress = defaults.run.progress;
  deciding.run.threads = defaults.run.threads;
  deciding.run.batch_tokens = defaults.run.batch_tokens;
  deciding.run.neurons_per_wave = defaults.run.neurons_per_wave;
  deciding.scan.batch_windows = defaults.scan.batch_windows;
  return {deciding.resolved_yaml() + "\n", dataset_identity(setup), model_identity(config.model.path),
          config.neurons.sae.empty() ? "" : model_identity(config.neurons.sae)};
}

}  // namespace n2g
