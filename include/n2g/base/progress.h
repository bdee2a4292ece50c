// One progress line for long work: a bar, counts, rate and ETA, redrawn at most a few times a
// second on a terminal (one line per update every few seconds otherwise, for logs).
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace n2g {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, std::string unit, bool enabled, std::ostream& out);
  void update(int64_t done);
  void finish();  // draws the final state and ends the line

 private:
  void draw(bool final);
  std::string label_, unit_;
  int64_t total_, done_ = 0;
  bool enabled_, terminal_, finished_ = false;
  std::ostream& out_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace n2g
