// doctor_server.cpp -- doctor's checks on a running server through libpq: what is loaded now, the
// extension in pg_autouser.database, the workers, the roles the workers need and, through
// admin_grants and standby_grants, what the admin role needs on this version and for standbys,
// and on a standby its link to the primary.  Reads only.
#include "doctor.hpp"

#include "admin_grants.hpp"
#include "conf_edit.hpp"
#include "pg_conn.hpp"
#include "primary_probe.hpp"
#include "standby_grants.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace pg_autouser::cli {

namespace {

std::string shell_quote(const std::string &word) {
	std::string out = "'";
	for (char c : word)
		out += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return out + "'";
}

Finding preload_finding(PGconn *conn) {
	std::string value = setting(conn, "shared_preload_libraries");
	auto libs = split_library_list(value);
	std::string detail = "shared_preload_libraries = " + quote_conf_value(value);
	bool ok = std::find(libs.begin(), libs.end(), "pg_autouser") != libs.end();
	if (ok)
		return {CheckStatus::kOk, "preload (server)", detail, ""};
	return {CheckStatus::kMissing, "preload (server)", detail + ": pg_autouser is not loaded",
	        "ALTER SYSTEM SET shared_preload_libraries = " +
	            quote_conf_value(add_library(value, "pg_autouser")) +
	            " (or edit postgresql.conf), then restart the server"};
}

Finding ssl_finding(PGconn *conn) {
	std::string ssl = setting(conn, "ssl");
	std::string ca = setting(conn, "ssl_ca_file");
	std::string detail = "ssl = " + ssl +
	                     ", ssl_cert_file = " + quote_conf_value(setting(conn, "ssl_cert_file")) +
	                     ", ssl_key_file = " + quote_conf_value(setting(conn, "ssl_key_file")) +
	                     ", ssl_ca_file = " + quote_conf_value(ca);
	if (ssl == "on" && !ca.empty())
		return {CheckStatus::kOk, "ssl (server)", detail, ""};
	return {CheckStatus::kMissing, "ssl (server)", detail,
	        "set ssl = on and ssl_cert_file, ssl_key_file, ssl_ca_file (the CA of the client "
	        "certificates) in postgresql.conf, then reload (or run pg_autouser server setup)"};
}

Finding hba_finding(PGconn *conn) {
	auto result = query(conn, "SELECT pg_catalog.count(*) FROM pg_catalog.pg_hba_file_rules"
	                          " WHERE type = 'hostssl' AND error IS NULL AND (auth_method = 'cert'"
	                          " OR 'clientcert=verify-full' = ANY (options))");
	if (!result.ok)
		return {CheckStatus::kSkipped, "pg_hba (server)",
		        "cannot read pg_hba_file_rules: " + result.error + " (use --pgdata or a superuser)",
		        ""};
	if (result.value.value_or("0") != "0")
		return {CheckStatus::kOk, "pg_hba (server)", "pg_hba.conf has a hostssl cert record", ""};
	return {CheckStatus::kMissing, "pg_hba (server)", "pg_hba.conf has no hostssl cert record",
	        "add \"hostssl all all 0.0.0.0/0 cert\" and \"hostssl all all ::/0 cert\" before the "
	        "other host records of pg_hba.conf, then SELECT pg_reload_conf()"};
}

void database_findings(PGconn *conn, const std::string &conninfo, std::vector<Finding> &out) {
	std::string dbname = setting(conn, "pg_autouser.database");
	ConnPtr db = connect_to(conninfo, dbname);
	if (PQstatus(db.get()) != CONNECTION_OK) {
		out.push_back({CheckStatus::kMissing, "database",
		               "cannot connect to pg_autouser.database \"" + dbname +
		                   "\": " + connection_error(db.get()),
		               "CREATE DATABASE " + quote_ident(dbname) +
		                   " or set pg_autouser.database to an existing database and restart"});
		return;
	}
	auto ext = query(
	    db.get(), "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_autouser'");
	if (ext.value)
		out.push_back({CheckStatus::kOk, "extension",
		               "pg_autouser " + *ext.value + " is created in database \"" + dbname + "\"",
		               ""});
	else
		out.push_back({CheckStatus::kMissing, "extension",
		               "pg_autouser is not created in database \"" + dbname + "\"",
		               "psql -d " + shell_quote(dbname) + " -c 'CREATE EXTENSION pg_autouser'"});
}

Finding workers_finding(PGconn *conn) {
	auto running = query(conn, "SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_activity"
	                           " WHERE backend_type = 'pg_autouser worker'");
	std::string count = running.value.value_or("0");
	std::string detail =
	    count + " of " + setting(conn, "pg_autouser.workers") + " pg_autouser workers running";
	if (count != "0")
		return {CheckStatus::kOk, "workers", detail, ""};
	return {CheckStatus::kMissing, "workers", detail,
	        "look for pg_autouser worker errors in the server log; workers start with the server "
	        "when pg_autouser is in shared_preload_libraries"};
}

Finding group_role_finding(PGconn *conn) {
	std::string role = setting(conn, "pg_autouser.group_role");
	auto exists = query(conn, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", {role});
	std::string name = "group role \"" + role + "\" (pg_autouser.group_role)";
	if (exists.value)
		return {CheckStatus::kOk, "group role", name + " exists", ""};
	return {CheckStatus::kMissing, "group role", name + " does not exist",
	        "CREATE ROLE " + quote_ident(role) +
	            " NOLOGIN (the workers also create it when they next load the rules)"};
}

} // namespace

std::vector<Finding> check_running_server(const std::string &conninfo, bool check_hba) {
	std::vector<Finding> out;
	ConnPtr conn = connect_to(conninfo, std::nullopt);
	if (PQstatus(conn.get()) != CONNECTION_OK) {
		out.push_back({CheckStatus::kMissing, "connection",
		               "cannot connect: " + connection_error(conn.get()),
		               "start the server, or pass --conninfo for it (e.g. --conninfo 'host=... "
		               "user=postgres dbname=postgres')"});
		return out;
	}
	out.push_back(preload_finding(conn.get()));
	out.push_back(ssl_finding(conn.get()));
	if (check_hba)
		out.push_back(hba_finding(conn.get()));
	if (out.front().status != CheckStatus::kOk) {
		out.push_back({CheckStatus::kSkipped, "extension, workers, roles",
		               "pg_autouser is not loaded, so its settings are unknown", ""});
		return out;
	}
	database_findings(conn.get(), conninfo, out);
	out.push_back(workers_finding(conn.get()));
	out.push_back(group_role_finding(conn.get()));
	AdminRoleFacts facts = gather_admin_facts(conn.get(), conninfo, std::nullopt, std::nullopt);
	for (auto &finding : admin_role_findings(facts))
		out.push_back(std::move(finding));
	for (auto &finding : standby_findings(facts))
		out.push_back(std::move(finding));
	if (facts.in_recovery && !facts.primary_conninfo.empty())
		for (auto &finding : primary_link_findings(probe_primary(facts)))
			out.push_back(std::move(finding));
	return out;
}

} // namespace pg_autouser::cli
