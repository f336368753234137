// detail.hpp -- small helpers shared by the core units (views over C strings, limits); no logic.
#ifndef PG_AUTOUSER_CORE_DETAIL_HPP
#define PG_AUTOUSER_CORE_DETAIL_HPP

#include "no_postgres.hpp"

#include "pg_autouser/core_api.h"

#include <cstddef>
#include <string_view>

namespace pg_autouser::core::detail {

constexpr std::size_t kMaxRoleBytes = AUTOUSER_CORE_MAX_ROLE_BYTES;

// A C string view; ptr == NULL reads as empty.  Call is_well_formed() first where it matters.
inline std::string_view as_view(const autouser_core_str &s) noexcept {
	return s.ptr != nullptr ? std::string_view(s.ptr, s.len) : std::string_view();
}

// False for ptr == NULL with a non-zero length (nothing to read).
inline bool is_well_formed(const autouser_core_str &s) noexcept {
	return s.ptr != nullptr || s.len == 0;
}

inline bool is_well_formed(const char *ptr, std::size_t len) noexcept {
	return ptr != nullptr || len == 0;
}

inline std::string_view as_view(const char *ptr, std::size_t len) noexcept {
	return ptr != nullptr ? std::string_view(ptr, len) : std::string_view();
}

} // namespace pg_autouser::core::detail

#endif
