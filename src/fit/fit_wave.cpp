#include "n2g/fit/fit_wave.h"

#include <cmath>
#include <exception>

#include "n2g/fit/augment.h"
#include "n2g/fit/baselines.h"
#include "n2g/fit/lines.h"
#include "n2g/fit/prune.h"
#include "n2g/fit/saliency.h"

namespace n2g {
namespace {

void mark_nan(std::vector<NeuronFit>& fits, size_t task, const std::vector<float>& values, const char* stage) {
  if (fits[task].failed) return;
  for (float v : values)
    if (std::isnan(v)) {
      fits[task].failed = true;
      fits[task].error = std::string("NaN activation during ") + stage;
      return;
    }
}

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

NeuronScores score_predictor(const std::vector<std::vector<int32_t>>& windows,
                             const std::vector<std::vector<float>>& real,
                             const std::vector<std::vector<float>>& predicted, const TokenTable& table,
                             double fire_threshold) {
  ConfusionCounts counts;
  for (size_t w = 0; w < windows.size(); ++w)
    count_firings(real[w], predicted[w], special_positions(windows[w], table), fire_threshold, counts);
  return score(counts);
}

}  // namespace

std::vector<NeuronFit> fit_wave(ActivationOracle& oracle, const TokenTable& table, const FitParams& fit,
                                const EvalParams& eval, int32_t mask_token, const std::vector<NeuronTask>& tasks) {
  std::vector<NeuronFit> fits(tasks.size());

  // Stage 0: the windows themselves (pivots for pruning, baselines, evaluation).
  std::vector<NeuronSequence> window_batch;
  std::vector<size_t> window_task;
  std::vector<std::vector<std::vector<int32_t>>> test_windows(tasks.size());
  for (size_t t = 0; t < tasks.size(); ++t) {
    if (!(tasks[t].a_max > 0.0f)) {
      fits[t].failed = true;
      fits[t].error = "a_max must be > 0 to fit a graph";
    }
    for (const auto& window : tasks[t].train) {
      window_batch.push_back({tasks[t].neuron, window});
      window_task.push_back(t);
    }
    for (const auto& window : tasks[t].test) {
      const size_t length = std::min(window.size(), static_cast<size_t>(eval.max_tokens));
      test_windows[t].emplace_back(window.begin(), window.begin() + length);
      window_batch.push_back({tasks[t].neuron, test_windows[t].back()});
      window_task.push_back(t);
    }
  }
  const auto window_acts = oracle.activations(window_batch);
  for (size_t row = 0; row < window_batch.size(); ++row) mark_nan(fits, window_task[row], window_acts[row], "the window pass");

  // Stage 1: prune the train windows.
  std::vector<WindowActivations> prune_inputs;
  std::vector<size_t> prune_task;
  for (size_t row = 0, t = 0; t < tasks.size(); ++t) {
    for (size_t w = 0; w < tasks[t].train.size(); ++w, ++row)
      if (!fits[t].failed) {
        prune_inputs.push_back({tasks[t].neuron, &window_batch[row].tokens, &window_acts[row]});
        prune_task.push_back(t);
      }
    row += tasks[t].test.size();
  }
  const auto prompts = prune(oracle, table, fit.prune, prune_inputs);

  // Stage 2: saliency of the pruned prompts.
  std::vector<NeuronSequence> prompt_sequences;
  std::vector<size_t> prompt_task;
  for (const auto& prompt : prompts) {
    prompt_task.push_back(prune_task[prompt.window]);
    prompt_sequences.push_back({prune_inputs[prompt.window].neuron, prompt.tokens});
  }
  const auto prompt_saliency = saliency(oracle, mask_token, prompt_sequences);
  for (size_t p = 0; p < prompts.size(); ++p) mark_nan(fits, prompt_task[p], prompt_saliency[p].activations, "saliency");

  // Stage 3: augment, then the saliency of every kept augmentation.
  std::vector<AugmentInput> augment_inputs;
  for (size_t p = 0; p < prompts.size(); ++p)
    augment_inputs.push_back({&prompt_sequences[p], prompts[p].pivot, &prompt_saliency[p]});
  const auto augmented = augment(oracle, table, fit.augment, augment_inputs);
  std::vector<NeuronSequence> augmented_sequences;
  for (size_t p = 0; p < prompts.size(); ++p)
    for (const auto& tokens : augmented[p]) augmented_sequences.push_back({prompt_sequences[p].neuron, tokens});
  const auto augmented_saliency = saliency(oracle, mask_token, augmented_sequences);

  // Stage 4: lines and graphs, per neuron on the host.
  for (size_t p = 0, a = 0; p < prompts.size(); ++p) {
    const size_t t = prompt_task[p];
    const float factor = prompts[p].scale / tasks[t].a_max;
    std::vector<Sample> group{{&prompt_sequences[p].tokens, scaled(prompt_saliency[p].activations, factor), &prompt_saliency[p]}};
    for (size_t k = 0; k < augmented[p].size(); ++k, ++a) {
      mark_nan(fits, t, augmented_saliency[a].activations, "augmentation");
      group.push_back({&augmented_sequences[a].tokens, scaled(augmented_saliency[a].activations, factor),
                       &augmented_saliency[a]});
    }
    if (fits[t].failed) continue;
    for (const Line& line : make_lines(group, table, fit.graph)) fits[t].graph.insert(line);
    ++fits[t].prompts;
    fits[t].augmented += static_cast<int64_t>(augmented[p].size());
  }

  // Stage 5: evaluate the graph and the baselines on the test windows.
  for (size_t row = 0, t = 0; t < tasks.size(); ++t) {
    const size_t n_train = tasks[t].train.size();
    const size_t n_test = tasks[t].test.size();
    const size_t first = row;
    row += n_train + n_test;
    if (fits[t].failed) continue;
    try {
      fits[t].graph.merge_ignores();
      const float inverse = 1.0f / tasks[t].a_max;
      LookupBaseline token_lookup(0), ngram_lookup(kNgramContext);
      for (size_t w = 0; w < n_train; ++w) {
        const auto normalised = scaled(window_acts[first + w], inverse);
        token_lookup.fit(tasks[t].train[w], normalised);
        ngram_lookup.fit(tasks[t].train[w], normalised);
      }
      std::vector<std::vector<float>> real, graph_predicted, token_predicted, ngram_predicted;
      const auto skip = [&table](int32_t token) { return table.is_special(token); };
      for (size_t w = 0; w < n_test; ++w) {
        const auto& tokens = test_windows[t][w];
        real.push_back(scaled(window_acts[first + n_train + w], inverse));
        graph_predicted.push_back(fits[t].graph.predict(tokens, skip));
        token_predicted.push_back(token_lookup.predict(tokens));
        ngram_predicted.push_back(ngram_lookup.predict(tokens));
      }
      fits[t].scores = score_predictor(test_windows[t], real, graph_predicted, table, eval.fire_threshold);
      if (eval.baselines) {
        fits[t].token_baseline = score_predictor(test_windows[t], real, token_predicted, table, eval.fire_threshold);
        fits[t].ngram_baseline = score_predictor(test_windows[t], real, ngram_predicted, table, eval.fire_threshold);
      }
    } catch (const std::exception& error) {
      fits[t].failed = true;
      fits[t].error = error.what();
    }
  }
  return fits;
}

}  // namespace n2g
