#include "n2g/tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <fstream>
#include <limits>
#include <sstream>

#include "n2g/errors.h"
#include "n2g/tokenizer/unicode.h"

namespace n2g {
namespace {

constexpr size_t kCacheLimit = 1 << 18;

// GPT-2's reversible map from bytes to printable code points.
const std::array<uint32_t, 256>& byte_to_code_point() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      t[b] = printable ? b : next++;
    }
    return t;
  }();
  return table;
}

const std::unordered_map<uint32_t, unsigned char>& code_point_to_byte() {
  static const std::unordered_map<uint32_t, unsigned char> table = [] {
    std::unordered_map<uint32_t, unsigned char> t;
    for (uint32_t b = 0; b < 256; ++b) t[byte_to_code_point()[b]] = static_cast<unsigned char>(b);
    return t;
  }();
  return table;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(path + ": cannot open the tokenizer file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json parse_json(const std::string& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& error) {
    throw FormatError(path + ": not valid JSON (" + error.what() + ")");
  }
}

std::unordered_map<std::string, int32_t> read_vocab(const nlohmann::json& vocab, const std::string& where) {
  if (!vocab.is_object()) throw FormatError(where + ": expected an object mapping token strings to ids");
  std::unordered_map<std::string, int32_t> out;
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > std::numeric_limits<int32_t>::max())
      throw FormatError(where + ": token '" + token + "' has id " + id.dump() + ", expected a non-negative integer");
    out[token] = id.get<int32_t>();
  }
  if (out.empty()) throw FormatError(where + ": the vocabulary is empty");
  return out;
}

std::pair<std::string, std::string> split_merge(const std::string& line, const std::string& where) {
  const size_t space = line.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= line.size() || line.find(' ', space + 1) != std::string::npos)
    throw FormatError(where + ": merge '" + line + "' is not two tokens separated by one space");
  return {line.substr(0, space), line.substr(space + 1)};
}

// Byte offsets of the pieces GPT-2's regex finds:
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::vector<std::pair<size_t, size_t>> piece_spans(const std::string& text) {
  struct Char {
    uint32_t cp;
    size_t offset;
  };
  std::vector<Char> chars;
  for (size_t pos = 0; pos < text.size();) {
    const DecodedCodePoint d = decode_utf8(text, pos);
    chars.push_back({d.valid ? d.code_point : 0xFFFD, pos});
    pos += d.length;
  }
  const size_t n = chars.size();
  const auto offset = [&](size_t i) { return i < n ? chars[i].offset : text.size(); };
  const auto letter = [&](size_t i) { return i < n && is_letter(chars[i].cp); };
  const auto number = [&](size_t i) { return i < n && is_number(chars[i].cp); };
  const auto space = [&](size_t i) { return i < n && is_whitespace(chars[i].cp); };
  const auto other = [&](size_t i) { return i < n && !space(i) && !letter(i) && !number(i); };

  std::vector<std::pair<size_t, size_t>> spans;
  for (size_t i = 0; i < n;) {
    size_t end = i;
    if (chars[i].cp == '\'') {
      static const char* const kContractions[] = {"s", "t", "re", "ve", "m", "ll", "d"};
      for (const char* suffix : kContractions) {
        size_t k = 0;
        while (suffix[k] && i + 1 + k < n && chars[i + 1 + k].cp == static_cast<uint32_t>(suffix[k])) ++k;
        if (!suffix[k]) {
          end = i + 1 + k;
          break;
        }
      }
    }
    if (end == i) {
      const size_t start = chars[i].cp == ' ' ? i + 1 : i;
      for (const auto& in_class : {std::function<bool(size_t)>(letter), std::function<bool(size_t)>(number),
                                   std::function<bool(size_t)>(other)}) {
        if (!in_class(start)) continue;
        end = start;
        while (in_class(end)) ++end;
        break;
      }
    }
    if (end == i) {  // whitespace: leave the last one to the next piece when a non-space follows
      end = i;
      while (space(end)) ++end;
      if (end < n && end - i >= 2) --end;
    }
    spans.emplace_back(offset(i), offset(end));
    i = end;
  }
  return spans;
}

}  // namespace

Tokenizer::Tokenizer(std::unordered_map<std::string, int32_t> vocab,
                     std::vector<std::pair<std::string, std::string>> merges,
                     std::vector<std::pair<std::string, int32_t>> special, const std::string& source)
    : vocab_(std::move(vocab)), special_(std::move(special)), source_(source) {
  int32_t size = 0;
  for (const auto& entry : vocab_) size = std::max(size, entry.second + 1);
  for (const auto& entry : special_) size = std::max(size, entry.second + 1);
  tokens_.resize(size);
  for (const auto& [token, id] : vocab_) tokens_[id] = token;
  for (const auto& [text, id] : special_) {
    if (tokens_[id].empty()) tokens_[id] = text;
    vocab_.emplace(text, id);
  }
  for (size_t rank = 0; rank < merges.size(); ++rank)
    merge_rank_.emplace(merges[rank].first + " " + merges[rank].second, static_cast<int32_t>(rank));
  // Longest special token first, so a longer one wins over its prefix.
  std::sort(special_.begin(), special_.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [text, id] : special_)
    if (text == "<|padding|>" || text == "<pad>" || text == "[PAD]") pad_ = id;
}

Tokenizer Tokenizer::from_directory(const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path dir(directory);
  if (fs::exists(dir / "tokenizer.json")) return from_tokenizer_json((dir / "tokenizer.json").string());
  if (fs::exists(dir / "vocab.json") && fs::exists(dir / "merges.txt"))
    return from_vocab_and_merges((dir / "vocab.json").string(), (dir / "merges.txt").string());
  throw FormatError(directory + ": no tokenizer found (expected tokenizer.json, or vocab.json and merges.txt)");
}

Tokenizer Tokenizer::from_tokenizer_json(const std::string& path) {
  const nlohmann::json root = parse_json(path);
  if (!root.is_object() || !root.contains("model") || !root["model"].is_object())
    throw FormatError(path + ": expected a Hugging Face tokenizer.json with a \"model\" object");
  const auto& model = root["model"];
  if (model.value("type", std::string("BPE")) != "BPE")
    throw FormatError(path + ": model type '" + model.value("type", std::string()) + "' is not supported (only BPE)");
  if (!model.contains("vocab")) throw FormatError(path + ": model.vocab is missing");
  if (!model.contains("merges") || !model["merges"].is_array()) throw FormatError(path + ": model.merges is missing or not a list");
  auto vocab = read_vocab(model["vocab"], path + ": model.vocab");
  std::vector<std::pair<std::string, std::string>> merges;
  for (const auto& merge : model["merges"]) {
    if (merge.is_string()) merges.push_back(split_merge(merge.get<std::string>(), path + ": model.merges"));
    else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string())
      merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    else throw FormatError(path + ": model.merges entry " + merge.dump() + " is neither \"a b\" nor [\"a\", \"b\"]");
  }
  std::vector<std::pair<std::string, int32_t>> special;
  for (const auto& added : root.value("added_tokens", nlohmann::json::array())) {
    if (!added.is_object() || !added.contains("content") || !added.contains("id") || !added["id"].is_number_integer())
      throw FormatError(path + ": added_tokens entry " + added.dump() + " needs \"id\" and \"content\"");
    special.emplace_back(added["content"].get<std::string>(), added["id"].get<int32_t>());
  }
  return Tokenizer(std::move(vocab), std::move(merges), std::move(special), path);
}

Tokenizer Tokenizer::from_vocab_and_merges(const std::string& vocab_path, const std::string& merges_path) {
  auto vocab = read_vocab(parse_json(vocab_path), vocab_path);
  std::vector<std::pair<std::string, std::string>> merges;
  std::istringstream lines(read_file(merges_path));
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (number == 1 && line.rfind("#version", 0) == 0)) continue;
    merges.push_back(split_merge(line, merges_path + ":" + std::to_string(number)));
  }
  std::vector<std::pair<std::string, int32_t>> special;
  const auto eot = vocab.find("<|endoftext|>");
  if (eot != vocab.end()) special.emplace_back(eot->first, eot->second);
  return Tokenizer(std::move(vocab), std::move(merges), std::move(special), vocab_path);
}

std::string Tokenizer::byte_level(const std::string& bytes) {
  std::string out;
  for (unsigned char byte : bytes) append_utf8(out, byte_to_code_point()[byte]);
  return out;
}

std::vector<std::string> Tokenizer::pre_tokenize(const std::string& text) {
  std::vector<std::string> pieces;
  for (const auto& [begin, end] : piece_spans(text)) pieces.push_back(text.substr(begin, end - begin));
  return pieces;
}

void Tokenizer::encode_piece(const std::string& piece, std::vector<int32_t>& out) const {
  const auto cached = cache_.find(piece);
  if (cached != cache_.end()) {
    out.insert(out.end(), cached->second.begin(), cached->second.end());
    return;
  }
  std::vector<std::string> symbols;
  for (char byte : piece) symbols.push_back(byte_level(std::string(1, byte)));
  while (symbols.size() > 1) {
    int32_t best_rank = std::numeric_limits<int32_t>::max();
    size_t best = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto found = merge_rank_.find(symbols[i] + " " + symbols[i + 1]);
      if (found != merge_rank_.end() && found->second < best_rank) {
        best_rank = found->second;
        best = i;
      }
    }
    if (best_rank == std::numeric_limits<int32_t>::max()) break;
    const std::string left = symbols[best], right = symbols[best + 1];
    std::vector<std::string> merged;
    for (size_t i = 0; i < symbols.size(); ++i) {
      if (i + 1 < symbols.size() && symbols[i] == left && symbols[i + 1] == right) {
        merged.push_back(left + right);
        ++i;
      } else {
        merged.push_back(symbols[i]);
      }
    }
    symbols = std::move(merged);
  }
  std::vector<int32_t> ids;
  for (const auto& symbol : symbols) {
    const auto found = vocab_.find(symbol);
    if (found == vocab_.end())
      throw FormatError(source_ + ": the vocabulary has no token for '" + symbol + "' (BPE result of '" + piece + "')");
    ids.push_back(found->second);
  }
  if (cache_.size() >= kCacheLimit) cache_.clear();
  cache_.emplace(piece, ids);
  out.insert(out.end(), ids.begin(), ids.end());
}

std::vector<int32_t> Tokenizer::encode_ordinary(const std::string& text) const {
  std::vector<int32_t> ids;
  for (const auto& [begin, end] : piece_spans(text)) encode_piece(text.substr(begin, end - begin), ids);
  return ids;
}

std::vector<int32_t> Tokenizer::encode(const std::string& text) const {
  std::vector<int32_t> ids;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = std::string::npos;
    const std::pair<std::string, int32_t>* match = nullptr;
    for (const auto& entry : special_) {
      const size_t found = text.find(entry.first, pos);
      if (found < next) {
        next = found;
        match = &entry;
      }
    }
    const auto plain = encode_ordinary(text.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    ids.insert(ids.end(), plain.begin(), plain.end());
    if (!match) break;
    ids.push_back(match->second);
    pos = next + match->first.size();
  }
  return ids;
}

std::string Tokenizer::decode_bytes(const std::vector<int32_t>& ids) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (id < 0 || id >= vocab_size()) throw FormatError("token id " + std::to_string(id) + " is outside the vocabulary (size " + std::to_string(vocab_size()) + ")");
    const std::string& token = tokens_[id];
    const bool is_special = std::any_of(special_.begin(), special_.end(), [id](const auto& s) { return s.second == id; });
    if (is_special) {
      bytes += token;
      continue;
    }
    for (size_t pos = 0; pos < token.size();) {
      const DecodedCodePoint d = decode_utf8(token, pos);
      const auto found = code_point_to_byte().find(d.code_point);
      if (found != code_point_to_byte().end()) bytes += static_cast<char>(found->second);
      else bytes.append(token, pos, d.length);
      pos += d.length;
    }
  }
  return bytes;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids) const { return utf8_lossy(decode_bytes(ids)); }

std::string Tokenizer::display(int32_t id) const { return utf8_escaped(decode_bytes({id})); }

std::vector<std::string> Tokenizer::display_all() const {
  std::vector<std::string> out(tokens_.size());
  for (int32_t id = 0; id < vocab_size(); ++id) out[id] = display(id);
  return out;
}

std::optional<int32_t> Tokenizer::id_of(const std::string& token_string) const {
  const auto found = vocab_.find(token_string);
  if (found == vocab_.end()) return std::nullopt;
  return found->second;
}

std::optional<int32_t> Tokenizer::end_of_text() const { return id_of("<|endoftext|>"); }

}  // namespace n2g
