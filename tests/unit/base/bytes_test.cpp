// The record codec behind checkpoints and the exchange: a record that ends early is an error, and
// a corrupt length is caught before anything is allocated for it.
#include <gtest/gtest.h>

#include "n2g/base/bytes.h"

namespace n2g {
namespace {

TEST(Bytes, RoundTripAndTruncatedRecords) {
  ByteWriter out;
  out.fields(int32_t{7}, std::vector<float>{1.5f, 2.5f}, std::string("layer"));
  const std::vector<char> bytes = out.bytes();
  int32_t number = 0;
  std::vector<float> values;
  std::string text;
  ByteReader whole(bytes.data(), bytes.size());
  whole.fields(number, values, text);
  EXPECT_EQ(number, 7);
  EXPECT_EQ(values, (std::vector<float>{1.5f, 2.5f}));
  EXPECT_EQ(text, "layer");
  EXPECT_TRUE(whole.done());

  ByteReader cut(bytes.data(), bytes.size() - 3);
  EXPECT_THROW(cut.fields(number, values, text), FormatError);
  // A length of 2^40 floats in a few bytes: refused before resizing.
  ByteWriter corrupt;
  corrupt.put(uint64_t{1} << 40);
  ByteReader lying(corrupt.bytes().data(), corrupt.bytes().size());
  try {
    lying.get(values);
    ADD_FAILURE() << "no error";
  } catch (const FormatError& error) {
    EXPECT_NE(std::string(error.what()).find("a record ends early: 1099511627776 elements wanted, 0 bytes left"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace n2g
