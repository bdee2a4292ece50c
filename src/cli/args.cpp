#include "n2g/cli/args.h"

#include <cstdint>
#include <exception>
#include <iostream>
#include <sstream>

#include "n2g/errors.h"

namespace n2g {

ArgParser::ArgParser(std::string program, std::string summary) : program_(std::move(program)), summary_(std::move(summary)) {}

void ArgParser::option(const std::string& name, std::string& out, const std::string& help) {
  specs_.push_back({name, help, Spec::kOption, &out});
}
void ArgParser::list(const std::string& name, std::vector<std::string>& out, const std::string& help) {
  specs_.push_back({name, help, Spec::kList, nullptr, &out});
}
void ArgParser::flag(const std::string& name, bool& out, const std::string& help) {
  specs_.push_back({name, help, Spec::kFlag, nullptr, nullptr, &out});
}
void ArgParser::positional(const std::string& name, std::string& out, const std::string& help, bool required) {
  specs_.push_back({name, help, Spec::kPositional, &out, nullptr, nullptr, required});
}

std::string ArgParser::usage() const {
  std::ostringstream out;
  out << "usage: " << program_;
  for (const auto& s : specs_)
    if (s.kind == Spec::kPositional) out << " " << (s.required ? s.name : "[" + s.name + "]");
  out << " [options]\n\n" << summary_ << "\n\n";
  for (const auto& s : specs_) {
    std::string left = s.kind == Spec::kPositional ? s.name : "--" + s.name;
    if (s.kind == Spec::kOption || s.kind == Spec::kList) left += " VALUE";
    if (s.kind == Spec::kList) left += "...";
    out << "  " << left << std::string(left.size() < 24 ? 24 - left.size() : 1, ' ') << s.help << "\n";
  }
  return out.str();
}

bool ArgParser::parse(int argc, char** argv) {
  size_t next_positional = 0;
  std::vector<Spec*> positionals;
  for (auto& s : specs_)
    if (s.kind == Spec::kPositional) positionals.push_back(&s);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage();
      return false;
    }
    if (arg.rfind("--", 0) == 0) {
      std::string name = arg.substr(2), value;
      bool has_value = false;
      const size_t equals = name.find('=');
      if (equals != std::string::npos) {
        value = name.substr(equals + 1);
        name = name.substr(0, equals);
        has_value = true;
      }
      Spec* spec = nullptr;
      for (auto& s : specs_)
        if (s.kind != Spec::kPositional && s.name == name) spec = &s;
      if (!spec) throw UsageError("unknown option --" + name + " (see --help)");
      if (spec->kind == Spec::kFlag) {
        if (has_value) throw UsageError("--" + name + " takes no value");
        *spec->on = true;
        continue;
      }
      if (!has_value) {
        if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
        value = argv[++i];
      }
      if (spec->kind == Spec::kOption) {
        *spec->text = value;
      } else {
        std::stringstream items(value);
        for (std::string item; std::getline(items, item, ',');)
          if (!item.empty()) spec->items->push_back(item);
      }
      continue;
    }
    if (next_positional >= positionals.size()) throw UsageError("unexpected argument '" + arg + "' (see --help)");
    *positionals[next_positional++]->text = arg;
  }
  for (size_t p = next_positional; p < positionals.size(); ++p)
    if (positionals[p]->required) throw UsageError("missing argument " + positionals[p]->name + "\n" + usage());
  return true;
}

int run_program(const std::string& program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const Error& error) {
    std::cerr << program << ": error: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << program << ": internal error: " << error.what() << "\n";
    return 2;
  }
}

int64_t parse_integer(const std::string& text, const std::string& what) {
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) throw UsageError(what + ": expected an integer, got '" + text + "'");
  return value;
}

}  // namespace n2g
