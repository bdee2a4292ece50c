// The explicit rank context every distributed stage receives (never a global), and ownership.
#pragma once

#include <mpi.h>

#include <cstdint>

namespace n2g {

struct RankContext {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;   // rank among the processes on this node (picks the GPU)
  int local_size = 1;   // processes on this node (shares the CPU cores)
  MPI_Comm comm = MPI_COMM_WORLD;

  bool is_root() const { return rank == 0; }
};

// Rank, world size and node-local rank of `comm` (MPI must be initialised).
RankContext make_rank_context(MPI_Comm comm);

// Neuron n of the sweep (in (layer, index) order) belongs to rank n mod world_size.
inline int owner_of(int64_t neuron, int world_size) { return static_cast<int>(neuron % world_size); }

}  // namespace n2g
