#include "n2g/dist/agree.h"

#include <string>
#include <vector>

#include "n2g/dist/collectives.h"

namespace n2g {

void agree(const RankContext& context, const std::function<void()>& body) {
  std::string message;
  try {
    body();
  } catch (const Error& error) {
    message = error.what();
  }
  const auto messages = allgather_bytes(std::vector<char>(message.begin(), message.end()), context.comm);
  int first = -1;
  for (int r = 0; r < context.world_size && first < 0; ++r)
    if (!messages[r].empty()) first = r;
  if (first < 0) return;
  if (context.rank == first) throw AgreedFailure(first == 0 ? message : "rank " + std::to_string(first) + ": " + message);
  throw PeerFailure("rank " + std::to_string(first) + " failed");
}

}  // namespace n2g
