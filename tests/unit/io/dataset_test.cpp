#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "n2g/errors.h"
#include "n2g/io/dataset.h"
#include "n2g/io/hdf5.h"

namespace n2g {
namespace {

// A dataset whose window w holds tokens 1000 w + j.
std::string write_counting(const std::string& name, int64_t windows, int64_t length) {
  const std::string path = ::testing::TempDir() + "/" + name;
  DatasetWriter writer(path, {length, 100000, 7, "test", "counting"});
  for (int64_t first = 0; first < windows; first += 3) {
    std::vector<int32_t> tokens;
    std::vector<int64_t> docs;
    for (int64_t w = first; w < std::min(windows, first + 3); ++w) {
      for (int64_t j = 0; j < length; ++j) tokens.push_back(static_cast<int32_t>(1000 * w + j));
      docs.push_back(w / 2);
    }
    writer.append(tokens, docs);
  }
  writer.finish({"a", "b"});
  return path;
}

TEST(Dataset, ReadsRangesAndWindowsByIndex) {
  const TokenDataset data(write_counting("counting.h5", 10, 4));
  EXPECT_EQ(data.n_windows(), 10);
  EXPECT_EQ(data.window_len(), 4);
  EXPECT_EQ(data.vocab_size(), 100000);
  EXPECT_EQ(data.bos_token_id(), 7);
  EXPECT_EQ(data.source(), "counting");
  EXPECT_EQ(data.vocab(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(data.read_range(2, 2), (std::vector<int32_t>{2000, 2001, 2002, 2003, 3000, 3001, 3002, 3003}));
  // Any order, duplicates allowed, one read.
  const auto picked = data.read_windows({9, 0, 9, 4});
  ASSERT_EQ(picked.size(), 16u);
  EXPECT_EQ(picked[0], 9000);
  EXPECT_EQ(picked[4], 0);
  EXPECT_EQ(picked[8], 9000);
  EXPECT_EQ(picked[12], 4000);
  EXPECT_THROW(data.read_windows({10}), FormatError);
  EXPECT_THROW(data.read_range(8, 3), FormatError);
}

TEST(Dataset, StreamsASliceInChunks) {
  const TokenDataset data(write_counting("stream.h5", 11, 3));
  WindowStream stream(data, 2, 9, 3);
  WindowStream::Chunk chunk;
  std::vector<int64_t> firsts, counts;
  while (stream.next(chunk)) {
    firsts.push_back(chunk.first);
    counts.push_back(chunk.count);
    EXPECT_EQ(chunk.tokens.size(), static_cast<size_t>(chunk.count * 3));
    EXPECT_EQ(chunk.tokens[0], 1000 * chunk.first);
  }
  EXPECT_EQ(firsts, (std::vector<int64_t>{2, 5, 8}));
  EXPECT_EQ(counts, (std::vector<int64_t>{3, 3, 1}));
}

std::string open_error(const std::string& path) {
  try {
    TokenDataset data(path);
  } catch (const FormatError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Dataset, RejectsForeignAndMalformedFiles) {
  const std::string dir = ::testing::TempDir();
  const auto edit = [&](const std::string& name, auto change) {
    const std::string path = dir + "/" + name;
    std::filesystem::copy_file(write_counting("base.h5", 4, 2), path, std::filesystem::copy_options::overwrite_existing);
    h5::Handle file = h5::open_file(path, true);
    change(file);
    return path;
  };
  EXPECT_NE(open_error(edit("fmt.h5", [](hid_t f) { h5::write_attribute(f, "n2g_format", std::string("atlas")); }))
                .find("n2g_format is 'atlas', expected 'dataset'"),
            std::string::npos);
  EXPECT_NE(open_error(edit("ver.h5", [](hid_t f) { h5::write_attribute(f, "format_version", int64_t{2}); }))
                .find("format_version 2 is not supported"),
            std::string::npos);
  EXPECT_NE(open_error(edit("len.h5", [](hid_t f) { h5::write_attribute(f, "window_len", int64_t{3}); }))
                .find("window_len is 3 but /tokens has windows of 2"),
            std::string::npos);
  EXPECT_NE(open_error(edit("notok.h5", [](hid_t f) { H5Ldelete(f, "/tokens", H5P_DEFAULT); })).find("dataset /tokens is missing"),
            std::string::npos);
  EXPECT_NE(open_error(edit("float.h5", [](hid_t f) {
              H5Ldelete(f, "/tokens", H5P_DEFAULT);
              h5::write_dataset<float>(f, "/tokens", {4, 2}, std::vector<float>(8, 1.0f));
            })).find("/tokens must be int32"),
            std::string::npos);
  EXPECT_NE(open_error(edit("noattr.h5", [](hid_t f) { H5Adelete(f, "n2g_format"); })).find("not an n2g token dataset"),
            std::string::npos);
  const std::string text = dir + "/plain.txt";
  std::ofstream(text) << "not hdf5";
  EXPECT_NE(open_error(text).find("not an HDF5 file"), std::string::npos);
}

}  // namespace
}  // namespace n2g
