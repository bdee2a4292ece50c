// n2g_plant model DIR [--seed S]
// n2g_plant corpus DIR OUT.h5 [--windows N] [--window-len L] [--seed S]
#include <iostream>

#include "n2g/app/plant.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_plant", [&] {
    std::string what, dir, output, seed = "0", windows = "400", window_len = "64";
    n2g::ArgParser args("n2g_plant", "Writes a GPT-2-format model whose MLP neurons implement known rules "
                                     "(planted.json lists them), or a token dataset where their patterns occur.");
    args.positional("model|corpus", what, "what to write");
    args.positional("DIR", dir, "the model directory");
    args.positional("OUT.h5", output, "the dataset (corpus only)", false);
    args.option("seed", seed, "random seed (default 0)");
    args.option("windows", windows, "corpus windows (default 400)");
    args.option("window-len", window_len, "tokens per window (default 64)");
    if (!args.parse(argc, argv)) return 0;
    const auto s = static_cast<uint64_t>(n2g::parse_integer(seed, "--seed"));
    if (what == "model") {
      for (const auto& rule : n2g::write_planted_model(dir, s).rules)
        std::cout << "layer " << rule.layer << " neuron " << rule.neuron << ": " << rule.rule << "\n";
    } else if (what == "corpus") {
      if (output.empty()) throw n2g::UsageError("corpus needs OUT.h5");
      n2g::write_planted_corpus(dir, output, n2g::parse_integer(windows, "--windows"),
                                n2g::parse_integer(window_len, "--window-len"), s);
      std::cout << output << "\n";
    } else {
      throw n2g::UsageError("expected 'model' or 'corpus', got '" + what + "'");
    }
    return 0;
  });
}
