#include "n2g/base/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace n2g {

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit, bool enabled, std::ostream& out)
    : label_(std::move(label)), unit_(std::move(unit)), total_(std::max<int64_t>(total, 0)), enabled_(enabled),
      terminal_(&out == &std::cerr ? isatty(STDERR_FILENO) : &out == &std::cout ? isatty(STDOUT_FILENO) : false), out_(out),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

void ProgressBar::update(int64_t done) {
  done_ = done;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_draw_).count();
  if (enabled_ && since >= (terminal_ ? 0.2 : 5.0)) draw(false);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void ProgressBar::draw(bool final) {
  last_draw_ = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(last_draw_ - start_).count();
  const double fraction = total_ > 0 ? std::min(1.0, static_cast<double>(done_) / total_) : 1.0;
  const int width = 24, filled = static_cast<int>(fraction * width);
  const double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  const double eta = rate > 0 ? (total_ - done_) / rate : 0.0;
  char line[256];
  std::snprintf(line, sizeof(line), "%-10s [%s%s] %lld/%lld %s  %.1f %s/s  %s %.0fs", label_.c_str(),
                std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), static_cast<long long>(done_),
                static_cast<long long>(total_), unit_.c_str(), rate, unit_.c_str(), final ? "took" : "ETA",
                final ? elapsed : eta);
  out_ << (terminal_ ? "\r" : "") << line << (terminal_ && !final ? "" : "\n") << std::flush;
}

}  // namespace n2g
