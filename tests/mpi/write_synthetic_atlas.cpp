// write_synthetic_atlas OUT.h5 collective|gather: every rank writes its share of the synthetic
// atlas; run under mpiexec with any number of ranks.
#include <mpi.h>

#include <iostream>

#include "../support/synthetic_atlas.h"
#include "n2g/dist/collectives.h"

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  try {
    const int rank = n2g::comm_rank(MPI_COMM_WORLD), world = n2g::comm_size(MPI_COMM_WORLD);
    const auto mode = std::string(argv[2]) == "gather" ? n2g::AtlasWriteMode::gather : n2g::AtlasWriteMode::collective;
    n2g::RunTimings timings;
    timings.device = "cpu";
    timings.dtype = "float32";
    n2g::write_atlas(argv[1], n2g::testing::synthetic_header(), n2g::testing::synthetic_rows(rank, world), timings,
                     {1.0 + rank, 0.5, 2.0}, MPI_COMM_WORLD, mode);
  } catch (const std::exception& error) {
    std::cerr << "write_synthetic_atlas: " << error.what() << "\n";
    status = 1;
  }
  MPI_Finalize();
  return status;
}
