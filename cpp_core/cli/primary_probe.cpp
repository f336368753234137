// primary_probe.cpp -- the libpq side of doctor's standby link check: one connection made like
// the standby worker's (extension/primary_link.c), one query, no writes.
#include "primary_probe.hpp"

#include "pg_conn.hpp"

namespace pg_autouser::cli {

namespace {

// libpq could not open a certificate, key or root certificate as this operating system user:
// a fact about who runs doctor, not about the server.
bool unreadable_file(const std::string &error) {
	return error.find("Permission denied") != std::string::npos;
}

// libpq's message on one line: doctor prints one line per check.
std::string one_line(const std::string &message) {
	std::string out;
	for (char c : message) {
		bool space = c == '\n' || c == '\t';
		if (space && (out.empty() || out.back() == ' '))
			continue;
		out += space ? ' ' : c;
	}
	return out;
}

} // namespace

PrimaryProbe probe_primary(const AdminRoleFacts &facts) {
	PrimaryProbe probe;
	// The string first (expanded); what the worker overrides comes after it.  A bound on the
	// connection attempt unless the string sets its own.
	std::vector<const char *> keys{"connect_timeout", "dbname"};
	std::vector<const char *> values{"10", facts.primary_conninfo.c_str()};
	if (!facts.admin_role.empty()) {
		keys.push_back("user");
		values.push_back(facts.admin_role.c_str());
	}
	keys.insert(keys.end(), {"dbname", "fallback_application_name", nullptr});
	values.insert(values.end(), {facts.rules_database.c_str(), "pg_autouser doctor", nullptr});
	ConnPtr conn(PQconnectdbParams(keys.data(), values.data(), 1), PQfinish);
	if (PQstatus(conn.get()) != CONNECTION_OK) {
		probe.error = one_line(connection_error(conn.get()));
		probe.unreadable_file = unreadable_file(probe.error);
		return probe;
	}
	probe.connected = true;
	auto who = query(conn.get(),
	                 "SELECT CURRENT_USER, pg_catalog.pg_is_in_recovery(),"
	                 " COALESCE(NULLIF(pg_catalog.current_setting('pg_autouser.admin_role', true),"
	                 " ''), (SELECT rolname FROM pg_catalog.pg_roles"
	                 " WHERE oid OPERATOR(pg_catalog.=) 10))");
	if (!who.ok || who.rows.empty()) {
		probe.connected = false;
		probe.error = "the primary answered a query with an error: " + one_line(who.error);
		return probe;
	}
	probe.current_user = who.rows[0][0].value_or("");
	probe.in_recovery = who.rows[0][1] == "t";
	probe.acts_for = who.rows[0][2].value_or("");
	return probe;
}

} // namespace pg_autouser::cli
