// A hand-written activation oracle whose neurons follow known rules, for checking every fit step
// against values worked out by hand.
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "n2g/fit/oracle.h"
#include "n2g/fit/token_table.h"

namespace n2g::testing {

// Token ids of the test vocabulary.
enum Token : int32_t { EOT = 0, DOT = 1, THE = 2, MR = 3, SAID = 4, DARCY = 5, LOWER_MR = 6, BINGLEY = 7,
                       MRS = 8, JANE = 9, OF = 10, AND = 11, TO = 12, IN = 13, COMMA = 14 };

inline TokenTable test_table() {
  return TokenTable({"<|endoftext|>", ".", " the", " Mr", " said", " Darcy", " mr", " Bingley", " Mrs", " Jane", " of",
                     " and", " to", " in", ","},
                    {EOT});
}

class RuleOracle : public ActivationOracle {
 public:
  // Neuron 0: 1.0 on Bingley when Mr or Mrs is one of the two tokens before it, 0.1 on Bingley
  //           otherwise, 0 elsewhere.
  // Neuron 1: 0.8 on Darcy whatever the context.
  // Neuron 2: NaN everywhere (a broken neuron).
  // Neuron 3: 1.0 on Darcy when " the" occurred anywhere before it, 0.1 otherwise (long context).
  std::vector<std::vector<float>> activations(const std::vector<NeuronSequence>& batch) override {
    ++activation_calls;
    std::vector<std::vector<float>> out;
    for (const auto& sequence : batch) {
      sequences_seen.push_back(sequence.tokens);
      tokens_run += static_cast<int64_t>(sequence.tokens.size());
      const auto& x = sequence.tokens;
      std::vector<float> a(x.size(), 0.0f);
      for (size_t j = 0; j < x.size(); ++j) {
        if (sequence.neuron == 0 && x[j] == BINGLEY) {
          const bool title = (j >= 1 && (x[j - 1] == MR || x[j - 1] == MRS)) || (j >= 2 && (x[j - 2] == MR || x[j - 2] == MRS));
          a[j] = title ? 1.0f : 0.1f;
        }
        if (sequence.neuron == 1 && x[j] == DARCY) a[j] = 0.8f;
        if (sequence.neuron == 2) a[j] = NAN;
        if (sequence.neuron == 3 && x[j] == DARCY)
          a[j] = std::find(x.begin(), x.begin() + j, THE) != x.begin() + j ? 1.0f : 0.1f;
      }
      out.push_back(a);
    }
    return out;
  }

  // Fixed candidate lists, best first, whatever the method.
  std::vector<std::vector<int32_t>> substitutes(const std::vector<SubstituteRequest>& requests, AugmentMethod method,
                                                int max_candidates, double) override {
    ++substitute_calls;
    last_method = method;
    std::vector<std::vector<int32_t>> out;
    for (const auto& request : requests) {
      requested.push_back(request);
      std::vector<int32_t> candidates;
      if (request.original == MR) candidates = {LOWER_MR, DOT, SAID, MRS};  // " mr" and "." get filtered
      if (request.original == BINGLEY) candidates = {JANE, COMMA};
      if (request.original == DARCY) candidates = {JANE};
      if (static_cast<int>(candidates.size()) > max_candidates) candidates.resize(max_candidates);
      out.push_back(candidates);
    }
    return out;
  }

  int64_t forward_tokens() const override { return tokens_run; }

  int activation_calls = 0;
  int64_t tokens_run = 0;
  int substitute_calls = 0;
  AugmentMethod last_method = AugmentMethod::none;
  std::vector<std::vector<int32_t>> sequences_seen;
  std::vector<SubstituteRequest> requested;
};

}  // namespace n2g::testing
