#include "n2g/app/plant.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "n2g/errors.h"
#include "n2g/io/dataset.h"
#include "n2g/model/safetensors.h"
#include "n2g/tokenizer/tokenizer.h"
#include "n2g/tokenizer/unicode.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kModel = 64, kHeads = 2, kHead = 32, kMlp = 64, kContext = 128, kLayers = 2;
constexpr int kFrequencies = 6;
constexpr double kGamma = 30.0;        // attention sharpness per position frequency
constexpr double kAlpha = 8.0;         // neuron gain: a matching token gives pre-activation 4
constexpr double kWrite = 0.5;         // what heads and neurons write into their pairs

// Residual pairs (dimensions 2p and 2p + 1 hold +v and -v).
enum Pair : int64_t { kFire, kA, kB, kC, kD, kG, kPosition = 6, kPrevA = 18, kRecentC, kFired, kPrevFired, kFiller = 22 };
constexpr int64_t kFillerPairs = 32 - kFiller;

const std::vector<std::string> kPlanted = {" signal", " alpha", " bravo", " charlie", " delta", " golf"};
const std::vector<std::string> kFillerWords = {
    " the", " of", " and", " to", " a", " in", " ship", " sea", " wind", " light", " stone", " river", " house",
    " green", " old", " small", " went", " saw", " was", " is", " on", " by", " with", " road", " hill", " bird",
    " tree", " cold", " long", " came", ".", ","};

double frequency(int k) { return M_PI / std::pow(2.0, k + 1); }

// LayerNorm of an embedding multiplies it by this: every embedding has zero mean and norm^2 14.
const double kNorm = std::sqrt(static_cast<double>(kModel) / 14.0);

void set_pair(at::Tensor& row, int64_t pair, double value) {
  row[2 * pair] = value;
  row[2 * pair + 1] = -value;
}

struct Vocabulary {
  std::vector<std::string> tokens;        // byte-level strings by id
  std::vector<std::pair<std::string, std::string>> merges;
  std::map<std::string, int32_t> word_id;  // word text -> id
  int32_t end_of_text = 0;
};

// 256 byte tokens, then every prefix of every word (BPE builds each word left to right), then
// <|endoftext|>.
Vocabulary build_vocabulary(const std::vector<std::string>& words) {
  Vocabulary v;
  std::map<std::string, int32_t> id;
  const auto add = [&](const std::string& token) {
    if (id.emplace(token, static_cast<int32_t>(v.tokens.size())).second) v.tokens.push_back(token);
    return id.at(token);
  };
  for (int b = 0; b < 256; ++b) add(Tokenizer::byte_level(std::string(1, static_cast<char>(b))));
  std::map<size_t, std::vector<std::pair<std::string, std::string>>> by_length;
  for (const auto& word : words) {
    std::string prefix;
    for (size_t i = 0; i < word.size(); ++i) {
      const std::string next = Tokenizer::byte_level(word.substr(i, 1));
      if (i > 0) by_length[i].emplace_back(prefix, next);
      prefix += next;
    }
  }
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [length, merges] : by_length)
    for (const auto& m : merges)
      if (seen.insert(m).second) {
        v.merges.push_back(m);
        add(m.first + m.second);
      }
  for (const auto& word : words) v.word_id[word] = id.at(Tokenizer::byte_level(word));
  v.end_of_text = add("<|endoftext|>");
  return v;
}

// An attention head of layer weights: scores peak at relative position `center` (s = t - center),
// plus `bonus` for keys whose pair `bonus_pair` is set; the value copies pair `source` into pair
// `target` scaled by `gain`.
void plant_head(at::Tensor& c_attn, at::Tensor& attn_bias, at::Tensor& c_proj, int64_t head, int center, double bonus,
                int64_t bonus_pair, int64_t source, int64_t target, double gain) {
  const double root = std::sqrt(static_cast<double>(kHead));
  const int64_t q0 = head * kHead, k0 = kModel + head * kHead, v0 = 2 * kModel + head * kHead;
  for (int k = 0; k < kFrequencies; ++k) {
    const double w = frequency(k), cw = std::cos(w * center), sw = std::sin(w * center);
    const int64_t cos_dim = 2 * (kPosition + 2 * k), sin_dim = 2 * (kPosition + 2 * k + 1);
    // q = gamma * (cos w(t - c), sin w(t - c)) from (cos wt, sin wt); k = (cos ws, sin ws).
    c_attn[cos_dim][q0 + 2 * k] = kGamma * root * cw / kNorm;
    c_attn[sin_dim][q0 + 2 * k] = kGamma * root * sw / kNorm;
    c_attn[sin_dim][q0 + 2 * k + 1] = kGamma * root * cw / kNorm;
    c_attn[cos_dim][q0 + 2 * k + 1] = -kGamma * root * sw / kNorm;
    c_attn[cos_dim][k0 + 2 * k] = 1.0 / kNorm;
    c_attn[sin_dim][k0 + 2 * k + 1] = 1.0 / kNorm;
  }
  if (bonus != 0.0) {  // a constant query (through the bias) meets the key's feature
    c_attn[2 * bonus_pair][k0 + 2 * kFrequencies] = 1.0 / kNorm;
    attn_bias[q0 + 2 * kFrequencies] = bonus * root;
  }
  c_attn[2 * source][v0] = gain / kNorm;
  c_proj[head * kHead][2 * target] = 1.0;
  c_proj[head * kHead][2 * target + 1] = -1.0;
}

}  // namespace

PlantedModel write_planted_model(const std::string& directory, uint64_t seed) {
  fs::create_directories(directory);
  std::vector<std::string> words = kPlanted;
  words.insert(words.end(), kFillerWords.begin(), kFillerWords.end());
  const Vocabulary vocab = build_vocabulary(words);
  const int64_t V = static_cast<int64_t>(vocab.tokens.size());
  at::manual_seed(static_cast<int64_t>(seed));
  std::mt19937_64 random(seed);

  std::map<std::string, at::Tensor> w;
  at::Tensor wte = at::zeros({V, kModel}, at::kDouble), wpe = at::zeros({kContext, kModel}, at::kDouble);
  for (int64_t t = 0; t < V; ++t) {
    at::Tensor row = wte[t];
    int64_t planted = -1;
    for (size_t p = 0; p < kPlanted.size(); ++p)
      if (vocab.word_id.at(kPlanted[p]) == t) planted = static_cast<int64_t>(p);
    if (planted >= 0) set_pair(row, planted, 1.0);
    else set_pair(row, kFiller + static_cast<int64_t>(random() % kFillerPairs), random() % 2 ? 1.0 : -1.0);
  }
  for (int64_t p = 0; p < kContext; ++p) {
    at::Tensor row = wpe[p];
    for (int k = 0; k < kFrequencies; ++k) {
      set_pair(row, kPosition + 2 * k, std::cos(frequency(k) * p));
      set_pair(row, kPosition + 2 * k + 1, std::sin(frequency(k) * p));
    }
  }
  w["wte.weight"] = wte;
  w["wpe.weight"] = wpe;
  // Random neurons: their inputs are random, their outputs are zero so they change nothing.
  const auto random_mlp = [&](at::Tensor& c_fc, at::Tensor& bias, int64_t first) {
    c_fc.narrow(1, first, kMlp - first).copy_(at::randn({kModel, kMlp - first}, at::kDouble) * 0.6 / kNorm);
    bias.narrow(0, first, kMlp - first).copy_(at::randn({kMlp - first}, at::kDouble) * 0.5);
  };
  for (int64_t l = 0; l < kLayers; ++l) {
    const std::string h = "h." + std::to_string(l) + ".";
    at::Tensor c_attn = at::zeros({kModel, 3 * kModel}, at::kDouble), c_proj = at::zeros({kModel, kModel}, at::kDouble);
    at::Tensor c_fc = at::zeros({kModel, kMlp}, at::kDouble), fc_bias = at::zeros({kMlp}, at::kDouble);
    at::Tensor mlp_proj = at::zeros({kMlp, kModel}, at::kDouble), attn_bias = at::zeros({3 * kModel}, at::kDouble);
    if (l == 0) {
      plant_head(c_attn, attn_bias, c_proj, 0, 1, 0.0, 0, kA, kPrevA, kWrite);
      // C among the previous three: peak at t - 2, a C key gets a bonus halfway between the
      // score loss at distance 1 or 3 (1.39 gamma) and at distance 0 or 4 (3.39 gamma).
      plant_head(c_attn, attn_bias, c_proj, 1, 2, 2.39 * kGamma, kC, kC, kRecentC, kWrite);
      const auto neuron = [&](int64_t j, std::vector<std::pair<int64_t, double>> reads, double threshold) {
        for (const auto& [pair, scale] : reads) c_fc[2 * pair][j] = kAlpha * scale / kNorm;
        fc_bias[j] = -kAlpha * threshold;
      };
      neuron(0, {{kFire, 1.0}}, 0.5);
      neuron(1, {{kB, 1.0}, {kPrevA, 1.0 / kWrite}}, 1.5);
      neuron(2, {{kD, 1.0}, {kRecentC, 1.0 / kWrite}}, 1.5);
      mlp_proj[0][2 * kFired] = kWrite / (kAlpha * 0.5);  // a firing neuron 0 writes kWrite
      mlp_proj[0][2 * kFired + 1] = -kWrite / (kAlpha * 0.5);
      random_mlp(c_fc, fc_bias, 3);
    } else {
      plant_head(c_attn, attn_bias, c_proj, 0, 1, 0.0, 0, kFired, kPrevFired, 1.0);
      c_fc[2 * kG][0] = kAlpha / kNorm;
      c_fc[2 * kPrevFired][0] = kAlpha / (kNorm * kWrite);
      fc_bias[0] = -kAlpha * 1.5;
      random_mlp(c_fc, fc_bias, 1);
    }
    w[h + "ln_1.weight"] = at::ones({kModel}, at::kDouble);
    w[h + "ln_1.bias"] = at::zeros({kModel}, at::kDouble);
    w[h + "ln_2.weight"] = at::ones({kModel}, at::kDouble);
    w[h + "ln_2.bias"] = at::zeros({kModel}, at::kDouble);
    w[h + "attn.c_attn.weight"] = c_attn;
    w[h + "attn.c_attn.bias"] = attn_bias;
    w[h + "attn.c_proj.weight"] = c_proj;
    w[h + "attn.c_proj.bias"] = at::zeros({kModel}, at::kDouble);
    w[h + "mlp.c_fc.weight"] = c_fc;
    w[h + "mlp.c_fc.bias"] = fc_bias;
    w[h + "mlp.c_proj.weight"] = mlp_proj;
    w[h + "mlp.c_proj.bias"] = at::zeros({kModel}, at::kDouble);
  }
  w["ln_f.weight"] = at::ones({kModel}, at::kDouble);
  w["ln_f.bias"] = at::zeros({kModel}, at::kDouble);
  for (auto& entry : w) entry.second = entry.second.to(at::kFloat);
  write_safetensors((fs::path(directory) / "model.safetensors").string(), w);

  nlohmann::json config = {{"model_type", "gpt2"}, {"architectures", {"GPT2LMHeadModel"}}, {"n_layer", kLayers},
                           {"n_head", kHeads}, {"n_embd", kModel}, {"n_inner", kMlp}, {"n_positions", kContext},
                           {"n_ctx", kContext}, {"vocab_size", V}, {"layer_norm_epsilon", 1e-5},
                           {"activation_function", "gelu_new"}, {"bos_token_id", vocab.end_of_text},
                           {"eos_token_id", vocab.end_of_text}, {"tie_word_embeddings", true}};
  std::ofstream(fs::path(directory) / "config.json") << config.dump(2) << "\n";
  nlohmann::json vocab_json = nlohmann::json::object();
  for (size_t i = 0; i < vocab.tokens.size(); ++i) vocab_json[vocab.tokens[i]] = i;
  std::ofstream(fs::path(directory) / "vocab.json") << vocab_json.dump() << "\n";
  std::ofstream merges(fs::path(directory) / "merges.txt");
  merges << "#version: 0.2\n";
  for (const auto& [a, b] : vocab.merges) merges << a << " " << b << "\n";

  PlantedModel model;
  model.words = words;
  model.rules = {{0, 0, {" signal"}, {}, "fires on ' signal' whatever the context", 4.0},
                 {0, 1, {" bravo"}, {" alpha"}, "fires on ' bravo' only right after ' alpha'", 4.0},
                 {0, 2, {" delta"}, {" charlie"}, "fires on ' delta' when ' charlie' is among the three tokens before it", 4.0},
                 {1, 0, {" golf"}, {" signal"}, "fires on ' golf' right after ' signal', where layer 0 neuron 0 fired", 4.0}};
  nlohmann::json planted = nlohmann::json::array();
  for (const auto& r : model.rules)
    planted.push_back({{"layer", r.layer}, {"neuron", r.neuron}, {"activating_tokens", r.activating},
                       {"required_context", r.context}, {"rule", r.rule}, {"expected_activation", r.expected_activation}});
  std::ofstream(fs::path(directory) / "planted.json") << planted.dump(2) << "\n";
  return model;
}

void write_planted_corpus(const std::string& directory, const std::string& output, int64_t windows, int64_t window_len,
                          uint64_t seed) {
  const Tokenizer tokenizer = Tokenizer::from_directory(directory);
  const auto id = [&](const std::string& word) {
    const auto ids = tokenizer.encode(word);
    if (ids.size() != 1) throw FormatError(directory + ": '" + word + "' is not one token; is this a planted model?");
    return ids[0];
  };
  const int32_t fire = id(" signal"), a = id(" alpha"), b = id(" bravo"), c = id(" charlie"), d = id(" delta"),
                g = id(" golf"), dot = id("."), eot = *tokenizer.end_of_text();
  std::vector<int32_t> filler;
  for (const auto& word : kFillerWords)
    if (word != "." && word != ",") filler.push_back(id(word));
  std::mt19937_64 random(seed);
  const auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(random) < p; };
  const auto any_filler = [&] { return filler[random() % filler.size()]; };

  std::vector<int32_t> stream;
  const int64_t needed = windows * window_len;
  const auto recent = [&](int32_t token, size_t back) {
    for (size_t i = 1; i <= back && i <= stream.size(); ++i)
      if (stream[stream.size() - i] == token) return true;
    return false;
  };
  while (static_cast<int64_t>(stream.size()) < needed) {
    const double r = std::uniform_real_distribution<double>(0, 1)(random);
    if (r < 0.04) stream.insert(stream.end(), {a, b});                            // bravo after alpha
    else if (r < 0.08 && !recent(a, 1)) stream.push_back(b);                      // bravo alone
    else if (r < 0.10) stream.insert(stream.end(), {a, any_filler()});            // alpha alone
    else if (r < 0.15) {                                                          // charlie .. delta
      stream.push_back(c);
      for (uint64_t gap = random() % 3; gap > 0; --gap) stream.push_back(any_filler());
      stream.push_back(d);
    } else if (r < 0.19 && !recent(c, 5)) stream.push_back(d);                    // delta alone
    else if (r < 0.21) stream.insert(stream.end(), {c, any_filler(), any_filler(), any_filler(), any_filler()});
    else if (r < 0.25) stream.insert(stream.end(), {fire, g});                    // golf after signal
    else if (r < 0.29 && !recent(fire, 1)) stream.push_back(g);                   // golf alone
    else if (r < 0.33) stream.insert(stream.end(), {fire, any_filler()});         // signal alone
    else if (r < 0.40) stream.push_back(dot);
    else if (r < 0.41) stream.push_back(eot);                                     // a new document
    else stream.push_back(any_filler());
  }
  DatasetAttributes attributes{window_len, tokenizer.vocab_size(), eot, "planted byte-level BPE",
                               "planted corpus (seed " + std::to_string(seed) + ")"};
  DatasetWriter writer(output, attributes);
  std::vector<int64_t> documents;
  int64_t document = 0;
  for (int64_t w = 0; w < windows; ++w) {
    documents.push_back(document);
    for (int64_t j = 0; j < window_len; ++j) document += stream[w * window_len + j] == eot;
  }
  writer.append({stream.begin(), stream.begin() + needed}, documents);
  writer.finish(tokenizer.display_all());
}

}  // namespace n2g
