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
// and their *.ckpt.tmp), then the directory itself if that leaves it empty. Anything else stays.
void remove_checkpoint_files(const std::string& path);

// An exclusive advisory lock (flock) on `<output>.lock`, held while the object lives; the file
// names the holder (host, pid, start time). Throws ConfigError naming the holder when another
// process holds it. The lock file stays after the run (a few bytes).
class OutputLock {
 public:
  explicit OutputLock(const std::string& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace n2g
