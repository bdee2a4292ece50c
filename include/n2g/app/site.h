// `n2g_report --html DIR`: the static web atlas (tools/viewer; ARCHITECTURE.md, "The web atlas").
// From the atlas alone it writes the viewer's assets and small data files: data/atlas.js (layer
// tables and one column per neuron field), data/graphs.js (every graph, for text search), data/
// index.js (token -> neurons) and data/shard-K.js (examples, histograms, output effects, similar
// neurons of SiteShard neurons each, loaded when a neuron is opened). Every data file is a script
// (`N2G.load(name, data)`), so that the site opens from the file system without a server.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "n2g/io/atlas.h"

namespace n2g {

constexpr int64_t kSiteShard = 256;  // neurons per shard file

struct SiteFiles {
  std::string index;   // DIR/index.html
  int64_t files = 0;   // files written
  int64_t bytes = 0;   // their total size
};

// Writes the site into `dir` all or nothing: into a fresh staging directory beside it, swapped in
// when complete (io/staged.h), under an exclusive lock on `<dir>.lock` (a second writer of the same
// site is refused, naming the first). `dir` may be new, empty, or a site n2g wrote (it holds the
// marker `.n2g-site` and only the site's own files); anything else is refused before any work, and
// on any failure an earlier site at `dir` stays as it was. `progress(done)` after each shard.
SiteFiles write_site(const AtlasReader& atlas, const std::string& dir, const std::function<void(int64_t)>& progress = {});

}  // namespace n2g
