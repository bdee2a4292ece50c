// n2g_prepare --model MODEL_DIR --window-len N --output OUT.h5 INPUT...
#include <filesystem>
#include <iostream>

#include "n2g/app/prepare.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_prepare", [&] {
    n2g::PrepareRequest request;
    std::string window_len;
    bool quiet = false;
    n2g::ArgParser args("n2g_prepare",
                        "Tokenizes plain-text files (one document each) or JSON-lines files (one document per line, "
                        "field \"text\") into a token dataset of fixed-length windows.");
    args.option("model", request.model_dir, "model directory whose tokenizer to use");
    args.option("window-len", window_len, "tokens per window");
    args.option("output", request.output, "dataset file to write (.h5)");
    args.option("source", request.source, "description stored in the dataset (default: input file names)");
    args.flag("quiet", quiet, "no progress line");
    args.flag("allow-binary", request.allow_binary, "tokenize inputs that look compressed or binary instead of refusing them");
    args.positionals("INPUT", request.inputs, "input .txt or .jsonl files (any number, e.g. corpus/*.jsonl)");
    if (!args.parse(argc, argv)) return 0;
    if (request.model_dir.empty() || window_len.empty() || request.output.empty())
      throw n2g::UsageError("--model, --window-len and --output are required");
    request.window_len = n2g::parse_integer(window_len, "--window-len");
    n2g::ensure_output_directory(std::filesystem::path(request.output).parent_path().string(), "--output");
    request.progress = !quiet;
    const n2g::PrepareSummary summary = n2g::prepare_dataset(request, std::cerr);
    std::cout << request.output << ": " << summary.documents << " documents, " << summary.tokens << " tokens, "
              << summary.windows << " windows of " << request.window_len << "\n";
    return 0;
  });
}
