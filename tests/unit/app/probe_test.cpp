#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "../model/golden.h"
#include "n2g/app/probe.h"
#include "n2g/errors.h"

namespace n2g {
namespace {

const std::string kTiny = std::string(N2G_FIXTURES) + "/models/tiny-neox";

TEST(Probe, ActivationsEqualTheGoldensWithBosPrepended) {
  const at::Tensor tokens = n2g::testing::read_golden(kTiny + "/golden.h5", "tokens");
  const at::Tensor golden = n2g::testing::read_golden(kTiny + "/golden.h5", "blocks.1.mlp.hook_pre");
  ProbeRequest request;
  request.model_dir = kTiny;
  for (int64_t t = 1; t < tokens.size(1); ++t) request.tokens.push_back(tokens[0][t].item<int32_t>());  // BOS dropped
  request.layer = 1;
  request.hook = "mlp.hook_pre";
  request.neurons = {3, 200};
  const ProbeResult result = probe(request);
  EXPECT_EQ(result.hook, "blocks.1.mlp.hook_pre");
  ASSERT_EQ(result.tokens.size(), 17u);
  EXPECT_EQ(result.tokens[0], 0);  // tiny-neox's bos_token_id
  EXPECT_EQ(result.token_text[1], "#" + std::to_string(result.tokens[1]));
  for (size_t i = 0; i < 2; ++i)
    for (int64_t t = 0; t < 17; ++t)
      EXPECT_NEAR(result.activations[i][t], golden[0][t][result.neurons[i]].item<float>(), 2e-4);
  const std::string json = probe_json(result);
  EXPECT_NE(json.find("\"hook\":\"blocks.1.mlp.hook_pre\""), std::string::npos);
  EXPECT_NE(probe_table(result).find("n200"), std::string::npos);
}

TEST(Probe, TopNeuronsAreTheLayersMostActiveOnes) {
  ProbeRequest request;
  request.model_dir = kTiny;
  request.tokens = {5, 9, 13};
  request.top = 4;
  const ProbeResult result = probe(request);
  ASSERT_EQ(result.neurons.size(), 4u);
  const auto peak = [&](size_t i) {
    return std::max({result.activations[i][1], result.activations[i][2], result.activations[i][3]});
  };
  for (size_t i = 0; i + 1 < 4; ++i) EXPECT_GE(peak(i), peak(i + 1));
}

TEST(Probe, BadRequestsNameTheProblem) {
  const auto message = [](ProbeRequest request) -> std::string {
    try {
      probe(request);
    } catch (const Error& error) {
      return error.what();
    }
    return "no error";
  };
  ProbeRequest base;
  base.model_dir = kTiny;
  base.tokens = {1, 2};
  ProbeRequest bad = base;
  bad.layer = 2;
  EXPECT_NE(message(bad).find("layer 2 does not exist (the model has 2 layers)"), std::string::npos);
  bad = base;
  bad.neurons = {256};
  EXPECT_NE(message(bad).find("neuron 256 does not exist"), std::string::npos);
  bad = base;
  bad.tokens = {600};
  EXPECT_NE(message(bad).find("token id 600 is outside the model's vocabulary (512)"), std::string::npos);
  bad = base;
  bad.text = "hello";
  EXPECT_NE(message(bad).find("has no tokenizer"), std::string::npos);
  bad = base;
  bad.hook = "mlp.hook_mid";
  EXPECT_NE(message(bad).find("does not exist for this gpt_neox model"), std::string::npos);
}

}  // namespace
}  // namespace n2g
