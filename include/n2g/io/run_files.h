// What a sweep may delete and who may write an output: n2g removes only files it created, and
// one job at a time writes a given atlas.
#pragma once

#include <string>

namespace n2g {

// The checkpoint directory is n2g's once it holds the marker file `.n2g-checkpoints`, written
// when n2g creates the directory or finds it holding nothing but n2g's own file names (empty, or
// an earlier version's checkpoints). claim() creates or adopts `path` and throws
// ConfigError (naming `key`) for a non-empty directory without the marker: n2g never writes into,
// or deletes from, a directory it does not own.
void claim_checkpoint_directory(const std::string& path, const std::string& key);

// Removes n2g's own files from an owned checkpoint directory (the marker, manifest.yaml, *.ckpt
// and their *.ckpt.tmp, the lock file), then the directory itself if that leaves it empty.
// Anything else stays. `keep_claim` keeps the marker, the lock file and the directory (--restart,
// while the lock is held).
void remove_checkpoint_files(const std::string& path, bool keep_claim = false);

// An exclusive advisory lock (flock) on a lock file, held while the object lives; the file names
// the holder (host, pid, start time). The constructor throws `Exception` "<key>: <busy> (held by
// pid P on HOST since T); <advice>" when another process holds it. Lock files beside outputs stay
// after the run (a few bytes).
class FileLock {
 public:
  template <class Exception>
  static FileLock take(const std::string& lock_path, const std::string& key, const std::string& busy, const std::string& advice) {
    FileLock lock;
    const std::string refusal = lock.acquire(lock_path);
    if (!refusal.empty()) throw Exception(key + ": " + busy + " (" + refusal + "); " + advice);
    return lock;
  }
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  FileLock() = default;
  std::string acquire(const std::string& lock_path);  // "" when taken, else who holds it
  int fd_ = -1;
};

// `<output>.lock`: one job writes a given atlas.
FileLock lock_output(const std::string& output);
// `<dir>/.n2g-lock` in an owned checkpoint directory: one job uses it (`key` names the config key).
FileLock lock_checkpoint_directory(const std::string& dir, const std::string& key);

}  // namespace n2g
