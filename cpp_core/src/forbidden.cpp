// forbidden.cpp -- SPEC 6 for one role: maps its flags and name to the reason it may not be
// granted; no catalog access, no walk over sets or ancestors.
#include "forbidden.hpp"

#include "identity.hpp"

namespace pg_autouser::core {

namespace {

struct FlagReason {
	std::uint32_t flag;
	autouser_core_forbidden_reason reason;
};

// Role attributes, checked first (enum values 1-4).
constexpr FlagReason kAttributeReasons[] = {
    {AUTOUSER_CORE_ROLE_SUPERUSER, AUTOUSER_CORE_FORBIDDEN_SUPERUSER},
    {AUTOUSER_CORE_ROLE_REPLICATION, AUTOUSER_CORE_FORBIDDEN_REPLICATION},
    {AUTOUSER_CORE_ROLE_BYPASSRLS, AUTOUSER_CORE_FORBIDDEN_BYPASSRLS},
    {AUTOUSER_CORE_ROLE_CREATEROLE, AUTOUSER_CORE_FORBIDDEN_CREATEROLE},
};

// Predefined roles that reach the server's files or every table (enum value 5).  Compared by
// name: they exist under these names in every supported version.
constexpr std::string_view kBuiltinForbidden[] = {
    "pg_execute_server_program",
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_write_all_data",
};

// What the role is to pg_autouser and its database (enum values 6-12).
constexpr FlagReason kStandingReasons[] = {
    {AUTOUSER_CORE_ROLE_GROUP, AUTOUSER_CORE_FORBIDDEN_GROUP},
    {AUTOUSER_CORE_ROLE_ADMIN, AUTOUSER_CORE_FORBIDDEN_ADMIN},
    {AUTOUSER_CORE_ROLE_MANAGED, AUTOUSER_CORE_FORBIDDEN_MANAGED},
    {AUTOUSER_CORE_ROLE_SELF, AUTOUSER_CORE_FORBIDDEN_SELF},
    {AUTOUSER_CORE_ROLE_DB_OWNER, AUTOUSER_CORE_FORBIDDEN_DB_OWNER},
    {AUTOUSER_CORE_ROLE_EXT_OWNER, AUTOUSER_CORE_FORBIDDEN_EXT_OWNER},
    {AUTOUSER_CORE_ROLE_WRITES_RULES, AUTOUSER_CORE_FORBIDDEN_WRITES_RULES},
};

template <std::size_t N>
autouser_core_forbidden_reason first_flag(const FlagReason (&table)[N],
                                          std::uint32_t flags) noexcept {
	for (const FlagReason &entry : table)
		if ((flags & entry.flag) != 0)
			return entry.reason;
	return AUTOUSER_CORE_FORBIDDEN_NONE;
}

} // namespace

autouser_core_forbidden_reason forbidden_reason(std::string_view name, std::uint32_t flags,
                                                NameList listed) noexcept {
	autouser_core_forbidden_reason reason = first_flag(kAttributeReasons, flags);
	if (reason != AUTOUSER_CORE_FORBIDDEN_NONE)
		return reason;
	for (std::string_view builtin : kBuiltinForbidden)
		if (name == builtin)
			return AUTOUSER_CORE_FORBIDDEN_BUILTIN;
	reason = first_flag(kStandingReasons, flags);
	if (reason != AUTOUSER_CORE_FORBIDDEN_NONE)
		return reason;
	for (std::size_t i = 0; i < listed.count; ++i)
		if (name == detail::as_view(listed.items[i]))
			return AUTOUSER_CORE_FORBIDDEN_LISTED;
	return AUTOUSER_CORE_FORBIDDEN_NONE;
}

autouser_core_forbidden_reason template_reason(std::string_view name,
                                               std::uint32_t flags) noexcept {
	if ((flags & AUTOUSER_CORE_ROLE_PREDEFINED) != 0 || has_reserved_prefix(name))
		return AUTOUSER_CORE_FORBIDDEN_TEMPLATE_PREDEFINED;
	if ((flags & AUTOUSER_CORE_ROLE_LOGIN) != 0)
		return AUTOUSER_CORE_FORBIDDEN_TEMPLATE_LOGIN;
	return AUTOUSER_CORE_FORBIDDEN_NONE;
}

} // namespace pg_autouser::core
