// n2g_query ATLAS --activating TOKEN [--context TOKEN]... [--limit N] [--json]
#include <iostream>

#include "n2g/app/query.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_query", [&] {
    std::string path, activating, limit = "0";
    bool json = false;
    std::vector<std::string> context;
    n2g::ArgParser args("n2g_query", "Lists the neurons whose graph activates on a token (with the given context "
                                     "tokens), best firing F1 first. Tokens are ids or exact text, e.g. ' Captain'.");
    args.positional("ATLAS", path, "atlas written by n2g_sweep");
    args.option("activating", activating, "the token the neuron fires on");
    args.list("context", context, "a context token the graph must use (repeatable)");
    args.option("limit", limit, "show at most this many neurons (default 0: all)");
    args.flag("json", json, "a JSON array of the neurons instead of the table");
    if (!args.parse(argc, argv)) return 0;
    if (activating.empty()) throw n2g::UsageError("--activating TOKEN is required");
    const n2g::AtlasReader atlas(path);
    std::vector<int32_t> context_ids;
    for (const auto& c : context) context_ids.push_back(n2g::resolve_token(atlas.header().vocab, c));
    const int64_t most = n2g::parse_integer(limit, "--limit");
    if (most < 0) throw n2g::UsageError("--limit: expected 0 (all) or more, got " + limit);
    const int32_t token = n2g::resolve_token(atlas.header().vocab, activating);
    const auto hits = n2g::query_atlas(atlas, token, context_ids);
    if (json) std::cout << n2g::format_hits_json(hits, static_cast<size_t>(most));
    else
      std::cout << n2g::format_hits(hits, static_cast<size_t>(most), atlas.header(),
                                    hits.empty() ? atlas.rows_activating_on(token).size() : 0,
                                    hits.empty() ? n2g::activating_alternatives(atlas, token)
                                                 : std::vector<std::pair<int32_t, size_t>>{});
    return 0;
  });
}
