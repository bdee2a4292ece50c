// MPI counts are int: sizes that do not fit are errors naming the step, never wrapped counts.
#include <gtest/gtest.h>

#include <limits>

#include "n2g/dist/collectives.h"
#include "n2g/errors.h"

namespace n2g {
namespace {

TEST(Collectives, CountsThatDoNotFitAnIntAreErrors) {
  EXPECT_EQ(mpi_count(123, "test"), 123);
  const size_t too_many = static_cast<size_t>(std::numeric_limits<int>::max()) + 1;
  try {
    mpi_count(too_many, "the exchange");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("the exchange: 2147483648 bytes in one MPI message"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(displacements({3, 4, 5}, "test"), (std::vector<int>{0, 3, 7}));
  const int big = std::numeric_limits<int>::max() / 2 + 1;
  EXPECT_THROW(displacements({big, big, 1}, "gather"), Error);  // each fits, the offsets do not
}

}  // namespace
}  // namespace n2g
