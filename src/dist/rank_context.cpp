#include "n2g/dist/rank_context.h"

#include "n2g/dist/collectives.h"

namespace n2g {

RankContext make_rank_context(MPI_Comm comm) {
  RankContext context;
  context.comm = comm;
  context.rank = comm_rank(comm);
  context.world_size = comm_size(comm);
  MPI_Comm node;
  N2G_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, context.rank, MPI_INFO_NULL, &node));
  context.local_rank = comm_rank(node);
  context.local_size = comm_size(node);
  MPI_Comm_free(&node);
  return context;
}

}  // namespace n2g
