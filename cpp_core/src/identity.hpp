// identity.hpp -- byte-level name checks (control chars, UTF-8, role-name shape); no quoting, no
// I/O.
#ifndef PG_AUTOUSER_CORE_IDENTITY_HPP
#define PG_AUTOUSER_CORE_IDENTITY_HPP

#include "detail.hpp"

namespace pg_autouser::core {

// True if text holds a byte < 0x20 (NUL included) or 0x7f.
bool has_control_char(std::string_view text) noexcept;

// True if text is well-formed UTF-8 (RFC 3629: no overlongs, surrogates, > U+10FFFF, truncation).
bool is_valid_utf8(std::string_view text) noexcept;

// Precedence: EMPTY, TOO_LONG, CONTROL_CHAR, BAD_UTF8, RESERVED, RESERVED_NAME (first that
// applies wins).
autouser_core_identity_check check_identity(std::string_view name) noexcept;

// Non-empty, at most kMaxRoleBytes, no control char, valid UTF-8 ("pg_" is not checked here).
bool is_valid_role_name(std::string_view name) noexcept;

// True if name starts with "pg_", the prefix PostgreSQL reserves for its predefined roles.
bool has_reserved_prefix(std::string_view name) noexcept;

} // namespace pg_autouser::core

#endif
