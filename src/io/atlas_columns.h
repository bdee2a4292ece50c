// What the atlas writer and reader share: the format version and where each per-neuron score
// column lives in a row. Private to src/io.
#pragma once

#include <cstdint>

#include "n2g/io/atlas.h"

namespace n2g {

inline constexpr int64_t kFormatVersion = 1;
inline constexpr const char* kN2gVersion = "0.1.0";

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
};

}  // namespace n2g
