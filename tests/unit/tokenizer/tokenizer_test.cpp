// The byte-level BPE tokenizer against the golden GPT-2 encodings and decodings of the fixtures.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "n2g/errors.h"
#include "n2g/tokenizer/tokenizer.h"
#include "n2g/tokenizer/unicode.h"

namespace n2g {
namespace {

const std::string kDir = std::string(N2G_FIXTURES) + "/tokenizers/gpt2";

nlohmann::json load(const std::string& name) {
  std::ifstream in(kDir + "/" + name);
  return nlohmann::json::parse(in);
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

class TokenizerFixture : public ::testing::TestWithParam<std::string> {
 protected:
  static Tokenizer make(const std::string& format) {
    if (format == "vocab+merges") return Tokenizer::from_vocab_and_merges(kDir + "/vocab.json", kDir + "/merges.txt");
    return Tokenizer::from_tokenizer_json(kDir + "/" + format);
  }
};

TEST_P(TokenizerFixture, EncodesEveryGoldenCase) {
  const Tokenizer tokenizer = make(GetParam());
  EXPECT_EQ(tokenizer.vocab_size(), 50257);
  const auto cases = load("cases.json");
  ASSERT_EQ(cases.size(), 210u);
  int special_cases = 0;
  for (const auto& c : cases) {
    const std::string text = c["text"];
    const auto ids = c["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(tokenizer.encode_ordinary(text), ids) << c["category"] << ": " << text;
    const auto with_special = c.contains("ids_with_special_tokens") ? c["ids_with_special_tokens"].get<std::vector<int32_t>>() : ids;
    special_cases += c.contains("ids_with_special_tokens");
    EXPECT_EQ(tokenizer.encode(text), with_special) << text;
    EXPECT_EQ(tokenizer.decode_bytes(ids), text) << text;
    EXPECT_EQ(tokenizer.decode(with_special), text) << text;
    EXPECT_EQ(Tokenizer::pre_tokenize(text), c["pieces"].get<std::vector<std::string>>()) << text;
  }
  EXPECT_EQ(special_cases, 7);
}

TEST_P(TokenizerFixture, DecodesEveryGoldenCaseIncludingPartialUtf8) {
  const Tokenizer tokenizer = make(GetParam());
  const auto cases = load("decode_cases.json");
  ASSERT_EQ(cases.size(), 445u);
  for (const auto& c : cases) {
    const auto ids = c["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(hex(tokenizer.decode_bytes(ids)), c["bytes_hex"].get<std::string>()) << c.dump();
    EXPECT_EQ(tokenizer.decode(ids), c["text"].get<std::string>()) << c.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, TokenizerFixture,
                         ::testing::Values("vocab+merges", "tokenizer.json", "tokenizer_pairs_merges.json"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name)
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

TEST(Tokenizer, SpecialTokenAndDisplayStrings) {
  const Tokenizer tokenizer = Tokenizer::from_directory(kDir);
  EXPECT_EQ(tokenizer.end_of_text(), 50256);
  EXPECT_EQ(tokenizer.display(50256), "<|endoftext|>");
  EXPECT_EQ(tokenizer.display(995), " world");
  EXPECT_EQ(tokenizer.display(198), "\n");
  EXPECT_EQ(tokenizer.display_all().size(), 50257u);
  // Tokens holding part of a multi-byte character show their bytes, so each stays distinct:
  // "âĢ" is the bytes e2 80 (the start of U+2014 and friends), "Ģ" the byte 80 alone.
  EXPECT_EQ(tokenizer.display(*tokenizer.id_of("âĢ")), "\\xe2\\x80");
  EXPECT_EQ(tokenizer.display(*tokenizer.id_of("Ģ")), "\\x80");
  EXPECT_EQ(tokenizer.display(*tokenizer.id_of("Ġâ")), " \\xe2");
  EXPECT_EQ(tokenizer.decode({*tokenizer.id_of("âĢ"), *tokenizer.id_of("Ķ")}), "\u2014");  // together: an em dash
  EXPECT_EQ(tokenizer.id_of("Ġworld"), 995);
  EXPECT_FALSE(tokenizer.id_of("no such token").has_value());
}

std::string write(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const FormatError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Tokenizer, MalformedFilesGiveClearErrors) {
  const std::string vocab = write("v.json", "{\"a\": 0, \"b\": 1, \"ab\": 2}");
  EXPECT_NE(error_of([&] { Tokenizer::from_vocab_and_merges(vocab, write("m.txt", "#version: 0.2\na b c\n")); })
                .find("m.txt:2: merge 'a b c' is not two tokens"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Tokenizer::from_vocab_and_merges(write("bad.json", "{\"a\": "), vocab); }).find("bad.json: not valid JSON"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Tokenizer::from_vocab_and_merges(write("neg.json", "{\"a\": -4}"), vocab); })
                .find("token 'a' has id -4"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Tokenizer::from_tokenizer_json(write("t.json", "{\"model\": {\"type\": \"Unigram\"}}")); })
                .find("model type 'Unigram' is not supported"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Tokenizer::from_tokenizer_json(write("t2.json", "{\"model\": {\"vocab\": {\"a\": 0}, \"merges\": [3]}}")); })
                .find("model.merges entry 3"),
            std::string::npos);
  EXPECT_NE(error_of([&] { Tokenizer::from_directory(::testing::TempDir() + "/no_such_dir"); }).find("no tokenizer found"),
            std::string::npos);
  // A vocabulary missing a byte cannot encode it: the error names the symbol.
  const Tokenizer tiny = Tokenizer::from_vocab_and_merges(vocab, write("m2.txt", "a b\n"));
  EXPECT_EQ(tiny.encode("ab"), std::vector<int32_t>{2});
  EXPECT_NE(error_of([&] { tiny.encode("c"); }).find("no token for 'c'"), std::string::npos);
  EXPECT_NE(error_of([&] { tiny.decode({7}); }).find("token id 7 is outside the vocabulary"), std::string::npos);
}

TEST(Unicode, MaximalSubpartReplacement) {
  EXPECT_EQ(utf8_lossy("\xe2\x80"), "\xEF\xBF\xBD");                // truncated 3-byte sequence: one U+FFFD
  EXPECT_EQ(utf8_lossy("\x80\x98"), "\xEF\xBF\xBD\xEF\xBF\xBD");    // two stray continuation bytes: two
  EXPECT_EQ(utf8_lossy("a\xed\xa0\x80z"), "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz");  // surrogate: each byte
  EXPECT_TRUE(is_letter(0x00E9));
  EXPECT_TRUE(is_number(0x00BD));
  EXPECT_FALSE(is_letter(0x0031));
  EXPECT_TRUE(is_whitespace(0x3000));
  EXPECT_FALSE(is_whitespace(0xFEFF));
}

}  // namespace
}  // namespace n2g
