// make_token_dataset OUT.h5 N_WINDOWS WINDOW_LEN [SEED]: a seeded random token dataset for the
// 512-token fixture models, with end-of-text separators (511) and a readable /vocab
// ("w0".."w509", "." for 510, "<|endoftext|>" for 511).
#include <cstdlib>
#include <iostream>
#include <random>

#include "n2g/io/dataset.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: make_token_dataset OUT.h5 N_WINDOWS WINDOW_LEN [SEED]\n";
    return 2;
  }
  const int64_t windows = std::atoll(argv[2]), length = std::atoll(argv[3]);
  std::mt19937 random(argc > 4 ? std::atoi(argv[4]) : 0);
  std::uniform_int_distribution<int32_t> token(0, 80);  // a small alphabet, so contexts repeat
  n2g::DatasetWriter writer(argv[1], {length, 512, 511, "synthetic", "make_token_dataset"});
  std::vector<int32_t> tokens;
  std::vector<int64_t> documents;
  int64_t document = 0;
  for (int64_t w = 0; w < windows; ++w) {
    documents.push_back(document);
    for (int64_t j = 0; j < length; ++j) {
      const int32_t t = token(random);
      if (t == 0) ++document;
      tokens.push_back(t == 0 ? 511 : t == 1 ? 510 : t);
    }
  }
  writer.append(tokens, documents);
  std::vector<std::string> vocab;
  for (int i = 0; i < 510; ++i) vocab.push_back("w" + std::to_string(i));
  vocab.push_back(".");
  vocab.push_back("<|endoftext|>");
  writer.finish(vocab);
  return 0;
}
