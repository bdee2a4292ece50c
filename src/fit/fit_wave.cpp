#include "n2g/fit/fit_wave.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

#include "n2g/fit/augment.h"
#include "n2g/fit/baselines.h"
#include "n2g/fit/lines.h"
#include "n2g/fit/prune.h"
#include "n2g/fit/saliency.h"

namespace n2g {

FitCosts& FitCosts::operator+=(const FitCosts& other) {
  for (auto stage : {&FitCosts::windows, &FitCosts::prune, &FitCosts::saliency, &FitCosts::augment, &FitCosts::evaluate}) {
    (this->*stage).forward_tokens += (other.*stage).forward_tokens;
    (this->*stage).seconds += (other.*stage).seconds;
  }
  return *this;
}

StageCost FitCosts::total() const {
  StageCost sum;
  for (const StageCost* stage : {&windows, &prune, &saliency, &augment, &evaluate}) {
    sum.forward_tokens += stage->forward_tokens;
    sum.seconds += stage->seconds;
  }
  return sum;
}

namespace {

// Adds the oracle's forward tokens and the wall time between construction and destruction to a stage.
class StageMeter {
 public:
  StageMeter(const ActivationOracle& oracle, StageCost& cost)
      : oracle_(oracle), cost_(cost), tokens_(oracle.forward_tokens()), start_(std::chrono::steady_clock::now()) {}
  ~StageMeter() {
    cost_.forward_tokens += oracle_.forward_tokens() - tokens_;
    cost_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  const ActivationOracle& oracle_;
  StageCost& cost_;
  int64_t tokens_;
  std::chrono::steady_clock::time_point start_;
};

std::vector<bool> special_positions(const std::vector<int32_t>& tokens, const TokenTable& table) {
  std::vector<bool> skip(tokens.size());
  for (size_t j = 0; j < tokens.size(); ++j) skip[j] = table.is_special(tokens[j]);
  return skip;
}

std::vector<float> scaled(const std::vector<float>& values, float factor) {
  std::vector<float> out(values.size());
  for (size_t j = 0; j < values.size(); ++j) out[j] = values[j] * factor;
  return out;
}

// The wave as every stage sees it: each task's windows with the neuron's activations, and its fit.
struct Wave {
  const std::vector<NeuronTask>& tasks;
  std::vector<NeuronFit> fits;
  std::vector<std::vector<std::vector<int32_t>>> test;              // [task][window] cut to eval.max_tokens
  std::vector<std::vector<std::vector<float>>> train_acts, test_acts;  // [task][window][position]

  void check(size_t task, const std::vector<float>& values, const char* stage) {
    if (fits[task].failed) return;
    for (float v : values)
      if (std::isnan(v)) {
        fits[task].failed = true;
        fits[task].error = std::string("NaN activation during ") + stage;
        return;
      }
  }
};

Wave make_wave(const std::vector<NeuronTask>& tasks, const EvalParams& eval) {
  Wave wave{tasks, std::vector<NeuronFit>(tasks.size()), {}, {}, {}};
  wave.test.resize(tasks.size());
  for (size_t t = 0; t < tasks.size(); ++t) {
    if (!(tasks[t].a_max > 0.0f)) {
      wave.fits[t].failed = true;
      wave.fits[t].error = "a_max must be > 0 to fit a graph";
    }
    for (const auto& window : tasks[t].test)
      wave.test[t].emplace_back(window.begin(), window.begin() + std::min(window.size(), static_cast<size_t>(eval.max_tokens)));
  }
  return wave;
}

// Stage 0: the neuron's activations on its windows, from the scan or from one oracle call.
void window_activations(ActivationOracle& oracle, Wave& wave) {
  const auto& tasks = wave.tasks;
  wave.train_acts.resize(tasks.size());
  wave.test_acts.resize(tasks.size());
  std::vector<NeuronSequence> batch;
  std::vector<std::vector<float>*> destination;
  for (size_t t = 0; t < tasks.size(); ++t) {
    const bool scanned = !tasks[t].train_activations.empty() || !tasks[t].test_activations.empty();
    if (scanned) {
      wave.train_acts[t] = tasks[t].train_activations;
      for (size_t w = 0; w < tasks[t].test.size(); ++w) {
        const auto& values = tasks[t].test_activations[w];
        wave.test_acts[t].emplace_back(values.begin(), values.begin() + wave.test[t][w].size());
      }
    } else {
      wave.train_acts[t].resize(tasks[t].train.size());
      wave.test_acts[t].resize(tasks[t].test.size());
      for (size_t w = 0; w < tasks[t].train.size(); ++w) {
        batch.push_back({tasks[t].neuron, tasks[t].train[w]});
        destination.push_back(&wave.train_acts[t][w]);
      }
      for (size_t w = 0; w < tasks[t].test.size(); ++w) {
        batch.push_back({tasks[t].neuron, wave.test[t][w]});
        destination.push_back(&wave.test_acts[t][w]);
      }
    }
  }
  if (!batch.empty()) {
    auto values = oracle.activations(batch);
    for (size_t row = 0; row < batch.size(); ++row) *destination[row] = std::move(values[row]);
  }
  for (size_t t = 0; t < tasks.size(); ++t) {
    for (const auto& values : wave.train_acts[t]) wave.check(t, values, "the window pass");
    for (const auto& values : wave.test_acts[t]) wave.check(t, values, "the window pass");
  }
}

// A pruned prompt with its neuron's task and what the later stages learn about it.
struct Prompt {
  size_t task;
  PrunedPrompt pruned;
  NeuronSequence sequence;
  float factor;  // normalises its activations: scale / a_max
};

// Stage 1: prune the train windows of every neuron that has not failed.
std::vector<Prompt> prune_wave(ActivationOracle& oracle, const TokenTable& table, const PruneParams& params, const Wave& wave) {
  std::vector<WindowActivations> inputs;
  std::vector<size_t> input_task;
  for (size_t t = 0; t < wave.tasks.size(); ++t) {
    if (wave.fits[t].failed) continue;
    for (size_t w = 0; w < wave.tasks[t].train.size(); ++w) {
      inputs.push_back({wave.tasks[t].neuron, &wave.tasks[t].train[w], &wave.train_acts[t][w]});
      input_task.push_back(t);
    }
  }
  std::vector<Prompt> prompts;
  for (auto& pruned : prune(oracle, table, params, inputs)) {
    const size_t t = input_task[pruned.window];
    NeuronSequence sequence{wave.tasks[t].neuron, pruned.tokens};
    const float factor = pruned.scale / wave.tasks[t].a_max;
    prompts.push_back({t, std::move(pruned), std::move(sequence), factor});
  }
  return prompts;
}

// The last position whose normalised activation makes a line (-1 if none): the last importance
// column that make_lines reads for a sample.
int32_t last_activating(const std::vector<int32_t>& tokens, const std::vector<float>& activations, float factor,
                        const TokenTable& table, const GraphParams& params) {
  for (int32_t j = static_cast<int32_t>(tokens.size()) - 1; j >= 0; --j)
    if (!table.is_special(tokens[j]) && activations[j] * factor > params.activation_threshold) return j;
  return -1;
}

// Stage 2: saliency of the pruned prompts. Augmentation reads the pivot's column (I[pivot][pivot]
// included), lines the activating columns above the diagonal; with augmentation on, the augmented
// samples' lines also read the prompt's columns at their own activating positions, so every
// column is computed.
std::vector<Saliency> prompt_saliency(ActivationOracle& oracle, const TokenTable& table, const FitParams& fit,
                                      int32_t mask_token, const std::vector<Prompt>& prompts, Wave& wave) {
  std::vector<NeuronSequence> sequences;
  for (const Prompt& prompt : prompts) sequences.push_back(prompt.sequence);
  auto activations = oracle.activations(sequences);
  const bool augmenting = fit.augment.method != AugmentMethod::none && fit.augment.max_substitutes > 0;
  std::vector<int32_t> last_column;
  for (size_t p = 0; p < prompts.size(); ++p) {
    const auto& tokens = prompts[p].sequence.tokens;
    wave.check(prompts[p].task, activations[p], "saliency");
    last_column.push_back(augmenting ? static_cast<int32_t>(tokens.size()) - 1
                                     : std::max(prompts[p].pruned.pivot, last_activating(tokens, activations[p], prompts[p].factor,
                                                                                         table, fit.graph)));
  }
  return saliency_columns(oracle, mask_token, sequences, std::move(activations), last_column, augmenting);
}

// Stage 3: augmentations of every prompt and their saliency (their own activating columns).
struct AugmentedSamples {
  std::vector<std::vector<Augmented>> kept;  // [prompt][augmentation]
  std::vector<Saliency> saliency;            // in the order of `kept`, flattened
};

AugmentedSamples augment_wave(ActivationOracle& oracle, const TokenTable& table, const FitParams& fit, int32_t mask_token,
                              const std::vector<Prompt>& prompts, const std::vector<Saliency>& prompt_saliency, Wave& wave) {
  std::vector<AugmentInput> inputs;
  for (size_t p = 0; p < prompts.size(); ++p) inputs.push_back({&prompts[p].sequence, prompts[p].pruned.pivot, &prompt_saliency[p]});
  AugmentedSamples samples{augment(oracle, table, fit.augment, inputs), {}};
  std::vector<NeuronSequence> sequences;
  std::vector<std::vector<float>> activations;
  std::vector<int32_t> last_column;
  for (size_t p = 0; p < prompts.size(); ++p)
    for (auto& augmented : samples.kept[p]) {
      wave.check(prompts[p].task, augmented.activations, "augmentation");
      last_column.push_back(last_activating(augmented.tokens, augmented.activations, prompts[p].factor, table, fit.graph));
      sequences.push_back({prompts[p].sequence.neuron, augmented.tokens});
      activations.push_back(augmented.activations);
    }
  samples.saliency = saliency_columns(oracle, mask_token, sequences, std::move(activations), last_column, false);
  return samples;
}

// Stage 4 (host): each prompt's group of samples becomes lines of its neuron's graph.
void build_graphs(const TokenTable& table, const GraphParams& params, const std::vector<Prompt>& prompts,
                  const std::vector<Saliency>& prompt_saliency, const AugmentedSamples& augmented, Wave& wave) {
  for (size_t p = 0, a = 0; p < prompts.size(); ++p) {
    const Prompt& prompt = prompts[p];
    std::vector<Sample> group{{&prompt.sequence.tokens, scaled(prompt_saliency[p].activations, prompt.factor), &prompt_saliency[p]}};
    for (const auto& sample : augmented.kept[p]) {
      group.push_back({&sample.tokens, scaled(augmented.saliency[a].activations, prompt.factor), &augmented.saliency[a]});
      ++a;
    }
    NeuronFit& fit = wave.fits[prompt.task];
    if (fit.failed) continue;
    for (const Line& line : make_lines(group, table, params)) fit.graph.insert(line);
    ++fit.prompts;
    fit.augmented += static_cast<int64_t>(augmented.kept[p].size());
  }
}

NeuronScores score_predictor(const std::vector<std::vector<int32_t>>& windows, const std::vector<std::vector<float>>& real,
                             const std::vector<std::vector<float>>& predicted, const TokenTable& table, double fire_threshold) {
  ConfusionCounts counts;
  for (size_t w = 0; w < windows.size(); ++w)
    count_firings(real[w], predicted[w], special_positions(windows[w], table), fire_threshold, counts);
  return score(counts);
}

// Stage 5 (host): the graph and the baselines on the test windows.
void evaluate(const TokenTable& table, const EvalParams& eval, Wave& wave) {
  const auto skip = [&table](int32_t token) { return table.is_special(token); };
  for (size_t t = 0; t < wave.tasks.size(); ++t) {
    NeuronFit& fit = wave.fits[t];
    if (fit.failed) continue;
    try {
      fit.graph.merge_ignores();
      const float inverse = 1.0f / wave.tasks[t].a_max;
      LookupBaseline token_lookup(0), ngram_lookup(kNgramContext);
      for (size_t w = 0; w < wave.tasks[t].train.size(); ++w) {
        const auto normalised = scaled(wave.train_acts[t][w], inverse);
        token_lookup.fit(wave.tasks[t].train[w], normalised);
        ngram_lookup.fit(wave.tasks[t].train[w], normalised);
      }
      std::vector<std::vector<float>> real, graph_predicted, token_predicted, ngram_predicted;
      for (size_t w = 0; w < wave.test[t].size(); ++w) {
        const auto& tokens = wave.test[t][w];
        real.push_back(scaled(wave.test_acts[t][w], inverse));
        graph_predicted.push_back(fit.graph.predict(tokens, skip));
        token_predicted.push_back(token_lookup.predict(tokens));
        ngram_predicted.push_back(ngram_lookup.predict(tokens));
      }
      fit.scores = score_predictor(wave.test[t], real, graph_predicted, table, eval.fire_threshold);
      if (eval.baselines) {
        fit.token_baseline = score_predictor(wave.test[t], real, token_predicted, table, eval.fire_threshold);
        fit.ngram_baseline = score_predictor(wave.test[t], real, ngram_predicted, table, eval.fire_threshold);
      }
    } catch (const std::exception& error) {
      fit.failed = true;
      fit.error = error.what();
    }
  }
}

}  // namespace

std::vector<NeuronFit> fit_wave(ActivationOracle& oracle, const TokenTable& table, const FitParams& fit,
                                const EvalParams& eval, int32_t mask_token, const std::vector<NeuronTask>& tasks,
                                FitCosts* costs) {
  FitCosts local;
  Wave wave = make_wave(tasks, eval);
  {
    StageMeter meter(oracle, local.windows);
    window_activations(oracle, wave);
  }
  std::vector<Prompt> prompts;
  {
    StageMeter meter(oracle, local.prune);
    prompts = prune_wave(oracle, table, fit.prune, wave);
  }
  std::vector<Saliency> saliency;
  {
    StageMeter meter(oracle, local.saliency);
    saliency = prompt_saliency(oracle, table, fit, mask_token, prompts, wave);
  }
  AugmentedSamples augmented;
  {
    StageMeter meter(oracle, local.augment);
    augmented = augment_wave(oracle, table, fit, mask_token, prompts, saliency, wave);
  }
  {
    StageMeter meter(oracle, local.evaluate);
    build_graphs(table, fit.graph, prompts, saliency, augmented, wave);
    evaluate(table, eval, wave);
  }
  if (costs) *costs += local;
  return std::move(wave.fits);
}

}  // namespace n2g
