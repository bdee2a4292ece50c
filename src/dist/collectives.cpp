#include "n2g/dist/collectives.h"

#include <limits>
#include <numeric>

#include "n2g/errors.h"

namespace n2g {

void mpi_check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string("MPI call ") + call + " failed: " + std::string(text, length));
}

int comm_rank(MPI_Comm comm) {
  int rank = 0;
  N2G_MPI(MPI_Comm_rank(comm, &rank));
  return rank;
}

int comm_size(MPI_Comm comm) {
  int size = 0;
  N2G_MPI(MPI_Comm_size(comm, &size));
  return size;
}

namespace {

std::vector<std::vector<char>> split(const std::vector<char>& all, const std::vector<int>& counts) {
  std::vector<std::vector<char>> out;
  size_t at = 0;
  for (int count : counts) {
    out.emplace_back(all.begin() + at, all.begin() + at + count);
    at += count;
  }
  return out;
}

}  // namespace

int mpi_count(size_t bytes, const std::string& what) {
  if (bytes > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw Error(what + ": " + std::to_string(bytes) + " bytes in one MPI message, more than its int counts allow (" +
                std::to_string(std::numeric_limits<int>::max()) + ")");
  return static_cast<int>(bytes);
}

std::vector<int> displacements(const std::vector<int>& counts, const std::string& what) {
  std::vector<int> out(counts.size(), 0);
  size_t offset = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    out[i] = mpi_count(offset, what);
    offset += static_cast<size_t>(counts[i]);
  }
  mpi_count(offset, what);
  return out;
}

std::vector<std::vector<char>> gather_bytes(const std::vector<char>& mine, int root, MPI_Comm comm) {
  const int size = comm_size(comm), rank = comm_rank(comm);
  int count = mpi_count(mine.size(), "gather");
  std::vector<int> counts(size);
  N2G_MPI(MPI_Gather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm));
  const auto offsets = displacements(counts, "gather");
  std::vector<char> all(rank == root ? std::accumulate(counts.begin(), counts.end(), size_t{0}) : 0);
  N2G_MPI(MPI_Gatherv(mine.data(), count, MPI_CHAR, all.data(), counts.data(), offsets.data(), MPI_CHAR, root, comm));
  if (rank != root) return {};
  return split(all, counts);
}

std::vector<std::vector<char>> allgather_bytes(const std::vector<char>& mine, MPI_Comm comm) {
  const int size = comm_size(comm);
  int count = mpi_count(mine.size(), "allgather");
  std::vector<int> counts(size);
  N2G_MPI(MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm));
  const auto offsets = displacements(counts, "allgather");
  std::vector<char> all(std::accumulate(counts.begin(), counts.end(), size_t{0}));
  N2G_MPI(MPI_Allgatherv(mine.data(), count, MPI_CHAR, all.data(), counts.data(), offsets.data(), MPI_CHAR, comm));
  return split(all, counts);
}

double allreduce_max(double value, MPI_Comm comm) {
  double out = 0;
  N2G_MPI(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_MAX, comm));
  return out;
}

double allreduce_sum(double value, MPI_Comm comm) {
  double out = 0;
  N2G_MPI(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_SUM, comm));
  return out;
}

}  // namespace n2g
