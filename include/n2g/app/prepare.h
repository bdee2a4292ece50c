// What `n2g_prepare` does: tokenize plain-text or JSON-lines corpora with a model's tokenizer into
// a token dataset (FORMATS.md), streaming the input so memory does not grow with the corpus.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace n2g {

struct PrepareRequest {
  std::string model_dir;            // supplies the tokenizer and bos / end-of-text ids
  int64_t window_len = 0;
  std::string output;
  std::vector<std::string> inputs;  // .txt: one document per file; .jsonl: one per line ("text")
  std::string source;               // the dataset's source attribute; default: the input names
  bool progress = true;
  bool allow_binary = false;        // tokenize inputs that look compressed or binary anyway
};

struct PrepareSummary {
  int64_t documents = 0;
  int64_t tokens = 0;
  int64_t windows = 0;
};

// Throws before writing anything when the output is one of the inputs or of the model's files, or
// (unless allow_binary) when an input looks compressed or binary: a compression or archive magic
// number, NUL bytes, or mostly invalid UTF-8 in its first 64 KiB.
PrepareSummary prepare_dataset(const PrepareRequest& request, std::ostream& log);

}  // namespace n2g
