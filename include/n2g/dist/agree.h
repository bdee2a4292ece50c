// Failures that every rank learns of together. Set-up steps run inside agree(): if any rank
// fails, every rank throws, one of them the error to report (AgreedFailure) and the others
// PeerFailure, so that the job ends on every rank with the message printed once. A failure
// outside agree() happens on some ranks only while the others wait in a collective: the program
// prints it and calls MPI_Abort, which ends every rank within seconds (ARCHITECTURE.md, "Reliability").
#pragma once

#include <functional>

#include "n2g/dist/rank_context.h"
#include "n2g/errors.h"

namespace n2g {

// Thrown on the reporting rank: rank 0 if it failed, else the lowest failing rank, whose message
// then starts with "rank N: ".
class AgreedFailure : public Error {
 public:
  using Error::Error;
};

// Thrown on every other rank: the reporting rank prints.
class PeerFailure : public Error {
 public:
  using Error::Error;
};

// Collective over context.comm: runs `body` on every rank and agrees on whether any n2g::Error was
// thrown (other exceptions are not caught: they end the job through MPI_Abort).
void agree(const RankContext& context, const std::function<void()>& body);

}  // namespace n2g
