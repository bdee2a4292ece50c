// n2g_compare's table from two synthetic atlases (tests/support/synthetic_atlas.h, known values),
// worked by hand, and its refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "../../support/synthetic_atlas.h"
#include "n2g/app/compare.h"
#include "n2g/app/compare_page.h"
#include "n2g/errors.h"
#include "n2g/io/hdf5.h"

namespace n2g {
namespace {

namespace fs = std::filesystem;

std::string write(const std::string& name, const std::string& config, const std::string& dataset, int64_t parameters) {
  const std::string path = ::testing::TempDir() + "/" + name;
  AtlasHeader header = testing::synthetic_header();
  header.config = config;
  header.dataset = dataset;
  header.parameters = parameters;
  write_atlas(path, header, testing::synthetic_rows(0, 1), RunTimings{}, {0, 0, 0}, MPI_COMM_WORLD);
  return path;
}

TEST(Compare, RowsPerLayerAndAtlasByHand) {
  const std::string a = write("compare_a.h5", "fit: {method: n2g}\n", "synthetic.h5", 1000);
  const std::string b = write("compare_b.h5", "model: {path: synthetic}\n", "other.h5", 0);
  const auto rows = compare_atlases({a, b});
  ASSERT_EQ(rows.size(), 6u);  // layers 0, 1 and the whole atlas, twice
  const ComparisonRow& layer0 = rows[0];
  EXPECT_EQ(layer0.layer, 0);
  EXPECT_EQ(layer0.method, "n2g");
  EXPECT_EQ(layer0.parameters, 1000);
  EXPECT_FLOAT_EQ(layer0.relative_depth, 0.25f);  // (0 + 0.5) / 2 layers
  EXPECT_EQ(layer0.neurons, 4);
  EXPECT_EQ(layer0.ok, 3);         // rows 0, 1, 3
  EXPECT_EQ(layer0.dead, 1);       // row 2
  EXPECT_EQ(layer0.near_dead, 1);  // row 0: density 0
  // Scored on the top-window half: rows 1 and 3 (row 0 has no real firing): F1 0.6 each.
  EXPECT_FLOAT_EQ(layer0.top_f1.mean, 0.6f);
  EXPECT_EQ(layer0.top_f1.neurons, 2);
  EXPECT_FLOAT_EQ(layer0.top_f1.interval.low, 0.6f);
  EXPECT_FLOAT_EQ(layer0.random_f1.mean, 0.45f);
  EXPECT_FLOAT_EQ(layer0.top_token_f1.mean, 0.4f);
  EXPECT_FLOAT_EQ(layer0.share_f1_at_least_0_8, 0.0f);
  EXPECT_NEAR(layer0.graph_correlation.mean, (0.50f + 0.51f + 0.53f) / 3, 1e-6);
  std::vector<float> nodes{static_cast<float>(testing::synthetic_row(0).graph.size()),
                           static_cast<float>(testing::synthetic_row(1).graph.size()),
                           static_cast<float>(testing::synthetic_row(3).graph.size())};
  std::sort(nodes.begin(), nodes.end());
  EXPECT_FLOAT_EQ(layer0.median_graph_nodes, nodes[1]);
  const ComparisonRow& layer1 = rows[1];  // rows 4, 6 ok, 5 failed
  EXPECT_EQ(layer1.ok, 2);
  EXPECT_FLOAT_EQ(layer1.relative_depth, 0.75f);
  EXPECT_NEAR(layer1.graph_correlation.mean, (0.54f + 0.56f) / 2, 1e-6);
  const ComparisonRow& whole = rows[2];
  EXPECT_EQ(whole.layer, -1);
  EXPECT_TRUE(std::isnan(whole.relative_depth));
  EXPECT_EQ(whole.neurons, 7);
  EXPECT_EQ(whole.ok, 5);
  EXPECT_EQ(whole.top_f1.neurons, 4);
  EXPECT_EQ(rows[3].method, "n2g+");  // named by no config: the default
  EXPECT_EQ(rows[3].parameters, 0);   // unknown

  const std::string text = format_comparison(rows, "text");
  EXPECT_NE(text.find("note: the atlases differ in method, dataset"), std::string::npos) << text;
  EXPECT_NE(text.find("0.60 [0.60-0.60]"), std::string::npos) << text;
  const std::string csv = format_comparison(rows, "csv");
  EXPECT_EQ(csv.rfind("atlas,model,method,hook,dataset,parameters,n_layers,d_mlp,layer,relative_depth,", 0), 0u) << csv;
  EXPECT_NE(csv.find(",\"all\",nan,7,5,1,1,"), std::string::npos) << csv;
  const std::string json = format_comparison(rows, "json");
  EXPECT_NE(json.find("\"parameters\": 1000.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"parameters\": null"), std::string::npos);
  EXPECT_THROW(format_comparison(rows, "xml"), UsageError);
}

// The page plots each row's figures: every point carries its data (relative depth 0.25 / 0.75 and
// F1 0.6 of both synthetic atlases, the share 0 per layer; the size plot only for the atlas whose
// parameters are known), and links the web atlas given for the first atlas only.
TEST(Compare, PagePlotsTheRowsAndLinksTheSites) {
  const std::string a = write("page_a.h5", "fit: {method: n2g}\n", "synthetic.h5", 1000);
  const std::string b = write("page_b.h5", "", "synthetic.h5", 0);
  const std::string page = comparison_page(compare_atlases({a, b}), {"a/index.html"});
  const auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = page.find(what); at != std::string::npos; at = page.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("<svg"), 4u);
  EXPECT_EQ(count("data-x=\"0.25\" data-y=\"0.6000\""), 2u);  // top-window F1 of layer 0, both atlases
  EXPECT_EQ(count("data-x=\"0.25\" data-y=\"0.4500\""), 2u);  // random windows
  EXPECT_EQ(count("data-x=\"0.75\" data-y=\"0.0000\""), 2u);  // share F1 >= 0.8 of layer 1
  EXPECT_EQ(count("data-x=\"1000\""), 2u);                      // F1 and cost against size: atlas a only
  EXPECT_EQ(count("<a href=\"a/index.html\">web atlas</a>"), 1u);
  EXPECT_EQ(count("<tr><td>"), 6u);  // the table's rows
}

std::string error_of(const std::vector<std::string>& paths) {
  try {
    compare_atlases(paths);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(Compare, RefusesTheSameAtlasTwiceAndWhatIsNoAtlas) {
  const std::string a = write("compare_twice.h5", "", "synthetic.h5", 0);
  EXPECT_NE(error_of({a, a}).find("is given twice"), std::string::npos);
  const std::string link = ::testing::TempDir() + "/compare_link.h5";
  fs::remove(link);
  fs::create_symlink(a, link);
  EXPECT_NE(error_of({a, link}).find("compare_link.h5 is given twice (as "), std::string::npos);
  EXPECT_NE(error_of({}).find("at least one atlas"), std::string::npos);
  const std::string old = ::testing::TempDir() + "/compare_v1.h5";
  fs::copy_file(a, old, fs::copy_options::overwrite_existing);
  {
    h5::Handle f = h5::open_file(old, true);
    h5::write_attribute(f, "format_version", int64_t{1});
  }
  EXPECT_NE(error_of({a, old}).find("format_version 1"), std::string::npos);
  EXPECT_NE(error_of({a, ::testing::TempDir() + "/absent.h5"}).find("absent.h5"), std::string::npos);
}

}  // namespace
}  // namespace n2g
