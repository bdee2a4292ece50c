#include "n2g/sweep/termination.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <string>

namespace n2g {
namespace {

char notice[1024];  // written before the handler is installed; read only by it
size_t notice_length = 0;

extern "C" void on_termination(int signal) {
  if (notice_length > 0) {
    const ssize_t written = ::write(STDERR_FILENO, notice, notice_length);
    (void)written;  // nothing more can be done about a failed write in a signal handler
  }
  std::signal(signal, SIG_DFL);
  std::raise(signal);
}

}  // namespace

void announce_termination(const SweepConfig& config, const RankContext& context) {
  if (context.is_root()) {
    const std::string text = "n2g_sweep: received SIGTERM (preempted, cancelled or out of time): stopping; the waves "
                             "finished so far are in " + config.checkpoint_dir() +
                             "; run the same command again to resume\n";
    notice_length = std::min(text.size(), sizeof(notice));
    std::memcpy(notice, text.data(), notice_length);
  }
  std::signal(SIGTERM, on_termination);
}

}  // namespace n2g
