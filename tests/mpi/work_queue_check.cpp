// work_queue_check: rank 0 starts with 40 units and fits each slowly, rank 1 with 3, the others
// with none; every unit must be taken exactly once, with its own bytes, and the ranks that run out
// must take over some of rank 0's. Prints "work queue: N units, M taken over"; run under mpiexec
// with any number of ranks.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "n2g/dist/collectives.h"
#include "n2g/dist/work_queue.h"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  try {
    const n2g::RankContext context = n2g::make_rank_context(MPI_COMM_WORLD);
    const int count = context.rank == 0 ? 40 : context.rank == 1 ? 3 : 0;
    std::vector<char> data;
    std::vector<int64_t> offsets{0};
    for (int u = 0; u < count; ++u) {  // "rank:unit" and a tail of u bytes, so units differ in size
      const std::string text = std::to_string(context.rank) + ":" + std::to_string(u) + ":" + std::string(u, 'x');
      data.insert(data.end(), text.begin(), text.end());
      offsets.push_back(static_cast<int64_t>(data.size()));
    }
    n2g::WorkQueue queue(std::move(data), std::move(offsets), context);
    std::string taken;
    while (const auto unit = queue.next()) {
      taken += std::string(unit->begin(), unit->end()) + "\n";
      if (context.rank == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    queue.finish();
    const double over = n2g::allreduce_sum(static_cast<double>(queue.taken_from_others()), context.comm);
    const auto all = n2g::gather_bytes(std::vector<char>(taken.begin(), taken.end()), 0, context.comm);
    if (context.is_root()) {
      std::vector<std::string> seen;
      for (const auto& bytes : all) {
        std::string text(bytes.begin(), bytes.end());
        for (size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) seen.push_back(text.substr(at, end - at));
      }
      std::vector<std::string> expected;
      for (int rank = 0; rank < std::min(2, context.world_size); ++rank)
        for (int u = 0; u < (rank == 0 ? 40 : 3); ++u)
          expected.push_back(std::to_string(rank) + ":" + std::to_string(u) + ":" + std::string(u, 'x'));
      std::sort(seen.begin(), seen.end());
      std::sort(expected.begin(), expected.end());
      if (seen != expected) {
        std::cerr << "work_queue_check: " << seen.size() << " units taken, expected each of " << expected.size() << " once\n";
        status = 1;
      }
      if (context.world_size > 1 && over == 0) {
        std::cerr << "work_queue_check: no rank took over a unit of rank 0\n";
        status = 1;
      }
      std::cout << "work queue: " << seen.size() << " units, " << over << " taken over\n";
    }
  } catch (const std::exception& error) {
    std::cerr << "work_queue_check: " << error.what() << "\n";
    status = 1;
  }
  MPI_Finalize();
  return status;
}
