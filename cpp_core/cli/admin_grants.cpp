// admin_grants.cpp -- the admin role's requirements per server version, as doctor findings and as
// the statements that meet them.  Every name in a statement goes through quote_ident once, here.
#include "admin_grants.hpp"

#include "pg_autouser/core_api.h"

#include <algorithm>

namespace pg_autouser::cli {

namespace {

constexpr const char *kAdminCheck = "admin role";
constexpr const char *kGrantCheck = "admin grants";

Finding admin_finding(const AdminRoleFacts &facts) {
	if (facts.admin_role.empty())
		return {CheckStatus::kOk, kAdminCheck,
		        "pg_autouser.admin_role is not set: the workers act as the bootstrap superuser",
		        ""};
	std::string name = admin_role_label(facts);
	std::string quoted = quote_ident(facts.admin_role);
	if (!facts.admin_exists)
		return {CheckStatus::kMissing, kAdminCheck, name + " does not exist",
		        "CREATE ROLE " + quoted + " LOGIN CREATEROLE"};
	if (facts.admin_superuser)
		return {CheckStatus::kWarning, kAdminCheck,
		        name + " is a superuser: the workers act with every right, not the least that "
		               "does the job",
		        "ALTER ROLE " + quoted + " NOSUPERUSER CREATEROLE" +
		            (needs_admin_option_grants(facts.server_version)
		                 ? ", then give it the ADMIN OPTION grants doctor lists"
		                 : "")};
	if (!facts.admin_createrole)
		return {CheckStatus::kMissing, kAdminCheck, name + " lacks CREATEROLE",
		        "ALTER ROLE " + quoted + " CREATEROLE"};
	return {CheckStatus::kOk, kAdminCheck, name + " exists and has CREATEROLE", ""};
}

} // namespace

bool needs_admin_option_grants(int server_version) { return server_version >= kAdminOptionVersion; }

bool admin_acts_as_superuser(const AdminRoleFacts &facts) {
	return facts.admin_role.empty() || (facts.admin_exists && facts.admin_superuser);
}

std::string admin_role_label(const AdminRoleFacts &facts) {
	return "admin role \"" + facts.admin_role + "\" (pg_autouser.admin_role)";
}

std::string version_name(int server_version) {
	return "PostgreSQL " + std::to_string(server_version / 10000);
}

std::string quote_ident(const std::string &name) {
	std::vector<char> out(name.size() * 2 + 3); // every '"' doubled, two quotes, the NUL
	size_t needed = 0;
	if (autouser_core_quote_identifier(name.data(), name.size(), out.data(), out.size(), &needed) !=
	    AUTOUSER_CORE_OK) {
		// Only an embedded NUL or invalid input gets here; quote it by hand the same way.
		std::string quoted = "\"";
		for (char c : name)
			quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
		return quoted + "\"";
	}
	return out.data();
}

std::string admin_grant_statement(const std::string &role, const std::string &admin) {
	return "GRANT " + quote_ident(role) + " TO " + quote_ident(admin) +
	       " WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;";
}

bool is_template_entry(const std::string &entry) { return entry.find("{{") != std::string::npos; }

std::vector<std::string> literal_rule_roles(const std::vector<std::string> &rule_roles) {
	std::vector<std::string> out;
	for (const auto &entry : rule_roles)
		if (!is_template_entry(entry))
			out.push_back(entry);
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

std::vector<std::string> template_rule_entries(const std::vector<std::string> &rule_roles) {
	std::vector<std::string> out;
	for (const auto &entry : rule_roles)
		if (is_template_entry(entry))
			out.push_back(entry);
	std::sort(out.begin(), out.end());
	out.erase(std::unique(out.begin(), out.end()), out.end());
	return out;
}

std::vector<std::string> required_admin_option_roles(const AdminRoleFacts &facts) {
	std::vector<std::string> roles;
	if (!needs_admin_option_grants(facts.server_version) || admin_acts_as_superuser(facts))
		return roles;
	roles.push_back(facts.group_role);
	for (const auto &role : literal_rule_roles(facts.rule_roles))
		if (role != facts.group_role)
			roles.push_back(role);
	return roles;
}

std::vector<Finding> admin_role_findings(const AdminRoleFacts &facts) {
	std::vector<Finding> out{admin_finding(facts)};
	for (const auto &role : literal_rule_roles(facts.rule_roles))
		if (!facts.existing_roles.count(role))
			out.push_back({CheckStatus::kMissing, "rule roles",
			               "role \"" + role + "\", named by an enabled rule, does not exist",
			               "CREATE ROLE " + quote_ident(role) +
			                   " NOLOGIN (or drop the rules that name it: logins they match are "
			                   "refused)"});

	std::string version = version_name(facts.server_version);
	if (!needs_admin_option_grants(facts.server_version)) {
		out.push_back({CheckStatus::kOk, kGrantCheck,
		               version + ": CREATEROLE alone lets the admin role grant the group role "
		                         "and the roles rules name; no ADMIN OPTION grant is needed (from "
		                         "PostgreSQL 16 on, it is)",
		               ""});
		return out;
	}
	if (admin_acts_as_superuser(facts)) {
		out.push_back({CheckStatus::kOk, kGrantCheck,
		               version + ": the workers act as a superuser, which needs no ADMIN OPTION "
		                         "grant",
		               ""});
		return out;
	}
	if (!facts.admin_exists) {
		out.push_back({CheckStatus::kSkipped, kGrantCheck,
		               version + ": the admin role does not exist yet, so its ADMIN OPTION "
		                         "grants cannot be checked",
		               ""});
		return out;
	}
	for (const auto &role : required_admin_option_roles(facts)) {
		bool group = role == facts.group_role;
		if (!facts.existing_roles.count(role))
			continue; // reported above (rule roles) or by the group role check
		std::string what =
		    "\"" + role + "\" (" + (group ? "the group role" : "named by an enabled rule") + ")";
		if (facts.admin_option_on.count(role))
			out.push_back({CheckStatus::kOk, kGrantCheck,
			               version + ": admin role \"" + facts.admin_role +
			                   "\" holds ADMIN OPTION on " + what,
			               ""});
		else
			out.push_back({CheckStatus::kMissing, kGrantCheck,
			               version + ": admin role \"" + facts.admin_role +
			                   "\" lacks ADMIN OPTION on " + what +
			                   ", so the workers cannot grant or revoke it",
			               admin_grant_statement(role, facts.admin_role)});
	}
	if (!facts.rules_known)
		out.push_back({CheckStatus::kSkipped, kGrantCheck,
		               "the rules could not be read (is the extension created in "
		               "pg_autouser.database?), so only the group role was checked",
		               ""});
	auto templates = template_rule_entries(facts.rule_roles);
	if (!templates.empty()) {
		std::string list;
		for (const auto &entry : templates)
			list += (list.empty() ? "" : ", ") + entry;
		out.push_back({CheckStatus::kSkipped, kGrantCheck + std::string(" (templates)"),
		               "rule entries " + list +
		                   " name roles only known at login and cannot be checked here; the "
		                   "admin role needs ADMIN OPTION on every role they can yield: GRANT "
		                   "<role> TO " +
		                   quote_ident(facts.admin_role) +
		                   " WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;",
		               ""});
	}
	return out;
}

} // namespace pg_autouser::cli
