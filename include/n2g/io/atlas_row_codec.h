// Atlas rows as bytes: sent between ranks by the gathering atlas writer and kept in checkpoints.
#pragma once

#include <cstdint>
#include <utility>

#include "n2g/base/bytes.h"
#include "n2g/io/atlas.h"

namespace n2g {

void encode_row(ByteWriter& out, int64_t row, const AtlasRow& data);
std::pair<int64_t, AtlasRow> decode_row(ByteReader& in);

}  // namespace n2g
