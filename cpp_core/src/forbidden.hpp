// forbidden.hpp -- SPEC 6 for one role: which of its facts (flags, name) forbids a rule granting
// it.  Knows nothing of role sets, ancestors' order or the decision table (decision.cpp).
#ifndef PG_AUTOUSER_CORE_FORBIDDEN_HPP
#define PG_AUTOUSER_CORE_FORBIDDEN_HPP

#include "detail.hpp"

#include <cstdint>

namespace pg_autouser::core {

// pg_autouser.forbidden_roles; every entry is_well_formed (decide checks it first).
struct NameList {
	const autouser_core_str *items;
	std::size_t count;
};

// Why a role may not be granted, whether the set names it or it is inherited: the first that
// applies in the order of the enum, SUPERUSER, REPLICATION, BYPASSRLS, CREATEROLE, BUILTIN (by
// name), GROUP, ADMIN, MANAGED, SELF, DB_OWNER, EXT_OWNER, WRITES_RULES, LISTED (by name);
// NONE if none does.  Names compare bytewise.  Ignores MISSING, LOGIN, PREDEFINED and
// FROM_TEMPLATE, which are not reasons on their own.
autouser_core_forbidden_reason forbidden_reason(std::string_view name, std::uint32_t flags,
                                                NameList listed) noexcept;

// The stricter policy for a set role only certificate text named: TEMPLATE_PREDEFINED if it is
// flagged PREDEFINED or its name starts with "pg_" (so no server version's list of predefined
// roles is needed), else TEMPLATE_LOGIN if it is flagged LOGIN, else NONE.
autouser_core_forbidden_reason template_reason(std::string_view name, std::uint32_t flags) noexcept;

} // namespace pg_autouser::core

#endif
