// standby_grants.hpp -- what pg_autouser.admin_role needs so that standbys can provision through
// the primary (SPEC §10): LOGIN (standbys log in to the primary as it), USAGE on schema autouser
// and EXECUTE on the primary's two standby functions; and on a standby, a
// pg_autouser.primary_conninfo that reaches a writable server as the admin role.  Pure: works on
// facts a caller gathered (pg_conn.cpp, primary_probe.cpp), so every branch is a unit test.
#pragma once

#include "admin_grants.hpp"
#include "doctor.hpp"

#include <string>
#include <vector>

namespace pg_autouser::cli {

// The functions a standby calls on its primary, as GRANT and to_regprocedure write them.
constexpr const char *kProvisionFunction =
    "autouser._provision_for_standby(text, text, text, text[])";
constexpr const char *kRenewFunction = "autouser._renew_leases(text, jsonb)";

// The statements that give the admin role what it lacks of USAGE on schema autouser and
// EXECUTE on the two functions, in that order; empty when nothing is missing, the admin role is
// a superuser (or unset), does not exist, or the extension or its functions are not there.
std::vector<std::string> standby_grant_statements(const AdminRoleFacts &facts);

// On a primary: the admin role can log in and holds the grants -- MISSING when a server
// replicates from this one, WARNING when none does yet.  On a standby: primary_conninfo is set,
// the admin role can log in and holds the grants (they replicate from the primary).
std::vector<Finding> standby_findings(const AdminRoleFacts &facts);

// What a connection made from a standby's pg_autouser.primary_conninfo found, the way the
// standby's worker makes it (the admin role as user, pg_autouser.database as dbname).
struct PrimaryProbe {
	bool connected = false;
	std::string error;            // libpq's message when !connected
	bool unreadable_file = false; // libpq could not read a file the string names, as this OS user
	std::string current_user;     // whom the primary logged the connection in as
	std::string acts_for;         // whom the primary's functions act for: its admin role
	bool in_recovery = false;     // the server reached is a standby itself
};

// A standby's link to its primary: it connects, to a writable server, as the role the
// primary's functions act for.
std::vector<Finding> primary_link_findings(const PrimaryProbe &probe);

} // namespace pg_autouser::cli
