// n2g_probe MODEL_DIR (--text "..." | --tokens 1,2,3) --layer L [--neuron N ...] [--hook mlp.hook_post] [--json]
#include <iostream>

#include "n2g/app/probe.h"
#include "n2g/cli/args.h"
#include "n2g/errors.h"

int main(int argc, char** argv) {
  return n2g::run_program("n2g_probe", [&] {
    n2g::ProbeRequest request;
    std::string text, layer = "0", hook = request.hook, top = "5", device = request.device;
    std::vector<std::string> tokens, neurons;
    bool json = false, no_bos = false;
    n2g::ArgParser args("n2g_probe", "Prints each token with its id and chosen neurons' activations (TransformerLens hook names).");
    args.positional("MODEL_DIR", request.model_dir, "model directory (config.json, safetensors, tokenizer)");
    args.option("text", text, "text to tokenize with the model's tokenizer");
    args.list("tokens", tokens, "token ids instead of text, e.g. 464,2068");
    args.option("layer", layer, "layer to read (default 0)");
    args.list("neuron", neurons, "neuron indices (default: the layer's most active)");
    args.option("hook", hook, "mlp.hook_pre | mlp.hook_mid | mlp.hook_post (default)");
    args.option("top", top, "how many neurons to show when none is given (default 5)");
    args.option("device", device, "cpu (default) | cuda | auto");
    args.flag("no-bos", no_bos, "do not prepend the BOS token");
    args.flag("json", json, "print JSON instead of a table");
    if (!args.parse(argc, argv)) return 0;
    if (text.empty() == tokens.empty()) throw n2g::UsageError("give exactly one of --text and --tokens");
    if (!text.empty()) request.text = text;
    for (const auto& t : tokens) request.tokens.push_back(static_cast<int32_t>(n2g::parse_integer(t, "--tokens")));
    for (const auto& n : neurons) request.neurons.push_back(static_cast<int32_t>(n2g::parse_integer(n, "--neuron")));
    request.layer = static_cast<int>(n2g::parse_integer(layer, "--layer"));
    request.top = static_cast<int>(n2g::parse_integer(top, "--top"));
    request.hook = hook;
    request.device = device;
    request.prepend_bos = !no_bos;
    const n2g::ProbeResult result = n2g::probe(request);
    std::cout << (json ? n2g::probe_json(result) : n2g::probe_table(result));
    return 0;
  });
}
