// admin_grants.hpp -- what pg_autouser.admin_role needs on a given server (SPEC §10, §11), worked
// out from facts a caller gathered: from PostgreSQL 16 on, a CREATEROLE role may grant only roles
// it holds WITH ADMIN OPTION, so it needs that on the group role and on every role an enabled
// rule names literally; on 15, CREATEROLE alone suffices.  (What standbys need of it is in
// standby_grants.hpp.)  Pure: the server version is an input, so every branch is testable on
// any server; doctor and server setup do the libpq part.
#pragma once

#include "doctor.hpp"

#include <set>
#include <string>
#include <vector>

namespace pg_autouser::cli {

// The first version where CREATEROLE needs ADMIN OPTION to grant a role (PostgreSQL 16 release
// notes: "Restrict the privileges of CREATEROLE and its ability to modify other roles").
constexpr int kAdminOptionVersion = 160000;

struct AdminRoleFacts {
	int server_version = 0; // PQserverVersion(): 150004, 170002, ...
	std::string admin_role; // pg_autouser.admin_role; "" = the bootstrap superuser
	bool admin_exists = false;
	bool admin_superuser = false;
	bool admin_createrole = false;
	bool admin_login = false;
	std::string group_role; // pg_autouser.group_role
	// Whether the enabled rules could be read (the extension exists in pg_autouser.database).
	bool rules_known = false;
	// Every role entry of every enabled rule, templates ("team_{{cert.OU}}") included.
	std::vector<std::string> rule_roles;
	// Which of the group role and the literal rule roles exist.
	std::set<std::string> existing_roles;
	// The roles the admin role is a member of WITH ADMIN OPTION.
	std::set<std::string> admin_option_on;
	bool in_recovery = false;     // pg_is_in_recovery(): a standby
	std::string primary_conninfo; // pg_autouser.primary_conninfo ("" when unset or unknown)
	int replicas = 0;             // servers replicating from this one (pg_stat_replication)
	// What standbys need (standby_grants.hpp), read in rules_database: whether the extension and
	// its two standby functions (1.1 on) exist there, and which the admin role may use.
	std::string rules_database;
	bool extension_exists = false;
	bool standby_functions_exist = false;
	bool admin_schema_usage = false;
	bool admin_can_provision = false;
	bool admin_can_renew = false;
};

bool needs_admin_option_grants(int server_version);

// The workers act as the bootstrap superuser (admin role unset) or another superuser: the
// admin role needs no grant.
bool admin_acts_as_superuser(const AdminRoleFacts &facts);

// admin role "NAME" (pg_autouser.admin_role)
std::string admin_role_label(const AdminRoleFacts &facts);

// "PostgreSQL 15", "PostgreSQL 17".
std::string version_name(int server_version);

// name double-quoted with '"' doubled, through the core's quote_identifier.
std::string quote_ident(const std::string &name);

// GRANT "role" TO "admin" WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;  (16+ syntax: the admin
// role may grant role, but neither holds its privileges nor can SET ROLE to it.)
std::string admin_grant_statement(const std::string &role, const std::string &admin);

// A rule role entry holding a template ("{{"): its roles are only known at login.
bool is_template_entry(const std::string &entry);

// The distinct literal (resp. template) entries of rule_roles, sorted.
std::vector<std::string> literal_rule_roles(const std::vector<std::string> &rule_roles);
std::vector<std::string> template_rule_entries(const std::vector<std::string> &rule_roles);

// The roles the admin role must hold WITH ADMIN OPTION, in order: the group role, then the
// literal rule roles.  Empty before PostgreSQL 16 and for a superuser (or unset) admin role.
std::vector<std::string> required_admin_option_roles(const AdminRoleFacts &facts);

// doctor's findings on the admin role: it exists with CREATEROLE (a superuser is a warning), the
// roles rules name exist, the ADMIN OPTION grants this version needs (each missing one with the
// statement that gives it), what templates leave unchecked.
std::vector<Finding> admin_role_findings(const AdminRoleFacts &facts);

} // namespace pg_autouser::cli
