#include "n2g/fit/fit_wave.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <set>

#include "n2g/fit/augment.h"
#include "n2g/fit/baselines.h"
#include "n2g/fit/calibrate.h"
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
  std::vector<std::vector<std::vector<int32_t>>> random_test;       // [task][window] cut to eval.max_tokens
  std::vector<std::vector<std::vector<float>>> train_acts, test_acts;  // [task][window][position]
  std::vector<std::vector<std::vector<float>>> random_train_acts, random_test_acts;

  void check(size_t task, const std::vector<float>& values, const char* stage) {
    if (fits[task].failed) return;
    for (float v : values)
      if (!std::isfinite(v)) {
        fits[task].failed = true;
        fits[task].error = std::string("NaN or infinite activation during ") + stage;
        return;
      }
  }
};

Wave make_wave(const std::vector<NeuronTask>& tasks, const EvalParams& eval) {
  Wave wave{tasks, std::vector<NeuronFit>(tasks.size()), {}, {}, {}, {}, {}, {}};
  wave.test.resize(tasks.size());
  wave.random_test.resize(tasks.size());
  for (size_t t = 0; t < tasks.size(); ++t) {
    if (!(tasks[t].a_max > 0.0f)) {
      wave.fits[t].failed = true;
      wave.fits[t].error = "a_max must be > 0 to fit a graph";
    }
    const auto cut = [&eval](const std::vector<int32_t>& window) {
      return std::vector<int32_t>(window.begin(), window.begin() + std::min(window.size(), static_cast<size_t>(eval.max_tokens)));
    };
    for (const auto& window : tasks[t].test) wave.test[t].push_back(cut(window));
    for (const auto& window : tasks[t].random_test) wave.random_test[t].push_back(cut(window));
  }
  return wave;
}

// Stage 0: the neuron's activations on its windows, from the scan or, where a task has none, from
// one oracle call (the neurons of a wave mostly share the random windows, so each runs once).
void window_activations(ActivationOracle& oracle, Wave& wave) {
  const auto& tasks = wave.tasks;
  wave.train_acts.resize(tasks.size());
  wave.test_acts.resize(tasks.size());
  wave.random_train_acts.resize(tasks.size());
  wave.random_test_acts.resize(tasks.size());
  std::vector<NeuronSequence> batch;
  std::vector<std::vector<float>*> destination;
  for (size_t t = 0; t < tasks.size(); ++t) {
    const auto ask = [&](const std::vector<std::vector<int32_t>>& windows, std::vector<std::vector<float>>& values) {
      values.resize(windows.size());
      for (size_t w = 0; w < windows.size(); ++w) {
        batch.push_back({tasks[t].neuron, windows[w]});
        destination.push_back(&values[w]);
      }
    };
    if (tasks[t].random_train_activations.size() == tasks[t].random_train.size() &&
        tasks[t].random_test_activations.size() == tasks[t].random_test.size() &&
        !(tasks[t].random_train.empty() && tasks[t].random_test.empty())) {
      wave.random_train_acts[t] = tasks[t].random_train_activations;
      for (size_t w = 0; w < wave.random_test[t].size(); ++w) {
        const auto& values = tasks[t].random_test_activations[w];
        wave.random_test_acts[t].emplace_back(values.begin(), values.begin() + wave.random_test[t][w].size());
      }
    } else {
      ask(tasks[t].random_train, wave.random_train_acts[t]);
      ask(wave.random_test[t], wave.random_test_acts[t]);
    }
    const bool scanned = !tasks[t].train_activations.empty() || !tasks[t].test_activations.empty();
    if (scanned) {
      wave.train_acts[t] = tasks[t].train_activations;
      for (size_t w = 0; w < tasks[t].test.size(); ++w) {
        const auto& values = tasks[t].test_activations[w];
        wave.test_acts[t].emplace_back(values.begin(), values.begin() + wave.test[t][w].size());
      }
    } else {
      ask(tasks[t].train, wave.train_acts[t]);
      ask(wave.test[t], wave.test_acts[t]);
    }
  }
  if (!batch.empty()) {
    auto values = oracle.activations(batch);
    for (size_t row = 0; row < batch.size(); ++row) *destination[row] = std::move(values[row]);
  }
  for (size_t t = 0; t < tasks.size(); ++t) {
    for (const auto& values : wave.train_acts[t]) wave.check(t, values, "the window pass");
    for (const auto& values : wave.test_acts[t]) wave.check(t, values, "the window pass");
    for (const auto& values : tasks[t].extra_train_activations) wave.check(t, values, "the window pass");
    for (const auto& values : wave.random_train_acts[t]) wave.check(t, values, "the window pass");
    for (const auto& values : wave.random_test_acts[t]) wave.check(t, values, "the window pass");
  }
}

// A pruned prompt with its neuron's task and what the later stages learn about it.
struct Prompt {
  size_t task;
  PrunedPrompt pruned;
  NeuronSequence sequence;
  float factor;  // normalises its activations: scale / a_max
};

// n2g+ pivots of one train window: its argmax, then the other positions above the activation
// threshold, largest first, up to plus.max_pivots; a position whose token and max_context tokens
// before it repeat an earlier pivot of the neuron is left out (`seen`): it would prune the same.
std::vector<int32_t> plus_pivots(const NeuronTask& task, const std::vector<float>& activations, size_t window,
                                 const TokenTable& table, const FitParams& fit, std::set<std::vector<int32_t>>& seen) {
  const auto& tokens = task.train[window];
  std::vector<int32_t> order;
  for (int32_t j : find_pivots(tokens, activations, table, fit.prune.pivot_threshold)) order.push_back(j);
  std::vector<int32_t> others;
  for (size_t j = 0; j < tokens.size(); ++j)
    if (!table.is_special(tokens[j]) && activations[j] / task.a_max > fit.graph.activation_threshold &&
        std::find(order.begin(), order.end(), static_cast<int32_t>(j)) == order.end())
      others.push_back(static_cast<int32_t>(j));
  std::stable_sort(others.begin(), others.end(), [&](int32_t a, int32_t b) { return activations[a] > activations[b]; });
  order.insert(order.end(), others.begin(), others.end());
  std::vector<int32_t> pivots;
  for (int32_t j : order) {
    if (static_cast<int>(pivots.size()) >= fit.plus.max_pivots) break;
    const int32_t first = std::max(0, j - fit.prune.max_context);
    if (seen.emplace(tokens.begin() + first, tokens.begin() + j + 1).second) pivots.push_back(j);
  }
  return pivots;
}

// Stage 1: prune the train windows of every neuron that has not failed.
std::vector<Prompt> prune_wave(ActivationOracle& oracle, const TokenTable& table, const FitParams& fit, const Wave& wave) {
  std::vector<WindowActivations> inputs;
  std::vector<size_t> input_task;
  for (size_t t = 0; t < wave.tasks.size(); ++t) {
    if (wave.fits[t].failed) continue;
    std::set<std::vector<int32_t>> seen;
    for (size_t w = 0; w < wave.tasks[t].train.size(); ++w) {
      inputs.push_back({wave.tasks[t].neuron, &wave.tasks[t].train[w], &wave.train_acts[t][w], {}});
      if (fit.plus_method() && fit.plus.secondary_pivots) {
        inputs.back().pivots = plus_pivots(wave.tasks[t], wave.train_acts[t][w], w, table, fit, seen);
        if (inputs.back().pivots.empty()) inputs.pop_back();
      }
      if (input_task.size() < inputs.size()) input_task.push_back(t);
    }
  }
  std::vector<Prompt> prompts;
  for (auto& pruned : prune(oracle, table, fit.prune, inputs)) {
    const size_t t = input_task[pruned.window];
    NeuronSequence sequence{wave.tasks[t].neuron, pruned.tokens};
    const float scale = fit.plus_method() ? std::min(pruned.scale, static_cast<float>(fit.plus.max_prune_scale)) : pruned.scale;
    const float factor = scale / wave.tasks[t].a_max;
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

// The predictors of one neuron, fitted on its train positions.
struct Predictors {
  const Trie& graph;
  LookupBaseline token{0}, ngram{kNgramContext};
};

// One test set's real activations and each predictor's predictions.
struct TestScores {
  NeuronScores graph, token, ngram;
  CorrelationSums graph_correlation, token_correlation;
};

TestScores score_test_set(const Predictors& predictors, const std::vector<std::vector<int32_t>>& windows,
                          const std::vector<std::vector<float>>& activations, float inverse, const TokenTable& table,
                          const EvalParams& eval, MissDiagnostics* misses) {
  const auto skip = [&table](int32_t token) { return table.is_special(token); };
  std::vector<std::vector<float>> real, graph, token, ngram;
  std::vector<int32_t> path;  // the walk of a missed position
  for (size_t w = 0; w < windows.size(); ++w) {
    const auto& tokens = windows[w];
    real.push_back(scaled(activations[w], inverse));
    graph.push_back(predictors.graph.predict(tokens, skip));
    token.push_back(predictors.token.predict(tokens));
    ngram.push_back(predictors.ngram.predict(tokens));
    if (misses)
      for (size_t i = 0; i < tokens.size(); ++i)
        if (!skip(tokens[i]) && real[w][i] >= eval.fire_threshold && graph[w][i] < eval.fire_threshold) {
          predictors.graph.walk(tokens, i, skip, path);
          ++(path.empty() ? misses->token_absent : misses->context_unmatched);
        }
  }
  TestScores scores;
  for (size_t w = 0; w < windows.size(); ++w) {
    const auto skipped = special_positions(windows[w], table);
    scores.graph_correlation.add(real[w], graph[w], skipped);
    scores.token_correlation.add(real[w], token[w], skipped);
  }
  scores.graph = score_predictor(windows, real, graph, table, eval.fire_threshold);
  if (eval.baselines) {
    scores.token = score_predictor(windows, real, token, table, eval.fire_threshold);
    scores.ngram = score_predictor(windows, real, ngram, table, eval.fire_threshold);
  }
  return scores;
}

// Stage 5 (host): the graph is finished (n2g+ learns from every train position: firing tokens and
// calibrated ENDs), the baselines are fitted on the same train windows, and every predictor is
// scored on the top-window test half and on the random test windows.
void evaluate(const TokenTable& table, const FitParams& params, const EvalParams& eval, Wave& wave) {
  for (size_t t = 0; t < wave.tasks.size(); ++t) {
    NeuronFit& fit = wave.fits[t];
    if (fit.failed) continue;
    try {
      const NeuronTask& task = wave.tasks[t];
      const float inverse = 1.0f / task.a_max;
      std::vector<std::vector<float>> normalised;  // [train window][position]: top, then random
      std::vector<TrainWindow> train;
      std::vector<const std::vector<int32_t>*> train_tokens;
      const auto add = [&](const std::vector<std::vector<int32_t>>& windows, const std::vector<std::vector<float>>& values) {
        for (size_t w = 0; w < windows.size(); ++w) {
          train_tokens.push_back(&windows[w]);
          normalised.push_back(scaled(values[w], inverse));
        }
      };
      add(task.train, wave.train_acts[t]);
      add(task.extra_train, task.extra_train_activations);
      add(task.random_train, wave.random_train_acts[t]);
      for (size_t w = 0; w < normalised.size(); ++w) train.push_back({train_tokens[w], &normalised[w]});

      std::set<int32_t> line_tokens;  // the first level the pruned prompts' lines made
      for (const auto& entry : fit.graph.root().children) line_tokens.insert(entry.first);
      const bool calibrating = params.plus_method() && params.plus.calibrate;
      // Calibration sees every firing token and removes those below the support itself, so that its
      // leave-one-out counts them; uncalibrated, only the supported ones are added.
      if (params.plus_method() && params.plus.token_fallback)
        add_firing_tokens(fit.graph, train, table, params.graph.activation_threshold, calibrating ? 1 : params.plus.min_token_firings);
      fit.graph.merge_ignores();
      if (calibrating)
        fit.rate_threshold = static_cast<float>(calibrate_ends(
            fit.graph, train, table,
            {params.graph.activation_threshold, params.plus.prior_weight,
             params.plus.token_fallback ? params.plus.min_token_firings : 1},
            line_tokens));

      Predictors predictors{fit.graph};
      int64_t firing_positions = 0;
      for (size_t w = 0; w < train.size(); ++w) {
        predictors.token.fit(*train[w].tokens, *train[w].normalised);
        predictors.ngram.fit(*train[w].tokens, *train[w].normalised);
        if (w < task.train.size())
          for (size_t j = 0; j < train[w].tokens->size(); ++j)
            firing_positions += !table.is_special((*train[w].tokens)[j]) && (*train[w].normalised)[j] > params.graph.activation_threshold;
      }
      if (!task.train.empty())
        fit.misses.train_firing_per_window = static_cast<float>(firing_positions) / static_cast<float>(task.train.size());

      const TestScores top = score_test_set(predictors, wave.test[t], wave.test_acts[t], inverse, table, eval, &fit.misses);
      fit.scores = top.graph;
      fit.token_baseline = top.token;
      fit.ngram_baseline = top.ngram;
      CorrelationSums graph_all = top.graph_correlation, token_all = top.token_correlation;
      if (!wave.random_test[t].empty()) {
        const TestScores random = score_test_set(predictors, wave.random_test[t], wave.random_test_acts[t], inverse, table, eval, nullptr);
        fit.random_scores = random.graph;
        fit.random_token_baseline = random.token;
        fit.random_ngram_baseline = random.ngram;
        fit.correlation.graph_random = random.graph_correlation.pearson();
        fit.correlation.token_random = random.token_correlation.pearson();
        graph_all += random.graph_correlation;
        token_all += random.token_correlation;
      }
      fit.correlation.graph_all = graph_all.pearson();
      fit.correlation.token_all = token_all.pearson();
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
    prompts = prune_wave(oracle, table, fit, wave);
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
    evaluate(table, fit, eval, wave);
  }
  if (costs) *costs += local;
  for (size_t t = 0; t < tasks.size(); ++t) {
    auto& random = wave.fits[t].random_activations;
    random = std::move(wave.random_test_acts[t]);
    for (auto& values : wave.random_train_acts[t]) random.push_back(std::move(values));
  }
  return std::move(wave.fits);
}

}  // namespace n2g
