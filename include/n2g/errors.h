// Typed errors for bad input. Library code throws these; programs catch them once in main.
#pragma once

#include <stdexcept>
#include <string>

namespace n2g {

// Base of every error caused by input the user can fix.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A sweep config that is malformed: names the file, key path and line.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A file whose layout is not what FORMATS.md describes.
class FormatError : public Error {
 public:
  using Error::Error;
};

// A model directory, tensor or hook that cannot be used.
class ModelError : public Error {
 public:
  using Error::Error;
};

// Bad command-line arguments.
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace n2g
