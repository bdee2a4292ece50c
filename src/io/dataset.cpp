#include "n2g/io/dataset.h"

#include <algorithm>

#include "n2g/errors.h"
#include "n2g/io/hdf5.h"
#include "n2g/io/staged.h"

namespace n2g {

struct TokenDataset::File {
  h5::Handle file;
  h5::Handle tokens;
};

TokenDataset::TokenDataset(const std::string& path) : file_(std::make_unique<File>()), path_(path) {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  file_->file = h5::open_file(path, false);
  const hid_t root = file_->file;
  h5::check_format(root, path, "dataset", 1, "token dataset", "write one with n2g_prepare");
  file_->tokens = h5::open_dataset(root, "/tokens", path);
  h5::Handle type(H5Dget_type(file_->tokens));
  if (H5Tget_class(type) != H5T_INTEGER || H5Tget_size(type) != 4)
    throw FormatError(path + ": /tokens must be int32");
  const auto shape = h5::dims(file_->tokens);
  if (shape.size() != 2) throw FormatError(path + ": /tokens must be 2-D [n_windows, window_len]");
  n_windows_ = static_cast<int64_t>(shape[0]);
  window_len_ = static_cast<int64_t>(shape[1]);
  const int64_t declared = h5::read_int_attribute(root, "window_len", path);
  if (declared != window_len_)
    throw FormatError(path + ": attribute window_len is " + std::to_string(declared) + " but /tokens has windows of " +
                      std::to_string(window_len_));
  vocab_size_ = h5::read_int_attribute(root, "vocab_size", path);
  bos_token_id_ = static_cast<int32_t>(h5::has_attribute(root, "bos_token_id") ? h5::read_int_attribute(root, "bos_token_id", path) : -1);
  if (h5::has_attribute(root, "tokenizer")) tokenizer_ = h5::read_string_attribute(root, "tokenizer", path);
  if (h5::has_attribute(root, "source")) source_ = h5::read_string_attribute(root, "source", path);
}

TokenDataset::~TokenDataset() {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  file_.reset();
}
TokenDataset::TokenDataset(TokenDataset&&) noexcept = default;

std::vector<std::string> TokenDataset::vocab() const {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  if (!h5::exists(file_->file, "/vocab")) return {};
  h5::Handle dataset = h5::open_dataset(file_->file, "/vocab", path_);
  return h5::read_strings(dataset, path_ + ": /vocab");
}

std::vector<int32_t> TokenDataset::read_range(int64_t first, int64_t count) const {
  if (first < 0 || count < 0 || first + count > n_windows_)
    throw FormatError(path_ + ": windows [" + std::to_string(first) + ", " + std::to_string(first + count) +
                      ") are outside the dataset's " + std::to_string(n_windows_));
  std::vector<int32_t> tokens;
  {
    std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
    tokens = h5::read_rows<int32_t>(file_->tokens, first, count);
  }
  check_tokens(tokens, [first](size_t row) { return first + static_cast<int64_t>(row); });
  return tokens;
}

void TokenDataset::check_tokens(const std::vector<int32_t>& tokens, const std::function<int64_t(size_t)>& window_of) const {
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= vocab_size_)
      throw FormatError(path_ + ": window " + std::to_string(window_of(i / window_len_)) + " holds token id " +
                        std::to_string(tokens[i]) + " at position " + std::to_string(i % window_len_) +
                        ", outside the dataset's vocabulary (vocab_size " + std::to_string(vocab_size_) + ")");
}

std::vector<int32_t> TokenDataset::read_windows(const std::vector<int64_t>& indices) const {
  std::vector<int64_t> sorted = indices;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (int64_t i : sorted)
    if (i < 0 || i >= n_windows_)
      throw FormatError(path_ + ": window " + std::to_string(i) + " is outside the dataset's " + std::to_string(n_windows_));
  std::vector<int32_t> rows(sorted.size() * window_len_);
  if (!sorted.empty()) {
    std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
    h5::Handle space(H5Dget_space(file_->tokens));
    N2G_H5(H5Sselect_none(space), path_);
    for (size_t begin = 0; begin < sorted.size();) {  // one hyperslab per run of consecutive windows
      size_t end = begin + 1;
      while (end < sorted.size() && sorted[end] == sorted[end - 1] + 1) ++end;
      const hsize_t start[2] = {static_cast<hsize_t>(sorted[begin]), 0};
      const hsize_t extent[2] = {end - begin, static_cast<hsize_t>(window_len_)};
      N2G_H5(H5Sselect_hyperslab(space, H5S_SELECT_OR, start, nullptr, extent, nullptr), path_);
      begin = end;
    }
    const hsize_t shape[2] = {sorted.size(), static_cast<hsize_t>(window_len_)};
    h5::Handle memory(H5Screate_simple(2, shape, nullptr));
    N2G_H5(H5Dread(file_->tokens, H5T_NATIVE_INT32, memory, space, H5P_DEFAULT, rows.data()), path_);
  }
  check_tokens(rows, [&sorted](size_t row) { return sorted[row]; });
  std::vector<int32_t> out(indices.size() * window_len_);
  for (size_t i = 0; i < indices.size(); ++i) {
    const size_t row = std::lower_bound(sorted.begin(), sorted.end(), indices[i]) - sorted.begin();
    std::copy_n(rows.begin() + row * window_len_, window_len_, out.begin() + i * window_len_);
  }
  return out;
}

WindowStream::WindowStream(const TokenDataset& dataset, int64_t first, int64_t last, int64_t chunk)
    : dataset_(dataset), next_first_(first), last_(last), chunk_(std::max<int64_t>(chunk, 1)) {
  start_read();
}

WindowStream::~WindowStream() {
  if (pending_.valid()) pending_.wait();
}

void WindowStream::start_read() {
  if (next_first_ >= last_) return;
  const int64_t first = next_first_, count = std::min(chunk_, last_ - next_first_);
  next_first_ += count;
  pending_ = std::async(std::launch::async, [this, first, count] {
    return Chunk{first, count, dataset_.read_range(first, count)};
  });
}

bool WindowStream::next(Chunk& out) {
  if (!pending_.valid()) return false;
  out = pending_.get();
  start_read();
  return true;
}

struct DatasetWriter::File {
  h5::Handle file;
  h5::Handle tokens;
  h5::Handle doc_index;
};

DatasetWriter::DatasetWriter(const std::string& path, const DatasetAttributes& attributes)
    : staged_(std::make_unique<StagedFile>(path)), file_(std::make_unique<File>()), path_(path), attributes_(attributes) {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  file_->file = h5::create_file(staged_->temporary());
  const auto make = [&](const char* name, hid_t type, int rank, hsize_t width) {
    const hsize_t initial[2] = {0, width}, max[2] = {H5S_UNLIMITED, width}, chunk[2] = {256, width};
    h5::Handle space(H5Screate_simple(rank, initial, max));
    h5::Handle properties(H5Pcreate(H5P_DATASET_CREATE));
    N2G_H5(H5Pset_chunk(properties, rank, chunk), path);
    N2G_H5(H5Pset_shuffle(properties), path);
    N2G_H5(H5Pset_deflate(properties, 4), path);
    return h5::Handle(N2G_H5(H5Dcreate2(file_->file, name, type, space, H5P_DEFAULT, properties, H5P_DEFAULT), path));
  };
  file_->tokens = make("/tokens", H5T_STD_I32LE, 2, attributes.window_len);
  file_->doc_index = make("/doc_index", H5T_STD_I64LE, 1, 1);
}

DatasetWriter::~DatasetWriter() {
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  file_.reset();  // closed before staged_ removes an unfinished temporary
}

void DatasetWriter::append(const std::vector<int32_t>& tokens, const std::vector<int64_t>& doc_index) {
  const hsize_t n = doc_index.size(), width = attributes_.window_len;
  if (tokens.size() != n * width) throw FormatError(path_ + ": append got tokens for a different number of windows");
  if (n == 0) return;
  std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
  const auto extend = [&](hid_t dataset, int rank, const void* data, hid_t type) {
    const hsize_t size[2] = {static_cast<hsize_t>(written_) + n, width};
    N2G_H5(H5Dset_extent(dataset, size), staged_->temporary());
    h5::Handle space(H5Dget_space(dataset));
    const hsize_t start[2] = {static_cast<hsize_t>(written_), 0}, extent[2] = {n, width};
    N2G_H5(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, extent, nullptr), staged_->temporary());
    h5::Handle memory(H5Screate_simple(rank, extent, nullptr));
    N2G_H5(H5Dwrite(dataset, type, memory, space, H5P_DEFAULT, data), staged_->temporary());
  };
  extend(file_->tokens, 2, tokens.data(), H5T_NATIVE_INT32);
  extend(file_->doc_index, 1, doc_index.data(), H5T_NATIVE_INT64);
  written_ += static_cast<int64_t>(n);
}

void DatasetWriter::finish(const std::vector<std::string>& vocab) {
  {
    std::lock_guard<std::mutex> lock(h5::hdf5_mutex());
    const hid_t root = file_->file;
    h5::write_attribute(root, "n2g_format", std::string("dataset"));
    h5::write_attribute(root, "format_version", int64_t{1});
    h5::write_attribute(root, "window_len", attributes_.window_len);
    h5::write_attribute(root, "vocab_size", attributes_.vocab_size);
    h5::write_attribute(root, "bos_token_id", attributes_.bos_token_id);
    h5::write_attribute(root, "tokenizer", attributes_.tokenizer);
    h5::write_attribute(root, "source", attributes_.source);
    if (!vocab.empty()) h5::write_strings(root, "/vocab", vocab);
    file_->tokens = h5::Handle();
    file_->doc_index = h5::Handle();
    h5::close_file(file_->file, staged_->temporary());
  }
  const TokenDataset written(staged_->temporary());  // read back: the layout every reader checks
  if (written.n_windows() != written_)
    throw FormatError(staged_->temporary() + ": holds " + std::to_string(written.n_windows()) + " windows after writing " +
                      std::to_string(written_));
  staged_->commit();
}

}  // namespace n2g
