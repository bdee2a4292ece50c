// What the atlas writer and reader share: the format version and where each per-neuron score
// column lives in a row. Private to src/io.
#pragma once

#include <cstdint>
#include <string>

#include "n2g/base/version.h"
#include "n2g/io/atlas.h"

namespace n2g {

inline constexpr int64_t kFormatVersion = 2;  // 2: random-window scores, diagnostics (n2g+)

// The per-neuron float columns of /stats and /baselines and where each lives in a row.
struct ScoreColumn {
  const char* path;
  FiringScores AtlasRow::*scores;
  float FiringScores::*field;
};
inline const ScoreColumn kScoreColumns[] = {
    {"/stats/firing_precision", &AtlasRow::firing, &FiringScores::precision},
    {"/stats/firing_recall", &AtlasRow::firing, &FiringScores::recall},
    {"/stats/firing_f1", &AtlasRow::firing, &FiringScores::f1},
    {"/stats/nonfiring_precision", &AtlasRow::nonfiring, &FiringScores::precision},
    {"/stats/nonfiring_recall", &AtlasRow::nonfiring, &FiringScores::recall},
    {"/stats/nonfiring_f1", &AtlasRow::nonfiring, &FiringScores::f1},
    {"/baselines/token/firing_precision", &AtlasRow::token_baseline, &FiringScores::precision},
    {"/baselines/token/firing_recall", &AtlasRow::token_baseline, &FiringScores::recall},
    {"/baselines/token/firing_f1", &AtlasRow::token_baseline, &FiringScores::f1},
    {"/baselines/ngram/firing_precision", &AtlasRow::ngram_baseline, &FiringScores::precision},
    {"/baselines/ngram/firing_recall", &AtlasRow::ngram_baseline, &FiringScores::recall},
    {"/baselines/ngram/firing_f1", &AtlasRow::ngram_baseline, &FiringScores::f1},
    {"/random/stats/firing_precision", &AtlasRow::random_firing, &FiringScores::precision},
    {"/random/stats/firing_recall", &AtlasRow::random_firing, &FiringScores::recall},
    {"/random/stats/firing_f1", &AtlasRow::random_firing, &FiringScores::f1},
    {"/random/baselines/token/firing_precision", &AtlasRow::random_token_baseline, &FiringScores::precision},
    {"/random/baselines/token/firing_recall", &AtlasRow::random_token_baseline, &FiringScores::recall},
    {"/random/baselines/token/firing_f1", &AtlasRow::random_token_baseline, &FiringScores::f1},
    {"/random/baselines/ngram/firing_precision", &AtlasRow::random_ngram_baseline, &FiringScores::precision},
    {"/random/baselines/ngram/firing_recall", &AtlasRow::random_ngram_baseline, &FiringScores::recall},
    {"/random/baselines/ngram/firing_f1", &AtlasRow::random_ngram_baseline, &FiringScores::f1},
};

// Other per-neuron columns ([N]) that are one field of a row.
template <class Field>
struct RowColumn {
  const char* path;
  Field AtlasRow::*field;
};
inline const RowColumn<float> kFloatColumns[] = {
    {"/stats/accuracy", &AtlasRow::accuracy},
    {"/diagnostics/train_firing_per_window", &AtlasRow::train_firing_per_window},
    {"/diagnostics/rate_threshold", &AtlasRow::rate_threshold},
};
// Float columns that atlases written before them lack: read as NaN there.
inline const RowColumn<float> kOptionalFloatColumns[] = {
    {"/correlation/graph_random", &AtlasRow::correlation_graph_random},
    {"/correlation/graph_all", &AtlasRow::correlation_graph_all},
    {"/correlation/token_random", &AtlasRow::correlation_token_random},
    {"/correlation/token_all", &AtlasRow::correlation_token_all},
};
inline const RowColumn<int64_t> kCountColumns[] = {
    {"/stats/firing_count", &AtlasRow::firing_count},
    {"/stats/nonfiring_count", &AtlasRow::nonfiring_count},
    {"/random/stats/firing_count", &AtlasRow::random_firing_count},
    {"/random/stats/nonfiring_count", &AtlasRow::random_nonfiring_count},
    {"/diagnostics/miss_token_absent", &AtlasRow::miss_token_absent},
    {"/diagnostics/miss_context_unmatched", &AtlasRow::miss_context_unmatched},
};

// Attributes that the writer stores and the reader restores field by field.
template <class Owner, class Field>
struct AttributeField {
  const char* name;
  Field Owner::*field;
};
inline const AttributeField<AtlasHeader, std::string> kHeaderText[] = {
    {"model", &AtlasHeader::model},     {"architecture", &AtlasHeader::architecture}, {"hook", &AtlasHeader::hook},
    {"dataset", &AtlasHeader::dataset}, {"config", &AtlasHeader::config}};
inline const AttributeField<AtlasHeader, int64_t> kHeaderNumbers[] = {{"n_layers", &AtlasHeader::n_layers},
                                                                      {"d_mlp", &AtlasHeader::d_mlp},
                                                                      {"n_windows", &AtlasHeader::n_windows},
                                                                      {"top_k", &AtlasHeader::top_k}};
inline const AttributeField<RunTimings, double> kRunNumbers[] = {
    {"scan_seconds", &RunTimings::scan_seconds},       {"exchange_seconds", &RunTimings::exchange_seconds},
    {"fit_seconds", &RunTimings::fit_seconds},         {"write_seconds", &RunTimings::write_seconds},
    {"tokens_per_second", &RunTimings::tokens_per_second}, {"neurons_per_second", &RunTimings::neurons_per_second},
    {"threads", &RunTimings::threads},             {"exchange_bytes", &RunTimings::exchange_bytes},
    {"resumed_neurons", &RunTimings::resumed_neurons},
    {"fit_core_seconds_per_neuron", &RunTimings::fit_core_seconds_per_neuron},
    {"windows_core_seconds_per_neuron", &RunTimings::windows_core_seconds_per_neuron},
    {"prune_core_seconds_per_neuron", &RunTimings::prune_core_seconds_per_neuron},
    {"saliency_core_seconds_per_neuron", &RunTimings::saliency_core_seconds_per_neuron},
    {"augment_core_seconds_per_neuron", &RunTimings::augment_core_seconds_per_neuron},
    {"evaluate_core_seconds_per_neuron", &RunTimings::evaluate_core_seconds_per_neuron},
    {"windows_forward_tokens_per_neuron", &RunTimings::windows_forward_tokens_per_neuron},
    {"prune_forward_tokens_per_neuron", &RunTimings::prune_forward_tokens_per_neuron},
    {"saliency_forward_tokens_per_neuron", &RunTimings::saliency_forward_tokens_per_neuron},
    {"augment_forward_tokens_per_neuron", &RunTimings::augment_forward_tokens_per_neuron}};
inline const AttributeField<RunTimings, std::string> kRunText[] = {
    {"device", &RunTimings::device}, {"dtype", &RunTimings::dtype}, {"reproducible", &RunTimings::reproducible}};

}  // namespace n2g
