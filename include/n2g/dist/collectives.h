// Checked MPI collectives on byte buffers and plain vectors.
#pragma once

#include <mpi.h>

#include <string>
#include <vector>

namespace n2g {

// Throws n2g::Error naming the call when an MPI call does not return MPI_SUCCESS.
void mpi_check(int code, const char* call);
#define N2G_MPI(call) ::n2g::mpi_check((call), #call)

int comm_rank(MPI_Comm comm);
int comm_size(MPI_Comm comm);

// MPI counts and displacements are int: `bytes` as an int, or an Error naming `what` when it does
// not fit (2 GiB and more), instead of a count that wraps around.
int mpi_count(size_t bytes, const std::string& what);
// Displacements of consecutive buffers of `counts` bytes, checked the same way.
std::vector<int> displacements(const std::vector<int>& counts, const std::string& what);

// Every rank's buffer on `root` (empty elsewhere), in rank order.
std::vector<std::vector<char>> gather_bytes(const std::vector<char>& mine, int root, MPI_Comm comm);
// Every rank's buffer on every rank, in rank order.
std::vector<std::vector<char>> allgather_bytes(const std::vector<char>& mine, MPI_Comm comm);

double allreduce_max(double value, MPI_Comm comm);
double allreduce_sum(double value, MPI_Comm comm);

}  // namespace n2g
