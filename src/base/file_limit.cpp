#include "n2g/base/file_limit.h"

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <string>

namespace n2g {

void handle_file_size_limit() {
  std::signal(SIGXFSZ, SIG_IGN);
  const char* limit = std::getenv("N2G_TEST_FILE_LIMIT");
  if (!limit || !*limit) return;
  rlimit bytes{};
  bytes.rlim_cur = bytes.rlim_max = static_cast<rlim_t>(std::stoull(limit));
  setrlimit(RLIMIT_FSIZE, &bytes);
}

}  // namespace n2g
