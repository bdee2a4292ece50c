// Every n2g program's arguments, parsed by CLI11 behind one small interface, and the single catch
// of `main`. Every program answers --help and --version.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace n2g {

class ArgParser {
 public:
  ArgParser(std::string program, std::string summary);
  ~ArgParser();

  // --name VALUE
  void option(const std::string& name, std::string& out, const std::string& help);
  // --name VALUE, repeatable, or comma-separated
  void list(const std::string& name, std::vector<std::string>& out, const std::string& help);
  // --name
  void flag(const std::string& name, bool& out, const std::string& help);
  // positional arguments in order; optional ones after required ones
  void positional(const std::string& name, std::string& out, const std::string& help, bool required = true);
  // the remaining positional arguments, at least one
  void positionals(const std::string& name, std::vector<std::string>& out, const std::string& help);

  // Returns false after printing the usage for --help or the version for --version; throws
  // UsageError naming the problem for bad arguments.
  bool parse(int argc, char** argv);
  std::string usage() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Runs a program body: n2g errors print "program: error: message" and return 1, anything else 2.
int run_program(const std::string& program, const std::function<int()>& body);

// An unexpected exception's message on one line (libtorch's without its backtrace).
std::string one_line(const std::exception& error);

// Creates `directory` (and its parents) if needed and checks that files can be written in it,
// before any work; a UsageError names `option` and the directory otherwise.
void ensure_output_directory(const std::string& directory, const std::string& option);

// Integer parsing for arguments, naming the argument on error.
int64_t parse_integer(const std::string& text, const std::string& what);

}  // namespace n2g
