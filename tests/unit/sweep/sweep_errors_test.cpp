// Bad inputs to a sweep: each stops before any expensive work with a message naming the problem,
// and leaves no atlas behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "n2g/dist/rank_context.h"
#include "n2g/io/dataset.h"
#include "n2g/io/run_files.h"
#include "n2g/sweep/identity.h"
#include "n2g/sweep/pipeline.h"
#include "n2g/sweep/setup.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;

const std::string kModel = std::string(N2G_FIXTURES) + "/models/tiny-gpt2";

std::string dataset(const std::string& name, int64_t vocab_size) {
  const std::string path = ::testing::TempDir() + "/" + name;
  DatasetWriter writer(path, {8, vocab_size, 511, "test", "test"});
  std::vector<int32_t> tokens(8 * 4);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>(i % 50);
  writer.append(tokens, {0, 0, 0, 0});
  writer.finish({});
  return path;
}

SweepConfig base_config(const std::string& name) {
  SweepConfig config = parse_sweep_config("model: {path: " + kModel + "}\ndataset: {path: " + dataset(name + ".h5", 512) +
                                              "}\nrun: {output: " + ::testing::TempDir() + "/" + name + "_atlas.h5, progress: false}\n",
                                          name + ".yaml");
  config.neurons.indices = std::vector<int32_t>{0, 1};
  fs::remove(config.run.output);  // a clean slate when the suite runs again
  fs::remove_all(config.checkpoint_dir());
  return config;
}

std::string sweep_error(const SweepConfig& config) {
  std::ostringstream log;
  try {
    run_sweep(config, make_rank_context(MPI_COMM_WORLD), log);
  } catch (const Error& error) {
    EXPECT_FALSE(fs::exists(config.run.output)) << "an atlas was left behind";
    return error.what();
  }
  return "no error";
}

// The error of a sweep that must not touch what is at run.output (an input of the run).
std::string sweep_error_keeping(const SweepConfig& config, bool restart = false) {
  std::ostringstream log;
  try {
    run_sweep(config, make_rank_context(MPI_COMM_WORLD), log, restart);
  } catch (const Error& error) {
    return error.what();
  }
  return "no error";
}

TEST(SweepErrors, MissingModelDirectory) {
  SweepConfig config = base_config("nomodel");
  config.model.path = "/no/such/model";
  EXPECT_NE(sweep_error(config).find("/no/such/model: model directory does not exist"), std::string::npos);
  config.model.path = kModel + "/config.json";
  EXPECT_NE(sweep_error(config).find("config.json: is a file, not a model directory"), std::string::npos);
}

// An SAE that cannot be swept on this model is refused before any work, naming the SAE's problem.
TEST(SweepErrors, SaeThatDoesNotFitTheModel) {
  SweepConfig config = base_config("sae");
  config.neurons.indices.reset();
  config.neurons.sae = "/no/such/sae";
  EXPECT_NE(sweep_error(config).find("neurons.sae: /no/such/sae: SAE directory does not exist"), std::string::npos);
  // The real SAE reads blocks.1.hook_resid_post, 128 wide; the tiny model's residual is 64 wide.
  config.neurons.sae = std::string(N2G_SOURCE_DIR) + "/data/austen-gpt2-sae";
  EXPECT_NE(sweep_error(config).find("cfg.json: d_in is 128, but blocks.1.hook_resid_post of " + kModel + " is 64 wide"),
            std::string::npos)
      << sweep_error(config);
  EXPECT_FALSE(fs::exists(config.run.output));
}

TEST(SweepErrors, VocabularyMismatch) {
  SweepConfig config = base_config("vocab");
  config.dataset.path = dataset("vocab_big.h5", 50257);
  EXPECT_NE(sweep_error(config).find("has vocab_size 50257 but the model's vocabulary has 512 tokens"), std::string::npos);
}

TEST(SweepErrors, LayerOutOfRange) {
  SweepConfig config = base_config("layer");
  config.neurons.layers = std::vector<int32_t>{0, 5};
  EXPECT_NE(sweep_error(config).find("neurons.layers: layer 5 is out of range (the model has 2)"), std::string::npos);
  config.neurons.layers.reset();
  config.neurons.indices = std::vector<int32_t>{300};
  EXPECT_NE(sweep_error(config).find("neurons.indices: neuron index 300 is out of range (the model has 256)"), std::string::npos);
}

TEST(SweepErrors, UnknownHook) {
  SweepConfig config = base_config("hook");
  config.model.hook = "mlp.hook_mid";
  EXPECT_NE(sweep_error(config).find("model.hook: 'mlp.hook_mid' does not exist for this gpt2 model"), std::string::npos);
}

TEST(SweepErrors, UnreadableDataset) {
  SweepConfig config = base_config("data");
  const std::string junk = ::testing::TempDir() + "/junk.h5";
  std::ofstream(junk) << "this is not HDF5";
  config.dataset.path = junk;
  EXPECT_NE(sweep_error(config).find("dataset.path: " + junk + ": not an HDF5 file"), std::string::npos);
  config.dataset.path = "/no/such/data.h5";
  EXPECT_NE(sweep_error(config).find("/no/such/data.h5: no such file"), std::string::npos);
}

TEST(SweepErrors, TokenOutsideTheVocabularyIsNamedWhenRead) {
  SweepConfig config = base_config("bad_token");
  const std::string path = ::testing::TempDir() + "/bad_token_data.h5";
  {
    DatasetWriter writer(path, {8, 512, 511, "test", "test"});
    std::vector<int32_t> tokens(8 * 4, 7);
    tokens[2 * 8 + 5] = 600;  // window 2, position 5
    writer.append(tokens, {0, 0, 0, 0});
    writer.finish({});
  }
  config.dataset.path = path;
  const std::string message = sweep_error(config);
  EXPECT_NE(message.find(path + ": window 2 holds token id 600 at position 5, outside the dataset's vocabulary "
                         "(vocab_size 512)"),
            std::string::npos)
      << message;
}

TEST(SweepErrors, OutputDirectoryMissing) {
  SweepConfig config = base_config("output");
  config.run.output = "/no/such/dir/atlas.h5";
  EXPECT_NE(sweep_error(config).find("run.output: directory /no/such/dir does not exist"), std::string::npos);
}

TEST(SweepErrors, OutputDirectoryNotWritable) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into any directory";
  SweepConfig config = base_config("output_locked");
  const fs::path locked = fs::path(::testing::TempDir()) / "n2g_locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  config.run.output = (locked / "atlas.h5").string();
  EXPECT_NE(sweep_error(config).find("is not writable"), std::string::npos);
  fs::permissions(locked, fs::perms::owner_all);
}

TEST(SweepErrors, OutputIsAnExistingDirectory) {
  SweepConfig config = base_config("output_dir");
  const fs::path directory = fs::path(::testing::TempDir()) / "n2g_output_dir";
  fs::remove_all(directory);
  fs::create_directories(directory);
  config.run.output = directory.string();
  try {
    std::ostringstream log;
    run_sweep(config, make_rank_context(MPI_COMM_WORLD), log);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("run.output: " + directory.string() + " is a directory; name the atlas file"),
              std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(fs::is_empty(directory));  // refused before any work: nothing written into it
}

TEST(Sweep, AnotherRunsCheckpointsAreRefusedUnlessRestarting) {
  SweepConfig config = base_config("restart");
  claim_checkpoint_directory(config.checkpoint_dir(), "test");
  std::ofstream(fs::path(config.checkpoint_dir()) / "manifest.yaml") << "another run\n";
  EXPECT_NE(sweep_error(config).find("holds a run with a different config; to start over, run again with --restart"),
            std::string::npos);
  std::ostringstream log;
  run_sweep(config, make_rank_context(MPI_COMM_WORLD), log, /*restart=*/true);
  EXPECT_TRUE(fs::exists(config.run.output));
}

TEST(Sweep, CheckpointsOfAnotherDatasetAreRefusedNamingTheChange) {
  SweepConfig config = base_config("changed_data");
  // Checkpoints of this config on the dataset as it is now...
  claim_checkpoint_directory(config.checkpoint_dir(), "test");
  const RunIdentity before = run_identity(config, prepare_sweep(config));
  std::ofstream(fs::path(config.checkpoint_dir()) / "manifest.yaml") << before.text();
  // ...then the dataset regenerated at the same path, same shape, other tokens.
  {
    DatasetWriter writer(config.dataset.path, {8, 512, 511, "test", "test"});
    std::vector<int32_t> tokens(8 * 4);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>((i * 7 + 3) % 50);
    writer.append(tokens, {0, 0, 0, 0});
    writer.finish({});
  }
  const RunIdentity after = run_identity(config, prepare_sweep(config));
  EXPECT_EQ(after.config, before.config);
  EXPECT_EQ(after.model, before.model);
  const std::string message = sweep_error(config);
  EXPECT_NE(message.find("holds a run on a different dataset (the file changed since: was windows 4, window_len 8, "
                         "vocab_size 512"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("; to start over, run again with --restart"), std::string::npos) << message;
  // Performance-only keys are not part of what checkpoints belong to.
  SweepConfig faster = config;
  faster.run.threads = 3;
  faster.run.progress = true;
  faster.run.batch_tokens = 512;
  faster.run.neurons_per_wave = 7;
  faster.scan.batch_windows = 3;
  EXPECT_EQ(run_identity(faster, prepare_sweep(faster)).text(), after.text());
}

TEST(Sweep, DirectoriesNotCreatedByN2gAreNeverWrittenIntoOrEmptied) {
  SweepConfig config = base_config("foreign");
  const fs::path results = fs::path(::testing::TempDir()) / "n2g_results";
  fs::remove_all(results);
  fs::create_directories(results);
  std::ofstream(results / "older_atlas.h5") << "the user's";
  config.run.checkpoint_dir = results.string();
  for (const bool restart : {false, true}) {
    std::ostringstream log;
    try {
      run_sweep(config, make_rank_context(MPI_COMM_WORLD), log, restart);
      ADD_FAILURE() << "no error";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("run.checkpoint_dir: " + results.string() + " holds files n2g did not create"),
                std::string::npos)
          << error.what();
    }
    EXPECT_TRUE(fs::exists(results / "older_atlas.h5"));
    EXPECT_FALSE(fs::exists(config.run.output));
  }
  // An empty directory is adopted; after the run only n2g's own files are gone, the user's new file stays.
  fs::remove(results / "older_atlas.h5");
  std::ostringstream log;
  claim_checkpoint_directory(results.string(), "test");
  std::ofstream(results / "notes.txt") << "written during the run";
  run_sweep(config, make_rank_context(MPI_COMM_WORLD), log);
  EXPECT_TRUE(fs::exists(config.run.output));
  EXPECT_TRUE(fs::exists(results / "notes.txt"));
  EXPECT_FALSE(fs::exists(results / "manifest.yaml"));
  EXPECT_FALSE(fs::exists(results / ".n2g-checkpoints"));
}

TEST(Sweep, ASecondJobOnTheSameOutputIsRefused) {
  SweepConfig config = base_config("locked");
  const FileLock first = lock_output(config.run.output);  // as another job would hold it
  const std::string message = sweep_error(config);
  EXPECT_NE(message.find("run.output: another n2g_sweep is writing " + config.run.output + " (held by pid "), std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(config.checkpoint_dir()));  // refused before touching anything
}

// Outputs that are inputs, or that overlap each other, are refused before any work.
TEST(SweepErrors, OutputThatIsAnInputIsRefused) {
  SweepConfig config = base_config("collide");
  const std::string dataset_path = config.dataset.path;
  const auto size_before = fs::file_size(dataset_path);
  config.run.output = dataset_path;
  std::ostringstream log;
  try {
    run_sweep(config, make_rank_context(MPI_COMM_WORLD), log);
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("run.output: " + dataset_path + " is dataset.path"), std::string::npos) << error.what();
  }
  EXPECT_EQ(fs::file_size(dataset_path), size_before);
  config = base_config("collide_model");
  config.run.output = kModel + "/model.safetensors";
  EXPECT_NE(sweep_error_keeping(config).find("is a file of model.path"), std::string::npos);
  config = base_config("collide_ckpt");
  config.run.checkpoint_dir = config.run.output;
  EXPECT_NE(sweep_error(config).find("run.checkpoint_dir: the checkpoint directory " + config.run.output + " is, or lies inside, " +
                                     config.run.output),
            std::string::npos);
  config.run.checkpoint_dir = config.run.output + ".tmp/inner";
  EXPECT_NE(sweep_error(config).find("lies inside, " + config.run.output + ".tmp"), std::string::npos);
  EXPECT_FALSE(fs::exists(config.run.checkpoint_dir));
}

// Two jobs with different outputs and one checkpoint directory: the second is refused, naming the
// first, and its --restart deletes nothing of the first's.
TEST(SweepErrors, ASecondJobOnTheSameCheckpointDirectoryIsRefused) {
  SweepConfig config = base_config("shared_ckpt");
  config.run.checkpoint_dir = ::testing::TempDir() + "/shared_ckpt_dir";
  fs::remove_all(config.run.checkpoint_dir);
  claim_checkpoint_directory(config.run.checkpoint_dir, "test");
  std::ofstream(config.run.checkpoint_dir + "/fit-L0-n0-w1.ckpt") << "the first job's wave";
  const FileLock first = lock_checkpoint_directory(config.run.checkpoint_dir, "run.checkpoint_dir");
  for (const bool restart : {false, true}) {
    const std::string message = sweep_error_keeping(config, restart);
    EXPECT_NE(message.find("run.checkpoint_dir: another n2g_sweep is using the checkpoint directory " +
                           config.run.checkpoint_dir + " (held by pid " + std::to_string(::getpid())),
              std::string::npos)
        << message;
    EXPECT_TRUE(fs::exists(config.run.checkpoint_dir + "/fit-L0-n0-w1.ckpt"));
  }
}

TEST(Sweep, RunsOnOneRankAndWritesAnAtlas) {
  SweepConfig config = base_config("ok");
  config.scan.top_k = 2;
  config.fit.augment.method = AugmentMethod::embedding;
  std::ostringstream log;
  const SweepSummary summary = run_sweep(config, make_rank_context(MPI_COMM_WORLD), log);
  EXPECT_EQ(summary.neurons, 4);
  EXPECT_TRUE(fs::exists(config.run.output));
  EXPECT_FALSE(fs::exists(config.checkpoint_dir()));  // removed once the atlas is complete
  EXPECT_EQ(summary.atlas, config.run.output);
  EXPECT_EQ(summary.world_size, 1);
  EXPECT_GT(summary.forward_share, 0.0);
}

}  // namespace
}  // namespace n2g
