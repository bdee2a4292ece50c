// Outputs written all or nothing: each is written under a temporary name beside its final path
// and renamed over it only once complete (and verified by its writer). On any failure the
// temporary goes and whatever was at the final path before stays byte-identical.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace n2g {

// Whether two paths name the same file or directory (the same inode when both exist, else the
// same absolute path once normalised): how outputs are told apart from inputs.
bool same_path(const std::string& a, const std::string& b);

// The normalised path without a trailing separator ("out//html/" names the directory "out/html").
std::string without_trailing_separator(const std::string& path);

// "<path>.tmp-<pid>": the temporary name of one process's write of `path`.
std::string temporary_name(const std::string& path);

// A file being written under `temporary()`; commit() renames it over `path`. Destroyed without
// commit (an error was thrown), it removes the temporary.
class StagedFile {
 public:
  explicit StagedFile(std::string path, std::string temporary = "");  // temporary: temporary_name(path)
  ~StagedFile();
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  const std::string& path() const { return path_; }
  const std::string& temporary() const { return temporary_; }
  void commit();  // throws FormatError naming path
  void disown();  // another process (rank 0) renamed the shared temporary: nothing to remove

 private:
  std::string path_, temporary_;
  bool committed_ = false;
};

// Writes `text` to `path` checking the write, the flush and the close (FormatError naming the
// file and the system's reason).
void write_file_checked(const std::string& path, const std::string& text);
void write_file_checked(const std::string& path, std::initializer_list<std::string_view> pieces);  // concatenated

// write_file_checked through a StagedFile: `path` is replaced whole or not at all.
void write_file_atomically(const std::string& path, const std::string& text);

// A directory written all or nothing: filled under "<dir>.tmp-<pid>" (`staging()`), then swapped
// in by commit(). The directory is n2g's when it holds the file `marker` (written into the staging
// directory first); the constructor refuses (UsageError naming `option`) a non-empty `dir` without
// the marker, or one holding files for which `is_own` (a path relative to the directory) is false,
// so that the swap never deletes a file n2g did not write. Destroyed without commit, it removes
// the staging directory.
class StagedDirectory {
 public:
  StagedDirectory(std::string dir, std::string marker, const std::function<bool(const std::string&)>& is_own,
                  const std::string& option);
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;
  const std::string& staging() const { return staging_; }
  void commit();

 private:
  std::string dir_, staging_, marker_;
  bool committed_ = false;
};

}  // namespace n2g
