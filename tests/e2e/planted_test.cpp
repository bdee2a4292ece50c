// End-to-end: the sweep on the planted model recovers every planted rule, and n2g_prepare
// reproduces the demo dataset.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "n2g/app/prepare.h"
#include "n2g/graph/serialize.h"
#include "n2g/io/atlas.h"
#include "n2g/io/dataset.h"
#include "n2g/io/hdf5.h"
#include "n2g/tokenizer/tokenizer.h"

namespace n2g {
namespace {

// The sweep's output folder (atlas.h5, planted/): the build's, or N2G_E2E_OUT's (the GPU check).
const std::string kOut = std::getenv("N2G_E2E_OUT") ? std::getenv("N2G_E2E_OUT") : N2G_E2E_DIR;

struct Graph {
  std::vector<int32_t> activating, context;
};

Graph tokens_of(const FlatGraph& g) {
  Graph out;
  for (size_t i = 0; i < g.size(); ++i) {
    if (g.token[i] < 0) continue;
    (g.parent[i] < 0 && g.activator[i] ? out.activating : out.context).push_back(g.token[i]);
  }
  return out;
}

bool holds(const std::vector<int32_t>& values, int32_t value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

TEST(Planted, SweepRecoversEveryPlantedRule) {
  const AtlasReader atlas(kOut + "/" + (std::getenv("N2G_E2E_ATLAS") ? std::getenv("N2G_E2E_ATLAS") : "atlas.h5"));
  const Tokenizer tokenizer = Tokenizer::from_directory(kOut + "/planted");
  std::ifstream in(kOut + "/planted/planted.json");
  const auto rules = nlohmann::json::parse(in);
  ASSERT_EQ(rules.size(), 4u);
  for (const auto& rule : rules) {
    const std::string name = "layer " + rule["layer"].dump() + " neuron " + rule["neuron"].dump();
    const auto row = atlas.find(rule["layer"], rule["neuron"]);
    ASSERT_TRUE(row.has_value()) << name;
    const AtlasRow r = atlas.row(*row);
    ASSERT_EQ(r.status, kOk) << name << ": " << r.error;
    const Graph graph = tokens_of(r.graph);
    for (const auto& token : rule["activating_tokens"])
      EXPECT_TRUE(holds(graph.activating, tokenizer.encode(token.get<std::string>())[0])) << name << " misses " << token;
    for (const auto& token : rule["required_context"])
      EXPECT_TRUE(holds(graph.context, tokenizer.encode(token.get<std::string>())[0])) << name << " lacks context " << token;
    EXPECT_GE(r.firing.f1, 0.95f) << name;
    EXPECT_GE(r.firing_count, 5) << name << ": too few firing test tokens to judge";
    if (!rule["required_context"].empty())  // the context matters: looking the token up is not enough
      EXPECT_LE(r.token_baseline.precision, r.firing.precision - 0.2f) << name;
  }
}

TEST(Demo, PrepareReproducesTheDemoDataset) {
  const std::string dir = std::string(N2G_SOURCE_DIR) + "/data/austen-gpt2";
  PrepareRequest request{dir + "/model", 128, kOut + "/persuasion.h5", {dir + "/persuasion.txt"}, "", false};
  std::ostringstream log;
  prepare_dataset(request, log);
  const TokenDataset ours(request.output), theirs(dir + "/persuasion.h5");
  ASSERT_EQ(ours.n_windows(), theirs.n_windows());
  EXPECT_EQ(ours.window_len(), theirs.window_len());
  EXPECT_EQ(ours.vocab_size(), theirs.vocab_size());
  EXPECT_EQ(ours.bos_token_id(), theirs.bos_token_id());
  EXPECT_EQ(ours.read_range(0, ours.n_windows()), theirs.read_range(0, theirs.n_windows()));
  // The same display strings, except that the reference writes every byte-fragment token as
  // U+FFFD, where n2g writes its bytes (\xNN), so that they stay distinct.
  const auto our_vocab = ours.vocab(), their_vocab = theirs.vocab();
  ASSERT_EQ(our_vocab.size(), their_vocab.size());
  std::set<std::string> fragments;
  size_t fragment_ids = 0;
  for (size_t id = 0; id < our_vocab.size(); ++id) {
    if (our_vocab[id] == their_vocab[id]) continue;  // tokens that really hold U+FFFD stay equal
    EXPECT_NE(their_vocab[id].find("\xEF\xBF\xBD"), std::string::npos) << id << ": " << their_vocab[id];
    EXPECT_NE(our_vocab[id].find("\\x"), std::string::npos) << id << ": " << our_vocab[id];
    fragments.insert(our_vocab[id]);
    ++fragment_ids;
  }
  EXPECT_GT(fragment_ids, 100u);
  EXPECT_EQ(fragments.size(), fragment_ids);  // every fragment token distinct
  const auto documents = [](const std::string& path) {
    h5::Handle file = h5::open_file(path, false);
    return h5::read_dataset<int64_t>(file, "/doc_index", path);
  };
  EXPECT_EQ(documents(request.output), documents(dir + "/persuasion.h5"));
}

}  // namespace
}  // namespace n2g

namespace n2g {
namespace {

// The planted SAE's word detectors are recovered as SAE latents: each graph fires on its word with
// F1 >= 0.95 and the atlas says what its rows are; the dead latents are dead.
TEST(PlantedSae, SweepRecoversEveryPlantedLatent) {
  const AtlasReader atlas(kOut + "/atlas_sae.h5");
  EXPECT_TRUE(atlas.header().latents());
  EXPECT_EQ(atlas.header().sae_hook, "blocks.0.hook_resid_pre");
  EXPECT_EQ(atlas.header().hook, "hook_resid_pre.hook_sae_acts_post");
  EXPECT_EQ(atlas.header().d_mlp, 8);
  EXPECT_EQ(atlas.header().unit_name(0, 3), "latent 3 of blocks.0.hook_resid_pre");
  const Tokenizer tokenizer = Tokenizer::from_directory(kOut + "/planted");
  std::ifstream in(kOut + "/planted_sae/planted_sae.json");
  const auto planted = nlohmann::json::parse(in);
  ASSERT_EQ(planted.size(), 4u);
  for (const auto& latent : planted) {
    const std::string name = "latent " + latent["latent"].dump();
    const auto row = atlas.find(0, latent["latent"]);
    ASSERT_TRUE(row.has_value()) << name;
    const AtlasRow r = atlas.row(*row);
    ASSERT_EQ(r.status, kOk) << name << ": " << r.error;
    EXPECT_TRUE(holds(tokens_of(r.graph).activating, tokenizer.encode(latent["token"].get<std::string>())[0]))
        << name << " misses " << latent["token"];
    EXPECT_GE(r.firing.f1, 0.95f) << name;
    EXPECT_GE(r.firing_count, 5) << name << ": too few firing test tokens to judge";
    EXPECT_NEAR(r.max_activation, 0.5f, 0.01f) << name;
    // Its output effect is its decoder row (the word's direction) through ln_f to the tied W_U:
    // the word itself is the token it raises most.
    EXPECT_EQ(r.output_tokens.at(0), tokenizer.encode(latent["token"].get<std::string>())[0]) << name;
  }
  for (int dead = 4; dead < 8; ++dead) EXPECT_EQ(atlas.row(*atlas.find(0, dead)).status, kDead) << "latent " << dead;
}

}  // namespace
}  // namespace n2g
