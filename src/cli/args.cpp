#include "n2g/cli/args.h"

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>

#include <unistd.h>
#include <iostream>

#include "n2g/base/file_limit.h"
#include "n2g/base/version.h"
#include "n2g/errors.h"

namespace n2g {

struct ArgParser::State {
  std::string program;
  CLI::App app;
  State(std::string name, const std::string& summary) : program(std::move(name)), app(summary, program) {}
};

ArgParser::ArgParser(std::string program, std::string summary) : state_(std::make_unique<State>(std::move(program), summary)) {
  state_->app.set_version_flag("--version", state_->program + " (n2g " + kN2gVersion + ")");
  state_->app.get_formatter()->column_width(26);
}

ArgParser::~ArgParser() = default;

void ArgParser::option(const std::string& name, std::string& out, const std::string& help) {
  state_->app.add_option("--" + name, out, help);
}
void ArgParser::list(const std::string& name, std::vector<std::string>& out, const std::string& help) {
  state_->app.add_option("--" + name, out, help)->delimiter(',')->allow_extra_args(false);
}
void ArgParser::flag(const std::string& name, bool& out, const std::string& help) {
  state_->app.add_flag("--" + name, out, help);
}
void ArgParser::positional(const std::string& name, std::string& out, const std::string& help, bool required) {
  state_->app.add_option(name, out, help)->required(required);
}
void ArgParser::positionals(const std::string& name, std::vector<std::string>& out, const std::string& help) {
  state_->app.add_option(name, out, help)->required();
}

std::string ArgParser::usage() const { return state_->app.help(); }

bool ArgParser::parse(int argc, char** argv) {
  try {
    state_->app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << usage();
    return false;
  } catch (const CLI::CallForVersion& version) {
    std::cout << version.what() << "\n";
    return false;
  } catch (const CLI::ParseError& error) {
    throw UsageError(std::string(error.what()) + " (see " + state_->program + " --help)");
  }
  return true;
}

int run_program(const std::string& program, const std::function<int()>& body) {
  handle_file_size_limit();
  try {
    const int status = body();
    std::cout.flush();
    // A report or export redirected to a file on a full disk: say so rather than exit 0.
    if (!std::cout) throw FormatError("cannot write to standard output (disk full or closed pipe?)");
    return status;
  } catch (const Error& error) {
    std::cerr << program << ": error: " << error.what() << "\n";
    return 1;
  } catch (const std::filesystem::filesystem_error& error) {
    std::cerr << program << ": error: " << error.what() << "\n";  // names the path and the system's reason
    return 1;
  } catch (const std::exception& error) {
    std::cerr << program << ": internal error: " << one_line(error) << "\n";
    return 2;
  }
}

std::string one_line(const std::exception& error) {
  // libtorch's messages carry a C++ backtrace after the first line.
  const auto* torch_error = dynamic_cast<const c10::Error*>(&error);
  std::string text = torch_error ? torch_error->what_without_backtrace() : error.what();
  const size_t end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

void ensure_output_directory(const std::string& directory, const std::string& option) {
  namespace fs = std::filesystem;
  const fs::path dir = directory.empty() ? fs::path(".") : fs::path(directory);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error || !fs::is_directory(dir))
    throw UsageError(option + ": cannot create the directory " + dir.string() + (error ? " (" + error.message() + ")" : " (a file is in the way)"));
  const fs::path probe = dir / (".n2g-write-test-" + std::to_string(::getpid()));
  { std::ofstream(probe) << ""; }
  if (!fs::exists(probe)) throw UsageError(option + ": the directory " + dir.string() + " is not writable");
  fs::remove(probe, error);
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
