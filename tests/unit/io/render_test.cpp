// Neuron pages and the atlas index from the synthetic atlas.
#include <gtest/gtest.h>

#include <filesystem>
#include <cmath>
#include <fstream>

#include "../../support/synthetic_atlas.h"
#include "n2g/app/render.h"
#include "n2g/app/report.h"

namespace n2g {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The synthetic atlas, written once per process under the test's own name (CTest runs the tests of
// this file in parallel).
const AtlasReader& synthetic_atlas() {
  static const std::string path = [] {
    const std::string p = ::testing::TempDir() + "/render_atlas_" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".h5";
    write_atlas(p, testing::synthetic_header(), testing::synthetic_rows(0, 1), RunTimings{}, {0, 0, 0}, MPI_COMM_WORLD);
    return p;
  }();
  static const AtlasReader atlas(path);
  return atlas;
}

TEST(Render, NeuronPageHoldsGraphScoresAndBaselines) {
  const std::string dir = ::testing::TempDir() + "/pages_render_test";
  const RenderedFiles files = render_neuron(synthetic_atlas(), 4, dir);
  EXPECT_EQ(files.html, dir + "/L1_N0.html");
  const std::string dot = read(files.dot), html = read(files.html);
  EXPECT_NE(dot.find("label=\"tok5\""), std::string::npos) << dot;   // activating token r + 1
  EXPECT_NE(dot.find("label=\"tok6\""), std::string::npos);          // its context
  EXPECT_NE(dot.find("label=\"tok3\""), std::string::npos);
  // Paths, largest END first: tok6 then tok5 (0.90); tok6, any token, then tok3 (0.60).
  const size_t first = html.find("<td><span class=\"tok\">tok6</span> </td><td><span class=\"tok\">tok5</span></td><td>0.90</td>");
  const size_t second = html.find("<td><span class=\"tok\">tok6</span> <i>any</i> </td><td><span class=\"tok\">tok3</span></td><td>0.60</td>");
  EXPECT_NE(first, std::string::npos) << html;
  EXPECT_NE(second, std::string::npos) << html;
  EXPECT_LT(first, second);
  // Both test sets: the top-window half, then the random windows.
  EXPECT_NE(html.find("<th>N2G</th><td>0.54</td><td>0.75</td><td>0.60</td><td>0.40</td><td>0.54</td><td>0.45</td>"),
            std::string::npos) << html;
  EXPECT_NE(html.find("<th>token lookup</th><td>0.25</td><td>1.00</td><td>0.40</td><td>0.20</td>"), std::string::npos);
  EXPECT_NE(html.find("<th>5-gram lookup</th><td>&ndash;</td>"), std::string::npos);
  // Stored examples, shaded without the model: the first top example of row 4 is a train window
  // (split 0) of window 40; its last token (j = 31) has the scale's full activation, 5.5 of a_max 5.5.
  EXPECT_NE(html.find("train window 40 (max 1.00)"), std::string::npos);
  EXPECT_NE(html.find("title=\"1.00\">tok"), std::string::npos);
  EXPECT_NE(html.find("random window 50 (band 1 of 4)"), std::string::npos);
  EXPECT_NE(html.find("N2G 0.54 / 0.80, token lookup &ndash; / 0.60."), std::string::npos);  // row 4's correlations
  EXPECT_NE(html.find("Output effects"), std::string::npos);
  EXPECT_NE(html.find("Similar neurons"), std::string::npos);
  EXPECT_EQ(html.find("Dead neuron"), std::string::npos);
  EXPECT_EQ(html.find("Near-dead"), std::string::npos);  // density 0.4
  // Row 0 has density 0: near-dead, said so.
  EXPECT_NE(read(render_neuron(synthetic_atlas(), 0, dir).html).find("Near-dead neuron"), std::string::npos);
}

TEST(Render, DeadNeuronPageSaysSoAndShadesNothing) {
  const std::string html = read(render_neuron(synthetic_atlas(), 2, ::testing::TempDir() + "/pages_dead").html);
  EXPECT_NE(html.find("Dead neuron"), std::string::npos);
  EXPECT_NE(html.find("rgba(255,0,0,0.00)"), std::string::npos);
  EXPECT_EQ(html.find("rgba(255,0,0,1.00)"), std::string::npos);
}

TEST(Render, StoredExamplesNeedNeitherModelNorDataset) {
  const AtlasRow row = synthetic_atlas().row(0);
  const auto examples = stored_examples(row, synthetic_atlas().header().vocab);
  ASSERT_EQ(examples.size(), 3u + 2u);  // 3 top examples, 2 quantile examples
  ASSERT_EQ(examples[0].tokens.size(), static_cast<size_t>(kExampleWidth));
  EXPECT_EQ(examples[0].tokens[0], "tok0");
  EXPECT_NEAR(examples[0].normalised[31], 1.0f, 1e-6);          // scale = a_max for row 0
  EXPECT_NEAR(examples[0].normalised[1], 4.0f / 127.0f, 1e-6);  // round(127 / 31) = 4
  EXPECT_EQ(examples[3].label, "random window 50 (band 1 of 4)");
}

TEST(Report, LayerTableFromTheAtlas) {
  const auto reports = layer_reports(synthetic_atlas());
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].ok, 3);
  EXPECT_EQ(reports[0].dead, 1);
  EXPECT_EQ(reports[1].failed, 1);
  // Row 0 has no real firing in either test set: left out of the means and counted.
  EXPECT_EQ(reports[0].top.scored, 2);
  EXPECT_EQ(reports[0].top.left_out, 1);
  EXPECT_NEAR(reports[0].top.n2g.mean.precision, (0.51f + 0.53f) / 2, 1e-6);
  EXPECT_FLOAT_EQ(reports[0].top.token.mean.f1, 0.4f);
  EXPECT_FLOAT_EQ(reports[0].top.token.f1_interval.low, 0.4f);  // every resample of equal values
  EXPECT_FLOAT_EQ(reports[0].top.token.f1_interval.high, 0.4f);
  EXPECT_TRUE(std::isnan(reports[0].top.ngram.mean.precision));
  EXPECT_TRUE(std::isnan(reports[0].top.ngram.f1_interval.low) == false);  // F1 0 is a number
  // Pooled from the counts the recalls imply: rows 1, 3 have 3, 9 firing tokens, recall 0.75.
  EXPECT_NEAR(reports[0].top.n2g_pooled.recall, (2 + 7) / 12.0, 1e-6);
  EXPECT_EQ(reports[0].random.scored, 2);
  EXPECT_NEAR(reports[0].random.n2g.mean.recall, (0.51f + 0.53f) / 2, 1e-6);
  EXPECT_FLOAT_EQ(reports[0].random.token.mean.precision, 0.2f);
  EXPECT_TRUE(std::isnan(reports[0].random.n2g_pooled.f1));
  // Diagnostics of the ok rows 0, 1, 3.
  EXPECT_EQ(reports[0].miss_token_absent, 0 + 1 + 3);
  EXPECT_EQ(reports[0].miss_context_unmatched, 0 + 1 + 0);
  EXPECT_NEAR(reports[0].train_firing_per_window, (1.5f + 2.5f + 4.5f) / 3, 1e-6);
  // Correlations: means over the ok rows 0, 1, 3 that have one (row 0's token r is NaN).
  EXPECT_NEAR(reports[0].graph_random.mean, (0.50f + 0.51f + 0.53f) / 3, 1e-6);
  EXPECT_FLOAT_EQ(reports[0].graph_all.mean, 0.8f);
  EXPECT_FLOAT_EQ(reports[0].token_random.mean, -0.25f);
  EXPECT_FLOAT_EQ(reports[0].token_random.interval.high, -0.25f);
  EXPECT_NE(format_reports(reports, "text").find("0      0.51 [0.50-0.53]     0.80 [0.80-0.80]     -0.25 [-0.25--0.25]"),
            std::string::npos)
      << format_reports(reports, "text");
  EXPECT_NE(format_reports(reports, "csv").find(",r_graph_random,r_graph_random_low,r_graph_random_high,r_graph_all"),
            std::string::npos);
  EXPECT_NE(format_reports(reports, "markdown").find("| 0 | 4 (3 / 1 / 0) | top | 2 (1) | 0.52 / 0.75 / 0.60 |"),
            std::string::npos);
  EXPECT_NE(format_reports(reports, "markdown").find("| 0 | 4 (3 / 1 / 0) | random | 2 (1) | 0.40 / 0.52 / 0.45 |"),
            std::string::npos);
}

}  // namespace
}  // namespace n2g
