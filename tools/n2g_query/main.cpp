// n2g_query ATLAS --activating TOKEN [--context TOKEN]...
#include <iostream>

#include "n2g/app/query.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_query", [&] {
    std::string path, activating;
    std::vector<std::string> context;
    n2g::ArgParser args("n2g_query", "Lists the neurons whose graph activates on a token (with the given context "
                                     "tokens), best firing F1 first. Tokens are ids or exact text, e.g. ' Captain'.");
    args.positional("ATLAS", path, "atlas written by n2g_sweep");
    args.option("activating", activating, "the token the neuron fires on");
    args.list("context", context, "a context token the graph must use (repeatable)");
    if (!args.parse(argc, argv)) return 0;
    if (activating.empty()) throw n2g::UsageError("--activating TOKEN is required");
    const n2g::AtlasReader atlas(path);
    std::vector<int32_t> context_ids;
    for (const auto& c : context) context_ids.push_back(n2g::resolve_token(atlas.header().vocab, c));
    const auto hits = n2g::query_atlas(atlas, n2g::resolve_token(atlas.header().vocab, activating), context_ids);
    std::cout << n2g::format_hits(hits);
    return 0;
  });
}
