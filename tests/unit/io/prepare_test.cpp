// n2g_prepare's library side with the real GPT-2 tokenizer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "n2g/app/prepare.h"
#include "n2g/errors.h"
#include "n2g/io/dataset.h"
#include "n2g/tokenizer/tokenizer.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;

// A model directory with tiny-gpt2's config and the GPT-2 tokenizer, one per test (CTest runs the
// tests of this file in parallel).
std::string model_dir() {
  const fs::path dir = fs::path(::testing::TempDir()) /
                       (std::string("n2g_prepare_model_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::create_directories(dir);
  const fs::path fixtures(N2G_FIXTURES);
  for (const auto& [from, name] : {std::pair{fixtures / "models/tiny-gpt2/config.json", "config.json"},
                                   std::pair{fixtures / "tokenizers/gpt2/vocab.json", "vocab.json"},
                                   std::pair{fixtures / "tokenizers/gpt2/merges.txt", "merges.txt"}})
    fs::copy_file(from, dir / name, fs::copy_options::overwrite_existing);
  return dir.string();
}

std::string write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(Prepare, JoinsDocumentsWithEndOfTextAndCutsWindows) {
  const std::string model = model_dir();
  const Tokenizer tokenizer = Tokenizer::from_directory(model);
  const std::string a = "It is a truth universally acknowledged.\nShe smiled.", b = "Emma Woodhouse, handsome, clever",
                    c = "and rich.";
  PrepareRequest request{model, 4, ::testing::TempDir() + "/prepared.h5",
                         {write("a.txt", a), write("bc.jsonl", "{\"text\": \"" + b + "\"}\n\n{\"text\": \"" + c + "\"}\n")},
                         "", false};
  std::ostringstream log;
  const PrepareSummary summary = prepare_dataset(request, log);
  std::vector<int32_t> expected = tokenizer.encode(a);
  std::vector<int64_t> doc(expected.size(), 0);
  for (const auto& [text, d] : {std::pair{b, 1}, std::pair{c, 2}}) {
    expected.push_back(50256);
    doc.push_back(d);
    const auto ids = tokenizer.encode(text);
    expected.insert(expected.end(), ids.begin(), ids.end());
    doc.insert(doc.end(), ids.size(), d);
  }
  EXPECT_EQ(summary.documents, 3);
  const int64_t windows = static_cast<int64_t>(expected.size()) / 4;
  EXPECT_EQ(summary.windows, windows);
  const TokenDataset data(request.output);
  EXPECT_EQ(data.window_len(), 4);
  EXPECT_EQ(data.vocab_size(), 50257);
  EXPECT_EQ(data.bos_token_id(), 511);  // tiny-gpt2's config
  EXPECT_EQ(data.read_range(0, windows), std::vector<int32_t>(expected.begin(), expected.begin() + windows * 4));
  EXPECT_EQ(data.vocab()[995], " world");
  EXPECT_FALSE(fs::exists(request.output + ".tmp"));
}

TEST(Prepare, LargeTextStreamedInBlocksTokenizesLikeTheWhole) {
  const std::string model = model_dir();
  std::string text;
  for (int i = 0; text.size() < (3u << 20) / 2; ++i)  // 1.5 MiB: crosses the 1 MiB block
    text += "Line " + std::to_string(i) + " of the novel,  with  spaces\nand\n\nparagraphs: " + std::to_string(i * 7) + ".\n";
  PrepareRequest request{model, 16, ::testing::TempDir() + "/large.h5", {write("large.txt", text)}, "", false};
  std::ostringstream log;
  const PrepareSummary summary = prepare_dataset(request, log);
  const auto expected = Tokenizer::from_directory(model).encode(text);
  EXPECT_EQ(summary.tokens, static_cast<int64_t>(expected.size()));
  const TokenDataset data(request.output);
  EXPECT_EQ(data.read_range(0, data.n_windows()), std::vector<int32_t>(expected.begin(), expected.begin() + data.n_windows() * 16));
}

// The shapes that once were held whole: one paragraph per line between blank lines, and no line
// breaks at all. Streamed in blocks cut at spaces, they still tokenize exactly like the whole.
TEST(Prepare, TextWithoutHardLineWrapsTokenizesLikeTheWhole) {
  const std::string model = model_dir();
  std::string paragraph;
  for (int i = 0; i < 40; ++i) paragraph += "Anne's sister, " + std::to_string(i) + " times, said: \"it is 'so'  odd\"; ";
  std::string paragraphs, unbroken;
  for (int i = 0; paragraphs.size() < (5u << 20) / 2; ++i) {  // 2.5 MiB each: two block cuts or more
    paragraphs += paragraph + std::to_string(i) + ".\n\n";
    unbroken += paragraph + std::to_string(i) + ". ";
  }
  for (const auto& [name, text] : {std::pair{"paragraphs", paragraphs}, std::pair{"unbroken", unbroken}}) {
    PrepareRequest request{model, 16, ::testing::TempDir() + "/" + name + ".h5", {write(std::string(name) + ".txt", text)}, "", false};
    std::ostringstream log;
    const PrepareSummary summary = prepare_dataset(request, log);
    const auto expected = Tokenizer::from_directory(model).encode(text);
    EXPECT_EQ(summary.tokens, static_cast<int64_t>(expected.size())) << name;
    const TokenDataset data(request.output);
    EXPECT_EQ(data.read_range(0, data.n_windows()), std::vector<int32_t>(expected.begin(), expected.begin() + data.n_windows() * 16))
        << name;
  }
}

TEST(Prepare, BadInputsNameTheProblem) {
  const std::string model = model_dir();
  const auto error = [&](const std::vector<std::string>& inputs, int64_t window) -> std::string {
    std::ostringstream log;
    try {
      prepare_dataset({model, window, ::testing::TempDir() + "/bad.h5", inputs, "", false}, log);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error({write("bad.jsonl", "{\"text\": \"ok\"}\n{\"txt\": 1}\n")}, 1).find("bad.jsonl:2: expected an object with a string field \"text\""),
            std::string::npos);
  EXPECT_NE(error({write("bad2.jsonl", "{oops\n")}, 1).find("bad2.jsonl:1: not valid JSON"), std::string::npos);
  EXPECT_NE(error({write("short.txt", "Hi")}, 64).find("fewer than one window of 64"), std::string::npos);
  EXPECT_NE(error({"/no/such/input.txt"}, 4).find("/no/such/input.txt: cannot open input"), std::string::npos);
  EXPECT_FALSE(fs::exists(::testing::TempDir() + "/bad.h5"));
  EXPECT_FALSE(fs::exists(::testing::TempDir() + "/bad.h5.tmp"));
}

}  // namespace
}  // namespace n2g
