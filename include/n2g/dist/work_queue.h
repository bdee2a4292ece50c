// Units of work handed out as ranks free up: every rank starts with its own units and takes them
// in order; a rank that has none left takes the next unit of the rank with the most left, whose
// bytes it reads from that rank's memory (MPI one-sided: atomic counters and gets), so no rank
// idles while another still has a unit it has not started. Each unit is taken exactly once.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "n2g/dist/rank_context.h"

namespace n2g {

class WorkQueue {
 public:
  // Collective. `data`: this rank's units, serialized and concatenated in the order they are to be
  // taken; unit u is data[offsets[u], offsets[u + 1]) (offsets start at 0 and end at data.size()).
  WorkQueue(std::vector<char> data, std::vector<int64_t> offsets, const RankContext& context);
  // Not collective, so that a rank leaving on an error never waits here; finish() frees the windows.
  ~WorkQueue() = default;
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // The next unit's bytes (this rank's own while any is left, then another rank's), or none when
  // every unit of every rank has been taken.
  std::optional<std::vector<char>> next();
  // Collective, after next() returned none: frees the one-sided windows.
  void finish();

  int64_t taken_from_others() const { return taken_from_others_; }

 private:
  // Takes the next unit index of `rank` (may be past its last unit).
  int64_t take(int rank);
  int64_t left(int rank);  // units of `rank` not yet taken
  std::vector<char> read(int rank, int64_t unit);

  const RankContext& context_;
  std::vector<char> data_;                     // this rank's units, concatenated (data_window_)
  std::vector<std::vector<int64_t>> offsets_;  // [rank][unit + 1]: byte offsets of each rank's units
  MPI_Win counter_window_ = MPI_WIN_NULL, data_window_ = MPI_WIN_NULL;
  int64_t counter_value_ = 0;                  // this rank's next unit (counter_window_)
  int64_t taken_from_others_ = 0;
  bool own_left_ = true;
};

}  // namespace n2g
