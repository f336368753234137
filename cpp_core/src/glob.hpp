// glob.hpp -- '*'-only glob matching and pattern validation; no other wildcards, no case folding.
#ifndef PG_AUTOUSER_CORE_GLOB_HPP
#define PG_AUTOUSER_CORE_GLOB_HPP

#include "detail.hpp"

namespace pg_autouser::core {

// '*' matches any run of bytes (empty too); every other byte matches itself.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

// Precedence: EMPTY, TOO_LONG (bytes besides '*'), CONTROL_CHAR, BAD_UTF8.
autouser_core_pattern_check check_pattern(std::string_view pattern) noexcept;

} // namespace pg_autouser::core

#endif
