// forbidden.hpp -- name-based "may never be granted" check; attribute/inheritance checks are the
// caller's (they need the catalogs).
#ifndef PG_AUTOUSER_CORE_FORBIDDEN_HPP
#define PG_AUTOUSER_CORE_FORBIDDEN_HPP

#include "detail.hpp"

namespace pg_autouser::core {

// True if role is a built-in dangerous role, the group role, the admin role (if configured) or
// one of config.extra.  A malformed config (NULL array with a count) fails closed: true.
bool is_forbidden_name(const autouser_core_forbidden_config &config,
                       std::string_view role) noexcept;

} // namespace pg_autouser::core

#endif
