// server_admin.cpp -- the role step of `server setup --admin-role`: creates the admin role LOGIN
// CREATEROLE or adds what it lacks of those, grants the ADMIN OPTIONs the server's version needs
// (admin_grants.hpp) in one transaction, then, where the extension is created, what standbys need
// of it (standby_grants.hpp) in another.  Connections start with a secure search_path, as
// pg_dump's do.  It never makes a role a superuser or removes anything.
#include "admin_grants.hpp"
#include "errors.hpp"
#include "pg_conn.hpp"
#include "server_setup.hpp"
#include "standby_grants.hpp"

namespace pg_autouser::cli {

namespace {

// ALWAYS_SECURE_SEARCH_PATH_SQL (src/include/common/connect.h).
constexpr const char *kSecureSearchPath = "SELECT pg_catalog.set_config('search_path', '', false)";

void run(PGconn *conn, const std::string &sql) {
	QueryResult result = query(conn, sql.c_str());
	if (!result.ok)
		throw Failure("\"" + sql + "\" failed: " + result.error);
}

void run_in_transaction(PGconn *conn, const std::vector<std::string> &statements) {
	if (statements.empty())
		return;
	run(conn, "BEGIN");
	for (const auto &sql : statements)
		run(conn, sql);
	run(conn, "COMMIT");
}

// USAGE on schema autouser and EXECUTE on the standby functions, in the database the extension
// is created in (facts as they will be once the role statements ran).  Standbys log in to the
// primary as the admin role and call those functions.
void grant_standby_needs(const std::string &conninfo, const AdminRoleFacts &facts,
                         SetupReport &report) {
	const std::string &admin = facts.admin_role;
	if (admin_acts_as_superuser(facts))
		return;
	if (!facts.extension_exists) {
		report.notes.push_back("pg_autouser is not created in database \"" + facts.rules_database +
		                       "\" yet, so \"" + admin +
		                       "\" was not granted what standbys need of it; run server setup "
		                       "again after CREATE EXTENSION pg_autouser");
		return;
	}
	if (!facts.standby_functions_exist) {
		report.notes.push_back("pg_autouser in database \"" + facts.rules_database +
		                       "\" predates the functions standbys call; run ALTER EXTENSION "
		                       "pg_autouser UPDATE there, then server setup again");
		return;
	}
	std::vector<std::string> statements = standby_grant_statements(facts);
	if (statements.empty()) {
		report.kept.push_back("\"" + admin +
		                      "\" may use schema autouser and call the functions standbys call");
		return;
	}
	ConnPtr db = connect_to(conninfo, facts.rules_database);
	if (PQstatus(db.get()) != CONNECTION_OK)
		throw Failure("cannot connect to database \"" + facts.rules_database +
		              "\" to grant what standbys need: " + connection_error(db.get()));
	run(db.get(), kSecureSearchPath);
	run_in_transaction(db.get(), statements);
	for (const auto &sql : statements)
		report.changes.push_back(sql + " (in database \"" + facts.rules_database + "\")");
}

} // namespace

void setup_admin_role(const std::string &conninfo, const std::string &admin_role,
                      const std::optional<std::string> &database, SetupReport &report) {
	ConnPtr conn = connect_to(conninfo, std::nullopt);
	if (PQstatus(conn.get()) != CONNECTION_OK)
		throw Failure("--admin-role needs the running server, and it cannot be reached: " +
		              connection_error(conn.get()) +
		              " (start it, or give --conninfo for it; nothing was changed)");
	run(conn.get(), kSecureSearchPath);
	AdminRoleFacts facts = gather_admin_facts(conn.get(), conninfo, admin_role, database);
	std::string quoted = quote_ident(admin_role);
	std::string version = version_name(facts.server_version);
	std::vector<std::string> statements, done, kept;

	// LOGIN: standbys log in to the primary as the admin role (README, Replicas and failover).
	if (!facts.admin_exists) {
		statements.push_back("CREATE ROLE " + quoted + " LOGIN CREATEROLE;");
		done.push_back("created role \"" + admin_role +
		               "\" LOGIN CREATEROLE (LOGIN: standbys log in to the primary as it)");
		facts.admin_exists = facts.admin_createrole = facts.admin_login = true;
	} else if (facts.admin_superuser) {
		report.notes.push_back(
		    "role \"" + admin_role +
		    "\" is a superuser, so the workers will act with every right; a LOGIN CREATEROLE "
		    "role is the least that does the job (ALTER ROLE " +
		    quoted + " NOSUPERUSER CREATEROLE, then run this again)");
	} else {
		if (!facts.admin_createrole) {
			statements.push_back("ALTER ROLE " + quoted + " CREATEROLE;");
			done.push_back("gave role \"" + admin_role + "\" CREATEROLE");
			facts.admin_createrole = true;
		}
		if (!facts.admin_login) {
			statements.push_back("ALTER ROLE " + quoted + " LOGIN;");
			done.push_back("gave role \"" + admin_role +
			               "\" LOGIN (standbys log in to the primary as it)");
			facts.admin_login = true;
		}
		if (statements.empty())
			kept.push_back("role \"" + admin_role + "\" exists with LOGIN and CREATEROLE");
	}

	if (!needs_admin_option_grants(facts.server_version))
		kept.push_back(version + ": CREATEROLE alone lets \"" + admin_role +
		               "\" grant the group role and the roles rules name; no ADMIN OPTION "
		               "grant is needed");
	for (const auto &role : required_admin_option_roles(facts)) {
		bool group = role == facts.group_role;
		if (!facts.existing_roles.count(role)) {
			if (group)
				report.notes.push_back(
				    "group role \"" + role + "\" does not exist yet: the workers create it as \"" +
				    admin_role + "\", which then holds ADMIN OPTION on it (" + version + ")");
			else
				report.warnings.push_back("role \"" + role +
				                          "\", named by an enabled rule, does not exist: create "
				                          "it, then run server setup again to grant it");
			continue;
		}
		if (facts.admin_option_on.count(role)) {
			kept.push_back("\"" + admin_role + "\" holds ADMIN OPTION on \"" + role + "\"");
			continue;
		}
		statements.push_back(admin_grant_statement(role, admin_role));
		done.push_back(statements.back());
	}
	if (needs_admin_option_grants(facts.server_version) && !facts.admin_superuser) {
		if (!facts.rules_known)
			report.notes.push_back("the rules could not be read (the extension is not created "
			                       "in pg_autouser.database yet, or this user may not read "
			                       "them), so only the group role was granted; run server setup "
			                       "again once rules exist");
		auto templates = template_rule_entries(facts.rule_roles);
		for (const auto &entry : templates)
			report.notes.push_back("rule entry \"" + entry +
			                       "\" names roles only known at login: grant ADMIN OPTION on "
			                       "each role it can yield with GRANT <role> TO " +
			                       quoted + " WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;");
	}

	run_in_transaction(conn.get(), statements);
	for (const auto &line : kept)
		report.kept.push_back(line);
	for (const auto &line : done)
		report.changes.push_back(line);
	grant_standby_needs(conninfo, facts, report);
}

} // namespace pg_autouser::cli
