#include "n2g/sweep/termination.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <string>

namespace n2g {
namespace {

// Written before the handler is installed; read only by it (async-signal-safe calls only).
char where[1024];         // "...: stopping; the waves finished so far are in DIR"
size_t where_length = 0;
char marker[1024];        // DIR/.n2g-rank-failed, NUL-terminated
volatile std::sig_atomic_t this_rank_failed = 0;

constexpr const char* kPrefix = "n2g_sweep: ";

void say(const char* text) {
  const ssize_t written = ::write(STDERR_FILENO, text, std::strlen(text));
  (void)written;  // nothing more can be done about a failed write in a signal handler
}

extern "C" void on_termination(int signal) {
  if (where_length > 0 && !this_rank_failed) {
    say(kPrefix);
    if (marker[0] && ::access(marker, F_OK) == 0) {
      say("another rank failed (its message is above) and the job is ending");
    } else {
      say(signal == SIGINT ? "received SIGINT (interrupted)"
                           : signal == SIGHUP ? "received SIGHUP (the terminal or session closed)"
                                              : "received SIGTERM (preempted, cancelled or out of time)");
    }
    const ssize_t written = ::write(STDERR_FILENO, where, where_length);
    (void)written;
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

void announce_termination(const SweepConfig& config, const RankContext& context) {
  const std::string dir = config.checkpoint_dir();
  const std::string marker_path = (std::filesystem::path(dir) / ".n2g-rank-failed").string();
  if (marker_path.size() < sizeof(marker)) std::memcpy(marker, marker_path.c_str(), marker_path.size() + 1);
  if (context.is_root()) {
    std::error_code ignored;
    std::filesystem::remove(marker_path, ignored);  // an earlier run's
    const std::string text = ": stopping; the waves finished so far are in " + dir + "; run the same command again to resume\n";
    where_length = std::min(text.size(), sizeof(where));
    std::memcpy(where, text.data(), where_length);
  }
  for (const int signal : {SIGTERM, SIGINT, SIGHUP}) std::signal(signal, on_termination);
}

void announce_rank_failure() {
  this_rank_failed = 1;
  if (!marker[0]) return;
  const int fd = ::open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) ::close(fd);
}

}  // namespace n2g
