#include "n2g/sweep/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "n2g/errors.h"

namespace n2g {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// A numeric range with open or closed ends, for messages and checks.
struct Range {
  double low;
  double high;
  bool low_open = false;
  bool high_open = false;

  bool contains(double v) const {
    return (low_open ? v > low : v >= low) && (high_open ? v < high : v <= high);
  }
  std::string describe() const {
    std::ostringstream out;
    if (high == kInfinity) {
      out << (low_open ? "> " : ">= ") << low;
    } else {
      out << "in " << (low_open ? "(" : "[") << low << ", " << high << (high_open ? ")" : "]");
    }
    return out.str();
  }
};

// One mapping of the YAML file with its key path; remembers which keys were read so the rest can
// be reported as unknown.
class Section {
 public:
  Section(YAML::Node node, std::string path, std::string file)
      : node_(std::move(node)), path_(std::move(path)), file_(std::move(file)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& message) const {
    std::ostringstream out;
    out << file_;
    if (at.IsDefined() && at.Mark().line >= 0) out << ":" << at.Mark().line + 1;
    out << ": " << qualified(key) << ": " << message;
    throw ConfigError(out.str());
  }

  std::string qualified(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  // The value of `key`, or an undefined node; a required key that is absent is an error.
  YAML::Node get(const std::string& key, bool required = false) {
    known_.insert(key);
    YAML::Node value = node_.IsMap() ? node_[key] : YAML::Node();
    if (required && (!value.IsDefined() || value.IsNull()))
      fail(node_, key, "missing required key (" + qualified(key) + ")");
    return value;
  }

  Section section(const std::string& key) {
    YAML::Node value = get(key);
    if (value.IsDefined() && !value.IsNull() && !value.IsMap()) fail(value, key, "expected a mapping of keys");
    return Section(value.IsDefined() && !value.IsNull() ? value : YAML::Node(YAML::NodeType::Map), qualified(key), file_);
  }

  std::string scalar(const YAML::Node& value, const std::string& key, const std::string& expected) {
    if (!value.IsScalar()) fail(value, key, "expected " + expected + ", got a " + (value.IsMap() ? "mapping" : "list"));
    return value.Scalar();
  }

  void read(const std::string& key, std::string& out, bool required = false) {
    YAML::Node value = get(key, required);
    if (!value.IsDefined() || value.IsNull()) return;
    out = scalar(value, key, "a string");
    if (required && out.empty()) fail(value, key, "expected a non-empty string");
  }

  void read(const std::string& key, bool& out) {
    YAML::Node value = get(key);
    if (!value.IsDefined() || value.IsNull()) return;
    const std::string text = scalar(value, key, "true or false");
    bool parsed;
    if (!YAML::convert<bool>::decode(value, parsed)) fail(value, key, "expected true or false, got '" + text + "'");
    out = parsed;
  }

  template <class Number>
  void read(const std::string& key, Number& out, const Range& range) {
    YAML::Node value = get(key);
    if (!value.IsDefined() || value.IsNull()) return;
    const std::string text = scalar(value, key, "a number");
    const bool integral = std::is_integral<Number>::value;
    Number parsed;
    if (!YAML::convert<Number>::decode(value, parsed))
      fail(value, key, std::string("expected ") + (integral ? "an integer" : "a number") + ", got '" + text + "'");
    if (!range.contains(static_cast<double>(parsed)))
      fail(value, key, "expected a value " + range.describe() + ", got " + text);
    out = parsed;
  }

  void read_choice(const std::string& key, std::string& out, const std::vector<std::string>& choices) {
    YAML::Node value = get(key);
    if (!value.IsDefined() || value.IsNull()) return;
    const std::string text = scalar(value, key, "a string");
    if (std::find(choices.begin(), choices.end(), text) == choices.end()) {
      std::string list;
      for (const auto& c : choices) list += (list.empty() ? "" : " | ") + c;
      fail(value, key, "expected one of " + list + ", got '" + text + "'");
    }
    out = text;
  }

  // `all`, a list of non-negative integers, one integer, or a range string "a-b" with a <= b.
  void read_selection(const std::string& key, std::optional<std::vector<int32_t>>& out) {
    YAML::Node value = get(key);
    if (!value.IsDefined() || value.IsNull()) return;
    const std::string expected = "all, a list of non-negative integers, or a range \"a-b\" with a <= b";
    std::vector<int32_t> values;
    if (value.IsSequence()) {
      for (const auto& item : value) {
        int32_t v;
        if (!item.IsScalar() || !YAML::convert<int32_t>::decode(item, v) || v < 0)
          fail(item, key, "expected " + expected + ", got list item '" + (item.IsScalar() ? item.Scalar() : "?") + "'");
        values.push_back(v);
      }
      if (values.empty()) fail(value, key, "expected " + expected + ", got an empty list");
    } else {
      const std::string text = scalar(value, key, expected);
      if (text == "all") {
        out.reset();
        return;
      }
      values = parse_range(value, key, text, expected);
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    out = values;
  }

  // Reports keys present in the file that nothing read.
  void reject_unknown() const {
    if (!node_.IsMap()) return;
    std::set<std::string> seen;
    for (const auto& entry : node_) {
      const std::string key = entry.first.as<std::string>();
      if (!seen.insert(key).second) fail(entry.first, key, "key appears twice");
      if (!known_.count(key)) {
        std::string list;
        for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
        fail(entry.first, key, "unknown key (known keys here: " + list + ")");
      }
    }
  }

 private:
  std::vector<int32_t> parse_range(const YAML::Node& value, const std::string& key, const std::string& text,
                                   const std::string& expected) {
    long first = 0, last = 0;
    char dash = 0;
    std::istringstream in(text);
    std::string rest;
    // Bounded before anything is allocated: no model has layers or MLPs this wide, and a larger
    // number would wrap around in 32 bits or expand into gigabytes of indices.
    constexpr long kLargest = (1L << 24) - 1;
    const auto check_size = [&](long v) {
      if (v > kLargest)
        fail(value, key, std::to_string(v) + " is larger than any model's layer count or width (at most " +
                             std::to_string(kLargest) + "), in '" + text + "'");
    };
    if (text.find('-') == std::string::npos) {
      if (!(in >> first) || (in >> rest) || first < 0) fail(value, key, "expected " + expected + ", got '" + text + "'");
      check_size(first);
      return {static_cast<int32_t>(first)};
    }
    if (!(in >> first >> dash >> last) || dash != '-' || (in >> rest) || first < 0 || last < first)
      fail(value, key, "expected " + expected + ", got '" + text + "'");
    check_size(last);
    std::vector<int32_t> values;
    for (long v = first; v <= last; ++v) values.push_back(static_cast<int32_t>(v));
    return values;
  }

  YAML::Node node_;
  std::string path_;
  std::string file_;
  std::set<std::string> known_;
};

AugmentMethod augment_method(const std::string& name) {
  if (name == "none") return AugmentMethod::none;
  if (name == "embedding") return AugmentMethod::embedding;
  return AugmentMethod::lm;
}

std::string augment_method_name(AugmentMethod method) {
  switch (method) {
    case AugmentMethod::none: return "none";
    case AugmentMethod::embedding: return "embedding";
    case AugmentMethod::lm: return "lm";
  }
  return "lm";
}

void read_model(Section s, ModelConfig& m) {
  s.read("path", m.path, true);
  s.read_choice("hook", m.hook, {"mlp.hook_pre", "mlp.hook_mid", "mlp.hook_post"});
  s.read_choice("dtype", m.dtype, {"auto", "float32", "bfloat16", "float16"});
  s.read_choice("device", m.device, {"auto", "cpu", "cuda"});
  s.read("prepend_bos", m.prepend_bos);
  s.reject_unknown();
}

void read_fit(Section s, FitParams& f) {
  s.read("train_fraction", f.train_fraction, Range{0, 1, true, true});
  s.read("seed", f.seed, Range{0, kInfinity});
  {
    Section p = s.section("prune");
    p.read("min_ratio", f.prune.min_ratio, Range{0, 1, true, false});
    p.read("max_context", f.prune.max_context, Range{0, kInfinity});
    p.read("step", f.prune.step, Range{1, kInfinity});
    p.read("post_context", f.prune.post_context, Range{0, kInfinity});
    p.read("pivot_threshold", f.prune.pivot_threshold, Range{0, 1, true, false});
    p.reject_unknown();
  }
  {
    Section p = s.section("saliency");
    YAML::Node mask = p.get("mask_token");
    if (mask.IsDefined() && !mask.IsNull()) {
      int32_t id;
      if (mask.IsScalar() && mask.Scalar() == "auto")
        f.mask_token.reset();
      else if (mask.IsScalar() && YAML::convert<int32_t>::decode(mask, id) && id >= 0)
        f.mask_token = id;
      else
        p.fail(mask, "mask_token", "expected auto or a token id >= 0, got '" + (mask.IsScalar() ? mask.Scalar() : "?") + "'");
    }
    p.reject_unknown();
  }
  {
    Section p = s.section("augment");
    std::string method = augment_method_name(f.augment.method);
    p.read_choice("method", method, {"lm", "embedding", "none"});
    f.augment.method = augment_method(method);
    p.read("max_substitutes", f.augment.max_substitutes, Range{0, kInfinity});
    p.read("important_threshold", f.augment.important_threshold, Range{0, kInfinity});
    p.read("min_ratio", f.augment.min_ratio, Range{0, kInfinity});
    p.read("min_prob", f.augment.min_prob, Range{0, 1});
    p.reject_unknown();
  }
  {
    Section p = s.section("graph");
    p.read("activation_threshold", f.graph.activation_threshold, Range{0, kInfinity});
    p.read("importance_threshold", f.graph.importance_threshold, Range{0, kInfinity});
    p.reject_unknown();
  }
  s.reject_unknown();
}

}  // namespace

SweepConfig parse_sweep_config(const std::string& yaml_text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& error) {
    throw ConfigError(file + ":" + std::to_string(error.mark.line + 1) + ": not valid YAML: " + error.msg);
  }
  if (!root.IsMap()) throw ConfigError(file + ": expected a mapping with the keys model, dataset and run");

  SweepConfig config;
  config.file = file;
  Section top(root, "", file);
  read_model(top.section("model"), config.model);
  {
    Section s = top.section("dataset");
    s.read("path", config.dataset.path, true);
    s.read("max_windows", config.dataset.max_windows, Range{0, kInfinity});
    s.reject_unknown();
  }
  {
    Section s = top.section("neurons");
    s.read_selection("layers", config.neurons.layers);
    s.read_selection("indices", config.neurons.indices);
    s.reject_unknown();
  }
  {
    Section s = top.section("scan");
    s.read("top_k", config.scan.top_k, Range{1, kInfinity});
    s.read("batch_windows", config.scan.batch_windows, Range{1, kInfinity});
    s.reject_unknown();
  }
  read_fit(top.section("fit"), config.fit);
  {
    Section s = top.section("eval");
    s.read("fire_threshold", config.eval.fire_threshold, Range{0, kInfinity, true});
    s.read("max_tokens", config.eval.max_tokens, Range{1, kInfinity});
    s.read("baselines", config.eval.baselines);
    s.reject_unknown();
  }
  {
    Section s = top.section("run");
    s.read("output", config.run.output, true);
    s.read("checkpoint_dir", config.run.checkpoint_dir);
    s.read("neurons_per_wave", config.run.neurons_per_wave, Range{1, kInfinity});
    s.read("batch_tokens", config.run.batch_tokens, Range{1, kInfinity});
    s.read("threads", config.run.threads, Range{0, kInfinity});
    s.read("progress", config.run.progress);
    s.read_choice("reproducible", config.run.reproducible, {"fast", "exact"});
    if (config.run.reproducible == "exact" && config.model.dtype != "float32" && config.model.dtype != "auto")
      s.fail(s.get("reproducible"), "reproducible",
             "exact needs model.dtype float32 or auto (16-bit dtypes are not rank-invariant), got " + config.model.dtype);
    s.reject_unknown();
  }
  top.reject_unknown();
  return config;
}

SweepConfig load_sweep_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open the sweep config");
  std::stringstream text;
  text << in.rdbuf();
  return parse_sweep_config(text.str(), path);
}

std::string SweepConfig::checkpoint_dir() const {
  return run.checkpoint_dir.empty() ? run.output + ".ckpt" : run.checkpoint_dir;
}

namespace {

void emit_selection(YAML::Emitter& out, const char* key, const std::optional<std::vector<int32_t>>& values) {
  out << YAML::Key << key << YAML::Value;
  if (!values) {
    out << "all";
    return;
  }
  out << YAML::Flow << YAML::BeginSeq;
  for (int32_t v : *values) out << v;
  out << YAML::EndSeq;
}

}  // namespace

std::string SweepConfig::resolved_yaml() const {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << YAML::BeginMap;
  out << YAML::Key << "model" << YAML::Value << YAML::BeginMap << YAML::Key << "path" << YAML::Value << model.path
      << YAML::Key << "hook" << YAML::Value << model.hook << YAML::Key << "dtype" << YAML::Value << model.dtype
      << YAML::Key << "device" << YAML::Value << model.device << YAML::Key << "prepend_bos" << YAML::Value
      << model.prepend_bos << YAML::EndMap;
  out << YAML::Key << "dataset" << YAML::Value << YAML::BeginMap << YAML::Key << "path" << YAML::Value
      << dataset.path << YAML::Key << "max_windows" << YAML::Value << dataset.max_windows << YAML::EndMap;
  out << YAML::Key << "neurons" << YAML::Value << YAML::BeginMap;
  emit_selection(out, "layers", neurons.layers);
  emit_selection(out, "indices", neurons.indices);
  out << YAML::EndMap;
  out << YAML::Key << "scan" << YAML::Value << YAML::BeginMap << YAML::Key << "top_k" << YAML::Value << scan.top_k
      << YAML::Key << "batch_windows" << YAML::Value << scan.batch_windows << YAML::EndMap;
  out << YAML::Key << "fit" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "train_fraction" << YAML::Value << fit.train_fraction << YAML::Key << "seed" << YAML::Value
      << fit.seed;
  out << YAML::Key << "prune" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "min_ratio"
      << YAML::Value << fit.prune.min_ratio << YAML::Key << "max_context" << YAML::Value << fit.prune.max_context
      << YAML::Key << "step" << YAML::Value << fit.prune.step << YAML::Key << "post_context" << YAML::Value
      << fit.prune.post_context << YAML::Key << "pivot_threshold" << YAML::Value << fit.prune.pivot_threshold
      << YAML::EndMap;
  out << YAML::Key << "saliency" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "mask_token"
      << YAML::Value;
  if (fit.mask_token) out << *fit.mask_token; else out << "auto";
  out << YAML::EndMap;
  out << YAML::Key << "augment" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "method"
      << YAML::Value << augment_method_name(fit.augment.method) << YAML::Key << "max_substitutes" << YAML::Value
      << fit.augment.max_substitutes << YAML::Key << "important_threshold" << YAML::Value
      << fit.augment.important_threshold << YAML::Key << "min_ratio" << YAML::Value << fit.augment.min_ratio
      << YAML::Key << "min_prob" << YAML::Value << fit.augment.min_prob << YAML::EndMap;
  out << YAML::Key << "graph" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "activation_threshold"
      << YAML::Value << fit.graph.activation_threshold << YAML::Key << "importance_threshold" << YAML::Value
      << fit.graph.importance_threshold << YAML::EndMap;
  out << YAML::EndMap;
  out << YAML::Key << "eval" << YAML::Value << YAML::BeginMap << YAML::Key << "fire_threshold" << YAML::Value
      << eval.fire_threshold << YAML::Key << "max_tokens" << YAML::Value << eval.max_tokens << YAML::Key
      << "baselines" << YAML::Value << eval.baselines << YAML::EndMap;
  out << YAML::Key << "run" << YAML::Value << YAML::BeginMap << YAML::Key << "output" << YAML::Value << run.output
      << YAML::Key << "checkpoint_dir" << YAML::Value << checkpoint_dir() << YAML::Key << "neurons_per_wave"
      << YAML::Value << run.neurons_per_wave << YAML::Key << "batch_tokens" << YAML::Value << run.batch_tokens
      << YAML::Key << "threads" << YAML::Value << run.threads << YAML::Key << "progress" << YAML::Value
      << run.progress << YAML::Key << "reproducible" << YAML::Value << run.reproducible << YAML::EndMap;
  out << YAML::EndMap;
  return out.c_str();
}

}  // namespace n2g
