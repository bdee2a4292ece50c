// How graph outputs name a token: its display string when a vocabulary is known, else its id.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace n2g {

// "*" for IGNORE, token_text[id] when in range, "#id" otherwise.
std::string token_display(int32_t token, const std::vector<std::string>& token_text);

}  // namespace n2g
