#include "n2g/sweep/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
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

std::string fit_method_name(FitMethod method) { return method == FitMethod::n2g ? "n2g" : "n2g+"; }

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


void read_mask_token(Section& s, SweepConfig& c) {
  YAML::Node mask = s.get("mask_token");
  if (!mask.IsDefined() || mask.IsNull()) return;
  int32_t id;
  if (mask.IsScalar() && mask.Scalar() == "auto")
    c.fit.mask_token.reset();
  else if (mask.IsScalar() && YAML::convert<int32_t>::decode(mask, id) && id >= 0)
    c.fit.mask_token = id;
  else
    s.fail(mask, "mask_token", "expected auto or a token id >= 0, got '" + (mask.IsScalar() ? mask.Scalar() : "?") + "'");
}

// Every key of the config, once: where it sits in the YAML, how it is read and checked into
// SweepConfig, and how its resolved value is written back (resolved_yaml, stored in the atlas and
// in the run identity). A key cannot be parsed and then forgotten by the emitter.
struct Key {
  std::string section;  // "model", "fit.prune", ...
  std::string name;
  std::function<void(Section&, SweepConfig&)> read;
  std::function<void(YAML::Emitter&, const SweepConfig&)> emit;
};

// `get` returns the field of a (const or not) SweepConfig; `read` reads it with any checks.
template <class Get, class Read>
Key key(const char* section, const char* name, Get get, Read read) {
  return {section, name, [=](Section& s, SweepConfig& c) { read(s, name, get(c)); },
          [=](YAML::Emitter& out, const SweepConfig& c) { out << YAML::Key << name << YAML::Value << get(c); }};
}
template <class Get>
Key number(const char* section, const char* name, Get get, Range range) {
  return key(section, name, get, [range](Section& s, const char* n, auto& field) { s.read(n, field, range); });
}
template <class Get>
Key flag(const char* section, const char* name, Get get) {
  return key(section, name, get, [](Section& s, const char* n, bool& field) { s.read(n, field); });
}
template <class Get>
Key text(const char* section, const char* name, Get get, bool required) {
  return key(section, name, get, [required](Section& s, const char* n, std::string& field) { s.read(n, field, required); });
}
template <class Get>
Key choice(const char* section, const char* name, Get get, std::vector<std::string> choices) {
  return key(section, name, get, [choices](Section& s, const char* n, std::string& field) { s.read_choice(n, field, choices); });
}
template <class Get>
Key selection(const char* section, const char* name, Get get) {
  return {section, name, [=](Section& s, SweepConfig& c) { s.read_selection(name, get(c)); },
          [=](YAML::Emitter& out, const SweepConfig& c) { emit_selection(out, name, get(c)); }};
}

const std::vector<Key>& keys() {
  static const std::vector<Key> all = {
      text("model", "path", [](auto& c) -> auto& { return c.model.path; }, true),
      choice("model", "hook", [](auto& c) -> auto& { return c.model.hook; }, {"mlp.hook_pre", "mlp.hook_mid", "mlp.hook_post"}),
      choice("model", "dtype", [](auto& c) -> auto& { return c.model.dtype; }, {"auto", "float32", "bfloat16", "float16"}),
      choice("model", "device", [](auto& c) -> auto& { return c.model.device; }, {"auto", "cpu", "cuda"}),
      flag("model", "prepend_bos", [](auto& c) -> auto& { return c.model.prepend_bos; }),
      text("dataset", "path", [](auto& c) -> auto& { return c.dataset.path; }, true),
      number("dataset", "max_windows", [](auto& c) -> auto& { return c.dataset.max_windows; }, Range{0, kInfinity}),
      selection("neurons", "layers", [](auto& c) -> auto& { return c.neurons.layers; }),
      selection("neurons", "indices", [](auto& c) -> auto& { return c.neurons.indices; }),
      // Written back only when set, so configs of MLP neurons resolve as they always did.
      Key{"neurons", "sae", [](Section& s, SweepConfig& c) { s.read("sae", c.neurons.sae, false); },
          [](YAML::Emitter& out, const SweepConfig& c) {
            if (!c.neurons.sae.empty()) out << YAML::Key << "sae" << YAML::Value << c.neurons.sae;
          }},
      number("scan", "top_k", [](auto& c) -> auto& { return c.scan.top_k; }, Range{1, kInfinity}),
      number("scan", "batch_windows", [](auto& c) -> auto& { return c.scan.batch_windows; }, Range{1, kInfinity}),
      {"fit", "method",
       [](Section& s, SweepConfig& c) {
         std::string method = fit_method_name(c.fit.method);
         s.read_choice("method", method, {"n2g+", "n2g"});
         c.fit.method = method == "n2g" ? FitMethod::n2g : FitMethod::n2g_plus;
       },
       [](YAML::Emitter& out, const SweepConfig& c) { out << YAML::Key << "method" << YAML::Value << fit_method_name(c.fit.method); }},
      number("fit", "train_fraction", [](auto& c) -> auto& { return c.fit.train_fraction; }, Range{0, 1, true, true}),
      number("fit", "seed", [](auto& c) -> auto& { return c.fit.seed; }, Range{0, kInfinity}),
      number("fit.prune", "min_ratio", [](auto& c) -> auto& { return c.fit.prune.min_ratio; }, Range{0, 1, true, false}),
      number("fit.prune", "max_context", [](auto& c) -> auto& { return c.fit.prune.max_context; }, Range{0, kInfinity}),
      number("fit.prune", "step", [](auto& c) -> auto& { return c.fit.prune.step; }, Range{1, kInfinity}),
      number("fit.prune", "post_context", [](auto& c) -> auto& { return c.fit.prune.post_context; }, Range{0, kInfinity}),
      number("fit.prune", "pivot_threshold", [](auto& c) -> auto& { return c.fit.prune.pivot_threshold; },
             Range{0, 1, true, false}),
      {"fit.saliency", "mask_token", read_mask_token,
       [](YAML::Emitter& out, const SweepConfig& c) {
         out << YAML::Key << "mask_token" << YAML::Value;
         if (c.fit.mask_token) out << *c.fit.mask_token;
         else out << "auto";
       }},
      {"fit.augment", "method",
       [](Section& s, SweepConfig& c) {
         std::string method = augment_method_name(c.fit.augment.method);
         s.read_choice("method", method, {"lm", "embedding", "none"});
         c.fit.augment.method = augment_method(method);
       },
       [](YAML::Emitter& out, const SweepConfig& c) {
         out << YAML::Key << "method" << YAML::Value << augment_method_name(c.fit.augment.method);
       }},
      number("fit.augment", "max_substitutes", [](auto& c) -> auto& { return c.fit.augment.max_substitutes; }, Range{0, kInfinity}),
      number("fit.augment", "important_threshold", [](auto& c) -> auto& { return c.fit.augment.important_threshold; },
             Range{0, kInfinity}),
      number("fit.augment", "min_ratio", [](auto& c) -> auto& { return c.fit.augment.min_ratio; }, Range{0, kInfinity}),
      number("fit.augment", "min_prob", [](auto& c) -> auto& { return c.fit.augment.min_prob; }, Range{0, 1}),
      number("fit.graph", "activation_threshold", [](auto& c) -> auto& { return c.fit.graph.activation_threshold; },
             Range{0, kInfinity}),
      number("fit.graph", "importance_threshold", [](auto& c) -> auto& { return c.fit.graph.importance_threshold; },
             Range{0, kInfinity}),
      flag("fit.plus", "secondary_pivots", [](auto& c) -> auto& { return c.fit.plus.secondary_pivots; }),
      number("fit.plus", "max_pivots", [](auto& c) -> auto& { return c.fit.plus.max_pivots; }, Range{1, kInfinity}),
      flag("fit.plus", "calibrate", [](auto& c) -> auto& { return c.fit.plus.calibrate; }),
      number("fit.plus", "prior_weight", [](auto& c) -> auto& { return c.fit.plus.prior_weight; }, Range{0, kInfinity}),
      flag("fit.plus", "token_fallback", [](auto& c) -> auto& { return c.fit.plus.token_fallback; }),
      number("fit.plus", "min_token_firings", [](auto& c) -> auto& { return c.fit.plus.min_token_firings; }, Range{1, kInfinity}),
      number("fit.plus", "extra_train_windows", [](auto& c) -> auto& { return c.fit.plus.extra_train_windows; },
             Range{0, kInfinity}),
      number("fit.plus", "random_train_windows", [](auto& c) -> auto& { return c.fit.plus.random_train_windows; },
             Range{0, kInfinity}),
      number("fit.plus", "max_prune_scale", [](auto& c) -> auto& { return c.fit.plus.max_prune_scale; }, Range{1, kInfinity}),
      number("eval", "fire_threshold", [](auto& c) -> auto& { return c.eval.fire_threshold; }, Range{0, kInfinity, true}),
      number("eval", "max_tokens", [](auto& c) -> auto& { return c.eval.max_tokens; }, Range{1, kInfinity}),
      flag("eval", "baselines", [](auto& c) -> auto& { return c.eval.baselines; }),
      number("eval", "random_windows", [](auto& c) -> auto& { return c.eval.random_windows; }, Range{0, kInfinity}),
      text("run", "output", [](auto& c) -> auto& { return c.run.output; }, true),
      {"run", "checkpoint_dir", [](Section& s, SweepConfig& c) { s.read("checkpoint_dir", c.run.checkpoint_dir); },
       [](YAML::Emitter& out, const SweepConfig& c) {
         out << YAML::Key << "checkpoint_dir" << YAML::Value << c.checkpoint_dir();  // resolved
       }},
      number("run", "neurons_per_wave", [](auto& c) -> auto& { return c.run.neurons_per_wave; }, Range{1, kInfinity}),
      number("run", "batch_tokens", [](auto& c) -> auto& { return c.run.batch_tokens; }, Range{1, kInfinity}),
      number("run", "threads", [](auto& c) -> auto& { return c.run.threads; }, Range{0, kInfinity}),
      flag("run", "progress", [](auto& c) -> auto& { return c.run.progress; }),
      choice("run", "reproducible", [](auto& c) -> auto& { return c.run.reproducible; }, {"fast", "exact"}),
  };
  return all;
}

// The sections of keys(), parents before children, in the order they first appear.
std::vector<std::string> section_paths() {
  std::vector<std::string> paths;
  for (const Key& k : keys()) {
    for (size_t dot = k.section.find('.'); dot != std::string::npos; dot = k.section.find('.', dot + 1))
      if (std::find(paths.begin(), paths.end(), k.section.substr(0, dot)) == paths.end()) paths.push_back(k.section.substr(0, dot));
    if (std::find(paths.begin(), paths.end(), k.section) == paths.end()) paths.push_back(k.section);
  }
  return paths;
}

}  // namespace

SweepConfig parse_sweep_config(const std::string& yaml_text, const std::string& file) {
  // YAML indents with spaces only; yaml-cpp's own messages about a tab do not say so.
  std::istringstream lines(yaml_text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    const size_t indent = line.find_first_not_of(" \t");
    if (indent != std::string::npos && line[indent] != '#' && line.find('\t') < indent)
      throw ConfigError(file + ":" + std::to_string(number) + ": indented with a tab; YAML indents with spaces only");
  }
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
  std::map<std::string, Section> sections;
  for (const std::string& path : section_paths()) {
    const size_t dot = path.rfind('.');
    Section& parent = dot == std::string::npos ? top : sections.at(path.substr(0, dot));
    sections.emplace(path, parent.section(dot == std::string::npos ? path : path.substr(dot + 1)));
  }
  for (const Key& k : keys()) k.read(sections.at(k.section), config);
  if (config.run.reproducible == "exact" && config.model.dtype != "float32" && config.model.dtype != "auto") {
    Section& run = sections.at("run");
    run.fail(run.get("reproducible"), "reproducible",
             "exact needs model.dtype float32 or auto (16-bit dtypes are not rank-invariant), got " + config.model.dtype);
  }
  if (!config.neurons.sae.empty()) {
    // The SAE names its hook (cfg.json hook_name) and so its layer.
    Section& neurons = sections.at("neurons");
    if (neurons.get("layers").IsDefined())
      neurons.fail(neurons.get("layers"), "layers", "not used with neurons.sae: the layer is that of the SAE's hook_name");
    Section& model = sections.at("model");
    if (model.get("hook").IsDefined())
      model.fail(model.get("hook"), "hook", "not used with neurons.sae: the SAE's cfg.json names the hook it reads (hook_name)");
  }
  for (const std::string& path : section_paths()) sections.at(path).reject_unknown();
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


std::string SweepConfig::resolved_yaml() const {
  YAML::Emitter out;
  out.SetDoublePrecision(17);
  out << YAML::BeginMap;
  const auto paths = section_paths();
  // A section's keys, then its subsections as flow maps.
  std::function<void(const std::string&)> emit_section = [&](const std::string& path) {
    for (const Key& k : keys())
      if (k.section == path) k.emit(out, *this);
    for (const std::string& child : paths)
      if (child.rfind(path + ".", 0) == 0 && child.find('.', path.size() + 1) == std::string::npos) {
        out << YAML::Key << child.substr(path.size() + 1) << YAML::Value << YAML::Flow << YAML::BeginMap;
        emit_section(child);
        out << YAML::EndMap;
      }
  };
  for (const std::string& path : paths)
    if (path.find('.') == std::string::npos) {
      out << YAML::Key << path << YAML::Value << YAML::BeginMap;
      emit_section(path);
      out << YAML::EndMap;
    }
  out << YAML::EndMap;
  return out.c_str();
}

}  // namespace n2g
