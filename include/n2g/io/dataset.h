// The token dataset (FORMATS.md, n2g_format "dataset"): a validated reader that streams a slice of
// windows in chunks, reading the next chunk in the background, and reads any windows by index;
// and the writer n2g_prepare uses.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "n2g/io/staged.h"

namespace n2g {

class TokenDataset {
 public:
  // Checks n2g_format, format_version, /tokens dtype and shape; throws FormatError.
  explicit TokenDataset(const std::string& path);
  ~TokenDataset();
  TokenDataset(TokenDataset&&) noexcept;

  const std::string& path() const { return path_; }
  int64_t n_windows() const { return n_windows_; }
  int64_t window_len() const { return window_len_; }
  int64_t vocab_size() const { return vocab_size_; }
  int32_t bos_token_id() const { return bos_token_id_; }  // -1 if none
  const std::string& tokenizer() const { return tokenizer_; }
  const std::string& source() const { return source_; }
  std::vector<std::string> vocab() const;  // display strings; empty when /vocab is absent

  // Windows [first, first + count): [count, window_len] row-major.
  std::vector<int32_t> read_range(int64_t first, int64_t count) const;
  // Any windows, in the order asked, in one read: [indices.size(), window_len].
  std::vector<int32_t> read_windows(const std::vector<int64_t>& indices) const;

 private:
  // Every token id must lie in [0, vocab_size): a window read names the first one outside.
  void check_tokens(const std::vector<int32_t>& tokens, const std::function<int64_t(size_t)>& window_of) const;

  struct File;
  std::unique_ptr<File> file_;
  std::string path_;
  int64_t n_windows_ = 0, window_len_ = 0, vocab_size_ = 0;
  int32_t bos_token_id_ = -1;
  std::string tokenizer_, source_;
};

// Streams windows [first, last) in chunks of `chunk` windows; while the caller works on one chunk
// the next is read on a background thread. Memory: two chunks.
class WindowStream {
 public:
  struct Chunk {
    int64_t first = 0;            // index of the chunk's first window
    int64_t count = 0;
    std::vector<int32_t> tokens;  // [count, window_len]
  };
  WindowStream(const TokenDataset& dataset, int64_t first, int64_t last, int64_t chunk);
  ~WindowStream();
  // False when the slice is exhausted.
  bool next(Chunk& out);

 private:
  void start_read();
  const TokenDataset& dataset_;
  int64_t next_first_, last_, chunk_;
  std::future<Chunk> pending_;
};

struct DatasetAttributes {
  int64_t window_len = 0;
  int64_t vocab_size = 0;
  int64_t bos_token_id = -1;
  std::string tokenizer;
  std::string source;
};

// Writes a dataset file window by window under a temporary name (io/staged.h), renamed over `path`
// by finish() once closed and read back; destroyed before that, it removes the temporary and any
// earlier file at `path` stays as it was.
class DatasetWriter {
 public:
  DatasetWriter(const std::string& path, const DatasetAttributes& attributes);
  ~DatasetWriter();
  // Appends windows ([n, window_len] row-major) and the document each starts in.
  void append(const std::vector<int32_t>& tokens, const std::vector<int64_t>& doc_index);
  void finish(const std::vector<std::string>& vocab);
  int64_t windows_written() const { return written_; }

 private:
  struct File;
  std::unique_ptr<StagedFile> staged_;  // declared before file_: destroyed after it, removing the temporary
  std::unique_ptr<File> file_;
  std::string path_;
  DatasetAttributes attributes_;
  int64_t written_ = 0;
};

}  // namespace n2g
