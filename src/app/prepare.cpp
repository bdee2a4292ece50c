#include "n2g/app/prepare.h"
#include "n2g/app/text_input.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>

#include "n2g/base/progress.h"
#include "n2g/errors.h"
#include "n2g/io/dataset.h"
#include "n2g/io/staged.h"
#include "n2g/model/spec.h"
#include "n2g/tokenizer/tokenizer.h"

namespace n2g {
namespace {

constexpr size_t kBlockBytes = 1 << 20;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool visible_ascii(char c) { return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7F; }
bool ascii_letter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// The last position b of `text` where GPT-2's pre-tokenizer splits whatever follows, so that the
// two sides tokenize as the whole: a newline after a visible ASCII character, then an ASCII letter
// (b after the newline); or a space after a visible ASCII character, then an ASCII letter (b at the
// space: no pre-token spans "x| y"). Ordinary prose has one every few bytes, so a block is cut
// near its end whatever the line breaks. 0 when there is none.
size_t safe_split(const std::string& text) {
  for (size_t b = text.size(); b-- > 2;) {
    if (text[b - 1] == '\n' && visible_ascii(text[b - 2]) && ascii_letter(text[b])) return b;
    if (text[b] == ' ' && b + 1 < text.size() && visible_ascii(text[b - 1]) && ascii_letter(text[b + 1])) return b;
  }
  return 0;
}

// Calls `sink(text, document)` with pieces of each document in order; a document's pieces
// tokenize exactly as the whole would.
void read_documents(const std::vector<std::string>& inputs, const std::function<void(const std::string&, int64_t)>& sink,
                    const std::function<void(int64_t)>& bytes_read) {
  int64_t document = 0, total = 0;
  for (const auto& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path + ": cannot open input");
    if (ends_with(path, ".jsonl")) {
      std::string line;
      for (int64_t number = 1; std::getline(in, line); ++number) {
        total += static_cast<int64_t>(line.size()) + 1;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        nlohmann::json record;
        try {
          record = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& error) {
          throw FormatError(path + ":" + std::to_string(number) + ": not valid JSON (" + error.what() + ")");
        }
        if (!record.is_object() || !record.contains("text") || !record["text"].is_string())
          throw FormatError(path + ":" + std::to_string(number) + ": expected an object with a string field \"text\"");
        sink(record["text"].get<std::string>(), document++);
        bytes_read(total);
      }
      continue;
    }
    std::string pending;
    std::vector<char> block(kBlockBytes);
    while (in) {
      in.read(block.data(), static_cast<std::streamsize>(block.size()));
      pending.append(block.data(), static_cast<size_t>(in.gcount()));
      total += in.gcount();
      const size_t split = safe_split(pending);
      if (split > 0) {
        sink(pending.substr(0, split), document);
        pending.erase(0, split);
      }
      bytes_read(total);
    }
    sink(pending, document++);
  }
}

int64_t total_bytes(const std::vector<std::string>& inputs) {
  int64_t total = 0;
  for (const auto& path : inputs) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (error) throw FormatError(path + ": cannot open input (" + error.message() + ")");
    total += static_cast<int64_t>(size);
  }
  return total;
}

void check_paths(const PrepareRequest& request) {
  for (const auto& input : request.inputs)
    if (same_path(input, request.output))
      throw UsageError("--output " + request.output + " is also an input: n2g_prepare would overwrite it; choose another output");
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(request.model_dir, error))
    if (same_path(entry.path().string(), request.output))
      throw UsageError("--output " + request.output + " is a file of the model directory " + request.model_dir +
                       "; choose another output");
  for (const auto& input : request.inputs) {
    if (std::filesystem::is_directory(input, error))
      throw UsageError(input + ": is a directory; give the files in it (e.g. " + input + "/*.txt)");
    if (request.allow_binary) continue;
    const std::string reason = binary_reason(input);
    if (!reason.empty())
      throw FormatError(input + ": " + reason + ", not text; " +
                        (reason.find("compressed") != std::string::npos || reason.find("archive") != std::string::npos
                             ? "decompress it first (e.g. zcat)"
                             : "give text (.txt) or JSON-lines (.jsonl) files") +
                        ", or pass --allow-binary to tokenize its bytes anyway");
  }
}

}  // namespace

PrepareSummary prepare_dataset(const PrepareRequest& request, std::ostream& log) {
  if (request.window_len < 1) throw UsageError("--window-len must be at least 1");
  if (request.inputs.empty()) throw UsageError("no input files given");
  check_paths(request);
  const TransformerSpec spec = read_spec(request.model_dir);
  const Tokenizer tokenizer = Tokenizer::from_directory(request.model_dir);
  const std::optional<int32_t> separator = tokenizer.end_of_text() ? tokenizer.end_of_text() : spec.eos_token_id;
  const int64_t bytes = total_bytes(request.inputs);

  DatasetAttributes attributes;
  attributes.window_len = request.window_len;
  attributes.vocab_size = tokenizer.vocab_size();
  attributes.bos_token_id = spec.bos_token_id.value_or(-1);
  attributes.tokenizer = "byte-level BPE from " + request.model_dir;
  for (const auto& input : request.inputs)
    attributes.source += (attributes.source.empty() ? "" : ", ") + std::filesystem::path(input).filename().string();
  if (!request.source.empty()) attributes.source = request.source;
  DatasetWriter writer(request.output, attributes);

  PrepareSummary summary;
  std::vector<int32_t> tokens;   // not yet written, with the document of each
  std::vector<int64_t> documents;
  const auto flush = [&](bool all_complete_windows) {
    const int64_t windows = static_cast<int64_t>(tokens.size()) / request.window_len;
    if (windows == 0 || (!all_complete_windows && windows < 64)) return;
    const size_t used = windows * request.window_len;
    std::vector<int64_t> starts;
    for (int64_t w = 0; w < windows; ++w) starts.push_back(documents[w * request.window_len]);
    writer.append({tokens.begin(), tokens.begin() + used}, starts);
    tokens.erase(tokens.begin(), tokens.begin() + used);
    documents.erase(documents.begin(), documents.begin() + used);
  };
  ProgressBar bar("prepare", bytes, "B", request.progress, log);
  int64_t current_document = -1;
  read_documents(
      request.inputs,
      [&](const std::string& text, int64_t document) {
        if (document != current_document) {
          if (current_document >= 0) {
            if (!separator) throw ModelError(request.model_dir + ": no end-of-text token to put between documents");
            tokens.push_back(*separator);
            documents.push_back(document);
          }
          current_document = document;
          ++summary.documents;
        }
        const auto ids = tokenizer.encode(text);
        tokens.insert(tokens.end(), ids.begin(), ids.end());
        documents.insert(documents.end(), ids.size(), document);
        summary.tokens += static_cast<int64_t>(ids.size());
        flush(false);
      },
      [&](int64_t done) { bar.update(done); });
  flush(true);
  bar.finish();
  summary.windows = writer.windows_written();
  if (summary.windows == 0)
    throw FormatError("the input has " + std::to_string(summary.tokens) + " tokens, fewer than one window of " +
                      std::to_string(request.window_len) + ": no dataset written");
  writer.finish(tokenizer.display_all());
  return summary;
}

}  // namespace n2g
