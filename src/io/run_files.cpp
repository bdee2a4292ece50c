#include "n2g/io/run_files.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "n2g/errors.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;
constexpr const char* kMarker = ".n2g-checkpoints";
constexpr const char* kLock = ".n2g-lock";

bool is_own_file(const fs::path& file) {
  const std::string name = file.filename().string();
  const auto ends_with = [&](const std::string& suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return name == kMarker || name == kLock || name == ".n2g-rank-failed" || name == "manifest.yaml" || ends_with(".ckpt") || ends_with(".ckpt.tmp");
}

}  // namespace

void claim_checkpoint_directory(const std::string& path, const std::string& key) {
  const fs::path dir = path;
  std::error_code error;
  if (fs::exists(dir / kMarker)) return;
  if (fs::exists(dir) && !fs::is_directory(dir)) throw ConfigError(key + ": " + path + " exists and is not a directory");
  bool only_own_files = true;  // checkpoints of an n2g run from before the marker existed
  if (fs::is_directory(dir))
    for (const auto& entry : fs::directory_iterator(dir, error)) only_own_files = only_own_files && is_own_file(entry.path());
  if (!only_own_files)
    throw ConfigError(key + ": " + path + " holds files n2g did not create; n2g neither writes into nor deletes from "
                      "such a directory: choose a new or empty one");
  fs::create_directories(dir, error);
  if (error) throw ConfigError(key + ": cannot create " + path + " (" + error.message() + ")");
  std::ofstream(dir / kMarker) << "n2g checkpoints: n2g removes only its own files (*.ckpt, manifest.yaml, this one)\n";
  if (!fs::exists(dir / kMarker)) throw ConfigError(key + ": " + path + " is not writable");
}

void remove_checkpoint_files(const std::string& path, bool keep_claim) {
  const fs::path dir = path;
  std::error_code error;
  if (!fs::exists(dir / kMarker, error)) return;  // not n2g's
  for (const auto& entry : fs::directory_iterator(dir, error))
    if (entry.is_regular_file(error) && is_own_file(entry.path()) &&
        !(keep_claim && (entry.path().filename() == kLock || entry.path().filename() == kMarker)))
      fs::remove(entry.path(), error);
  if (!keep_claim && fs::is_empty(dir, error)) fs::remove(dir, error);
}

std::string FileLock::acquire(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return "cannot create the lock file " + path + ": " + std::strerror(errno);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    std::ifstream in(path);
    std::string holder;
    std::getline(in, holder);
    ::close(fd_);
    fd_ = -1;
    return holder.empty() ? "its lock file is " + path : holder;
  }
  char host[256] = "?";
  ::gethostname(host, sizeof(host) - 1);
  const std::time_t now = std::time(nullptr);
  char started[32];
  std::strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  // The description goes through a second handle: the lock belongs to fd_, whatever is written.
  std::ofstream(path, std::ios::trunc) << "held by pid " << ::getpid() << " on " << host << " since " << started << "\n";
  return "";
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

FileLock lock_output(const std::string& output) {
  return FileLock::take<ConfigError>(output + ".lock", "run.output", "another n2g_sweep is writing " + output,
                                     "wait for it to end or choose another run.output");
}

FileLock lock_checkpoint_directory(const std::string& dir, const std::string& key) {
  return FileLock::take<ConfigError>((fs::path(dir) / kLock).string(), key,
                                     "another n2g_sweep is using the checkpoint directory " + dir,
                                     "wait for it to end, or give this run its own run.checkpoint_dir");
}

}  // namespace n2g
