// n2g's version: written into every atlas (n2g_version) and printed by every program's --version.
#pragma once

namespace n2g {

inline constexpr const char* kN2gVersion = "0.2.0";

}  // namespace n2g
