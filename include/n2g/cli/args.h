// The one small argument parser every n2g program uses, and the single catch of `main`.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace n2g {

class ArgParser {
 public:
  ArgParser(std::string program, std::string summary);

  // --name VALUE
  void option(const std::string& name, std::string& out, const std::string& help);
  // --name VALUE, repeatable, or comma-separated
  void list(const std::string& name, std::vector<std::string>& out, const std::string& help);
  // --name
  void flag(const std::string& name, bool& out, const std::string& help);
  // positional arguments in order; optional ones after required ones
  void positional(const std::string& name, std::string& out, const std::string& help, bool required = true);

  // Returns false after printing the usage for --help; throws UsageError for bad arguments.
  bool parse(int argc, char** argv);
  std::string usage() const;

 private:
  struct Spec {
    std::string name;
    std::string help;
    enum Kind { kOption, kList, kFlag, kPositional } kind;
    std::string* text = nullptr;
    std::vector<std::string>* items = nullptr;
    bool* on = nullptr;
    bool required = false;
  };
  std::string program_;
  std::string summary_;
  std::vector<Spec> specs_;
};

// Runs a program body: n2g errors print "program: error: message" and return 1, anything else 2.
int run_program(const std::string& program, const std::function<int()>& body);

// Integer parsing for arguments, naming the argument on error.
int64_t parse_integer(const std::string& text, const std::string& what);

}  // namespace n2g
