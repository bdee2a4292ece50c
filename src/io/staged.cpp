#include "n2g/io/staged.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "n2g/errors.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;

void remove_tree(const std::string& path) {
  std::error_code error;
  fs::remove_all(path, error);
}

}  // namespace

std::string without_trailing_separator(const std::string& path) {
  std::string out = fs::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool same_path(const std::string& a, const std::string& b) {
  std::error_code error;
  if (fs::exists(a, error) && fs::exists(b, error)) return fs::equivalent(a, b, error);
  return fs::weakly_canonical(a, error) == fs::weakly_canonical(b, error);
}

std::string temporary_name(const std::string& path) { return path + ".tmp-" + std::to_string(::getpid()); }

StagedFile::StagedFile(std::string path, std::string temporary)
    : path_(std::move(path)), temporary_(temporary.empty() ? temporary_name(path_) : std::move(temporary)) {}

StagedFile::~StagedFile() {
  if (committed_) return;
  std::error_code error;
  fs::remove(temporary_, error);
}

void StagedFile::commit() {
  // On the disk before it replaces anything: a node that crashes after the rename must not leave
  // an empty file where the old one was.
  const int fd = ::open(temporary_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const std::string reason = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw FormatError(temporary_ + ": cannot write the file to disk (" + reason + ")");
  }
  ::close(fd);
  std::error_code error;
  fs::rename(temporary_, path_, error);
  if (error) throw FormatError(path_ + ": cannot rename the finished file into place (" + error.message() + ")");
  committed_ = true;
  const std::string parent = fs::path(path_).parent_path().empty() ? "." : fs::path(path_).parent_path().string();
  const int dir = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // the rename itself; best effort (some filesystems refuse fsync on a directory)
    ::close(dir);
  }
}

void StagedFile::disown() { committed_ = true; }

void write_file_checked(const std::string& path, std::initializer_list<std::string_view> pieces) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw FormatError(path + ": cannot create (" + std::strerror(errno) + ")");
  for (const std::string_view piece : pieces)
    for (size_t done = 0; done < piece.size();) {
      const ssize_t written = ::write(fd, piece.data() + done, piece.size() - done);
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        throw FormatError(path + ": cannot write (" + reason + ")");
      }
      done += static_cast<size_t>(written);
    }
  if (::close(fd) != 0) throw FormatError(path + ": cannot write (" + std::string(std::strerror(errno)) + ")");
}

void write_file_checked(const std::string& path, const std::string& text) { write_file_checked(path, {std::string_view(text)}); }

void write_file_atomically(const std::string& path, const std::string& text) {
  StagedFile file(path);
  write_file_checked(file.temporary(), text);
  file.commit();
}

StagedDirectory::StagedDirectory(std::string dir, std::string marker, const std::function<bool(const std::string&)>& is_own,
                                 const std::string& option)
    : dir_(without_trailing_separator(dir)), marker_(std::move(marker)) {
  std::error_code error;
  if (fs::exists(dir_, error) && !fs::is_directory(dir_, error))
    throw UsageError(option + ": " + dir_ + " exists and is not a directory");
  if (fs::is_directory(dir_, error) && !fs::is_empty(dir_, error)) {
    if (!fs::exists(fs::path(dir_) / marker_, error))
      throw UsageError(option + ": " + dir_ + " holds files n2g did not write (no " + marker_ + " marker; a directory "
                       "an n2g before the marker wrote has none either: delete it yourself); n2g does not write into "
                       "it: choose a new or empty directory");
    for (auto it = fs::recursive_directory_iterator(dir_, error); it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (error) break;
      if (it->is_directory(error)) continue;
      const std::string relative = fs::relative(it->path(), dir_, error).string();
      if (!is_own(relative))
        throw UsageError(option + ": " + dir_ + " holds " + relative + ", which n2g did not write; n2g replaces only "
                         "its own directories: move the file or choose another directory");
    }
  }
  staging_ = temporary_name(dir_);
  remove_tree(staging_);  // a pid's leftover from before a reboot
  fs::create_directories(staging_, error);
  if (error) throw UsageError(option + ": cannot create the directory " + staging_ + " (" + error.message() + ")");
}

StagedDirectory::~StagedDirectory() {
  if (!committed_) remove_tree(staging_);
}

void StagedDirectory::commit() {
  write_file_checked((fs::path(staging_) / marker_).string(),
                     "written by n2g: n2g replaces this directory whole when it writes it again\n");
  std::error_code error;
  const std::string old = dir_ + ".old-" + std::to_string(::getpid());
  const bool had_old = fs::exists(dir_, error);
  if (had_old) {
    fs::rename(dir_, old, error);
    if (error) throw FormatError(dir_ + ": cannot move the earlier directory aside (" + error.message() + ")");
  }
  fs::rename(staging_, dir_, error);
  if (error) {
    std::error_code ignored;
    if (had_old) fs::rename(old, dir_, ignored);
    throw FormatError(dir_ + ": cannot rename the finished directory into place (" + error.message() + ")");
  }
  committed_ = true;
  if (had_old) remove_tree(old);  // n2g's files only: checked by the constructor
}

}  // namespace n2g
