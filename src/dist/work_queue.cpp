#include "n2g/dist/work_queue.h"

#include <algorithm>
#include <string>
#include <utility>

#include "n2g/dist/collectives.h"
#include "n2g/errors.h"

namespace n2g {

WorkQueue::WorkQueue(std::vector<char> data, std::vector<int64_t> offsets, const RankContext& context)
    : context_(context), data_(std::move(data)) {
  const std::vector<char> bytes(reinterpret_cast<const char*>(offsets.data()),
                                reinterpret_cast<const char*>(offsets.data() + offsets.size()));
  for (const auto& theirs : allgather_bytes(bytes, context.comm)) {
    const auto* first = reinterpret_cast<const int64_t*>(theirs.data());
    offsets_.emplace_back(first, first + theirs.size() / sizeof(int64_t));
  }
  if (context.world_size == 1) return;  // nothing to share: next() counts locally
  // Windows over memory of our own (MPI_Win_create): a window MPI allocates is backed by a
  // shared-memory file on the node, which a full /dev/shm or a file-size limit would refuse.
  N2G_MPI(MPI_Win_create(&counter_value_, sizeof(int64_t), sizeof(int64_t), MPI_INFO_NULL, context.comm, &counter_window_));
  static char none;  // a valid address for a rank without units
  N2G_MPI(MPI_Win_create(data_.empty() ? &none : data_.data(), static_cast<MPI_Aint>(data_.size()), 1, MPI_INFO_NULL,
                         context.comm, &data_window_));
  N2G_MPI(MPI_Barrier(context.comm));  // every counter is 0 before anyone takes
  N2G_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, counter_window_));
  N2G_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, data_window_));
}

int64_t WorkQueue::take(int rank) {
  if (context_.world_size == 1) return counter_value_++;
  const int64_t one = 1;
  int64_t before = 0;
  N2G_MPI(MPI_Fetch_and_op(&one, &before, MPI_INT64_T, rank, 0, MPI_SUM, counter_window_));
  N2G_MPI(MPI_Win_flush(rank, counter_window_));
  return before;
}

int64_t WorkQueue::left(int rank) {
  int64_t taken = 0;
  N2G_MPI(MPI_Fetch_and_op(nullptr, &taken, MPI_INT64_T, rank, 0, MPI_NO_OP, counter_window_));
  N2G_MPI(MPI_Win_flush(rank, counter_window_));
  return std::max<int64_t>(0, static_cast<int64_t>(offsets_[rank].size()) - 1 - taken);
}

std::vector<char> WorkQueue::read(int rank, int64_t unit) {
  const int64_t from = offsets_[rank][unit], size = offsets_[rank][unit + 1] - from;
  if (rank == context_.rank) return {data_.begin() + from, data_.begin() + from + size};
  std::vector<char> bytes(size);
  const int count = mpi_count(static_cast<size_t>(size), "a unit of work of rank " + std::to_string(rank));
  N2G_MPI(MPI_Get(bytes.data(), count, MPI_CHAR, rank, from, count, MPI_CHAR, data_window_));
  N2G_MPI(MPI_Win_flush(rank, data_window_));
  return bytes;
}

std::optional<std::vector<char>> WorkQueue::next() {
  const auto units_of = [this](int rank) { return static_cast<int64_t>(offsets_[rank].size()) - 1; };
  if (own_left_) {
    const int64_t unit = take(context_.rank);
    if (unit < units_of(context_.rank)) return read(context_.rank, unit);
    own_left_ = false;
  }
  for (;;) {
    int busiest = -1;
    int64_t most = 0;
    for (int rank = 0; rank < context_.world_size; ++rank) {
      if (rank == context_.rank) continue;
      const int64_t n = left(rank);
      if (n > most) most = n, busiest = rank;
    }
    if (busiest < 0) return std::nullopt;
    const int64_t unit = take(busiest);
    if (unit < units_of(busiest)) {
      ++taken_from_others_;
      return read(busiest, unit);
    }
  }
}

void WorkQueue::finish() {
  if (context_.world_size == 1) return;
  N2G_MPI(MPI_Win_unlock_all(data_window_));
  N2G_MPI(MPI_Win_unlock_all(counter_window_));
  N2G_MPI(MPI_Win_free(&data_window_));
  N2G_MPI(MPI_Win_free(&counter_window_));
}

}  // namespace n2g
