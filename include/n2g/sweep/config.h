// The one sweep config (FORMATS.md, "Sweep config"): loaded from YAML once, validated once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "n2g/fit/params.h"

namespace n2g {

struct ModelConfig {
  std::string path;                 // required: model directory
  std::string hook = "mlp.hook_post";
  std::string dtype = "auto";       // auto (bfloat16 on CUDA, float32 on CPUs) | float32 | bfloat16 | float16
  std::string device = "auto";      // auto | cpu | cuda
  bool prepend_bos = true;
};

struct DatasetConfig {
  std::string path;  // required
  int64_t max_windows = 0;  // 0 = all
};

// nullopt = all; otherwise the listed values, ascending and unique.
struct NeuronSelection {
  std::optional<std::vector<int32_t>> layers;
  std::optional<std::vector<int32_t>> indices;
  // "" sweeps MLP neurons at model.hook; else an SAE directory (SAELens layout) whose latents are
  // swept: its hook_name gives the hook and the layer, `indices` selects latents.
  std::string sae;
};

struct ScanConfig {
  int top_k = 20;
  int batch_windows = 32;
};

struct RunConfig {
  std::string output;           // required
  std::string checkpoint_dir;   // "" = <output>.ckpt
  int neurons_per_wave = 256;
  int64_t batch_tokens = 16384;
  int threads = 0;              // 0 = automatic
  bool progress = true;
  // fast: compute in model.dtype (top-K windows and nearly every graph the same for any number of
  // ranks); exact: float32 models compute in float64 on CPUs, so any number of ranks gives a
  // bit-identical atlas (about 2x the CPU cost; refused on CUDA devices and for 16-bit dtypes; with
  // dtype auto it means float32).
  std::string reproducible = "fast";
};

struct SweepConfig {
  std::string file;  // where it was read from, for messages
  ModelConfig model;
  DatasetConfig dataset;
  NeuronSelection neurons;
  ScanConfig scan;
  FitParams fit;
  EvalParams eval;
  RunConfig run;

  // Every key with its resolved value, as YAML: stored in the atlas and compared on resume.
  std::string resolved_yaml() const;
  std::string checkpoint_dir() const;
  // Windows the scan keeps per neuron: the top K, and for n2g+ the next fit.plus.extra_train_windows.
  int scanned_windows() const { return scan.top_k + (fit.plus_method() ? fit.plus.extra_train_windows : 0); }
};

// Throws ConfigError naming the file, key path and line, and what was expected.
SweepConfig load_sweep_config(const std::string& path);
SweepConfig parse_sweep_config(const std::string& yaml_text, const std::string& file);

}  // namespace n2g
