// Byte-level BPE (GPT-2, Pythia, most Hugging Face causal LMs) from `tokenizer.json` or
// `vocab.json` + `merges.txt`: pre-tokenization regex, byte-to-unicode mapping, merges by rank,
// special tokens written in the text, decoding, and each id's display string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace n2g {

class Tokenizer {
 public:
  // `tokenizer.json` if the directory has one, else `vocab.json` + `merges.txt`.
  static Tokenizer from_directory(const std::string& directory);
  static Tokenizer from_tokenizer_json(const std::string& path);
  static Tokenizer from_vocab_and_merges(const std::string& vocab_path, const std::string& merges_path);

  // Special tokens written in the text become their ids (as Hugging Face does).
  std::vector<int32_t> encode(const std::string& text) const;
  // Special tokens are ordinary text (as OpenAI's original encoder does).
  std::vector<int32_t> encode_ordinary(const std::string& text) const;

  // Raw bytes in GPT-2's byte-level alphabet (a space becomes "Ġ"): how vocab.json spells tokens.
  static std::string byte_level(const std::string& bytes);

  // The pre-tokenizer's pieces of `text` (GPT-2's regex), before byte mapping and BPE.
  static std::vector<std::string> pre_tokenize(const std::string& text);

  std::string decode_bytes(const std::vector<int32_t>& ids) const;  // exact bytes
  std::string decode(const std::vector<int32_t>& ids) const;        // UTF-8, invalid bytes -> U+FFFD
  std::string display(int32_t id) const;                            // decode({id}), invalid bytes as \xNN
  std::vector<std::string> display_all() const;                     // display of every id

  int32_t vocab_size() const { return static_cast<int32_t>(tokens_.size()); }
  std::optional<int32_t> id_of(const std::string& token_string) const;  // byte-level token string
  std::optional<int32_t> end_of_text() const;                           // "<|endoftext|>"
  std::optional<int32_t> pad() const { return pad_; }

 private:
  Tokenizer(std::unordered_map<std::string, int32_t> vocab, std::vector<std::pair<std::string, std::string>> merges,
            std::vector<std::pair<std::string, int32_t>> special, const std::string& source);
  void encode_piece(const std::string& piece, std::vector<int32_t>& out) const;

  std::unordered_map<std::string, int32_t> vocab_;       // byte-level token string -> id
  std::vector<std::string> tokens_;                      // id -> byte-level token string
  std::unordered_map<std::string, int32_t> merge_rank_;  // "left right" -> rank
  std::vector<std::pair<std::string, int32_t>> special_; // literal text -> id
  std::optional<int32_t> pad_;
  std::string source_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;  // piece -> ids
};

}  // namespace n2g
