// forbidden.cpp -- compares a role name bytewise against the forbidden list; no catalog access.
#include "forbidden.hpp"

namespace pg_autouser::core {

namespace {

constexpr std::string_view kBuiltinForbidden[] = {
    "pg_execute_server_program",
    "pg_read_server_files",
    "pg_write_server_files",
};

} // namespace

bool is_forbidden_name(const autouser_core_forbidden_config &config,
                       std::string_view role) noexcept {
	for (std::string_view name : kBuiltinForbidden)
		if (role == name)
			return true;
	if (!detail::is_well_formed(config.group_role) || !detail::is_well_formed(config.admin_role))
		return true;
	if (role == detail::as_view(config.group_role))
		return true;
	if (config.admin_role.len != 0 && role == detail::as_view(config.admin_role))
		return true;
	if (config.extra == nullptr)
		return config.n_extra != 0;
	for (std::size_t i = 0; i < config.n_extra; ++i) {
		if (!detail::is_well_formed(config.extra[i]))
			return true;
		if (role == detail::as_view(config.extra[i]))
			return true;
	}
	return false;
}

} // namespace pg_autouser::core
