// Reads the fields of a JSON config (a model's config.json, an SAE's cfg.json), naming the file and
// key on error. Internal to src/model.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>

#include "n2g/errors.h"

namespace n2g {

// Reads config fields, naming the file and key on error.
class ConfigReader {
 public:
  ConfigReader(nlohmann::json json, std::string path) : json_(std::move(json)), path_(std::move(path)) {}

  // Reads and parses `path`; `missing` says what the file is for when it cannot be read.
  static ConfigReader open(const std::string& path, const std::string& missing) {
    std::ifstream in(path);
    if (!in) throw ModelError(path + ": " + missing);
    try {
      return ConfigReader(nlohmann::json::parse(in), path);
    } catch (const nlohmann::json::exception& error) {
      throw ModelError(path + ": not valid JSON (" + error.what() + ")");
    }
  }
  const nlohmann::json& json() const { return json_; }

  bool has(const char* key) const { return json_.contains(key) && !json_[key].is_null(); }

  int integer(const char* key) const {
    if (!has(key) || !json_[key].is_number_integer())
      throw ModelError(path_ + ": field '" + key + "' is missing or not an integer");
    return json_[key].get<int>();
  }
  double number(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    if (!json_[key].is_number()) throw ModelError(path_ + ": field '" + key + "' is not a number");
    return json_[key].get<double>();
  }
  std::string text(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    if (!json_[key].is_string()) throw ModelError(path_ + ": field '" + key + "' is not a string");
    return json_[key].get<std::string>();
  }
  bool flag(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!json_[key].is_boolean()) throw ModelError(path_ + ": field '" + key + "' is not true or false");
    return json_[key].get<bool>();
  }
  std::optional<int32_t> token(const char* key) const {
    if (!has(key) || !json_[key].is_number_integer()) return std::nullopt;
    return json_[key].get<int32_t>();
  }
  const std::string& path() const { return path_; }

 private:
  nlohmann::json json_;
  std::string path_;
};

}  // namespace n2g
