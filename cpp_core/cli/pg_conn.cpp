// pg_conn.cpp -- libpq helpers for doctor and server setup.  Every query is parameterized and
// schema-qualified; nothing here writes.
#include "pg_conn.hpp"

#include "standby_grants.hpp"

namespace pg_autouser::cli {

namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::string trimmed(std::string text) {
	while (!text.empty() && text.back() == '\n')
		text.pop_back();
	return text;
}

// In the database pg_autouser is created in: whether its standby functions exist, and what the
// admin role may use of them.
void read_standby_privileges(PGconn *db, AdminRoleFacts &facts) {
	facts.standby_functions_exist = query(db,
	                                      "SELECT pg_catalog.to_regprocedure($1) IS NOT NULL"
	                                      " AND pg_catalog.to_regprocedure($2) IS NOT NULL",
	                                      {kProvisionFunction, kRenewFunction})
	                                    .value == "t";
	if (facts.admin_role.empty() || !facts.admin_exists || !facts.standby_functions_exist)
		return;
	auto held = query(db,
	                  "SELECT pg_catalog.to_regnamespace('autouser') IS NOT NULL AND"
	                  " pg_catalog.has_schema_privilege($1::pg_catalog.name, 'autouser', 'USAGE'),"
	                  " pg_catalog.has_function_privilege($1::pg_catalog.name,"
	                  "  pg_catalog.to_regprocedure($2)::pg_catalog.oid, 'EXECUTE'),"
	                  " pg_catalog.has_function_privilege($1::pg_catalog.name,"
	                  "  pg_catalog.to_regprocedure($3)::pg_catalog.oid, 'EXECUTE')",
	                  {facts.admin_role, kProvisionFunction, kRenewFunction});
	if (held.rows.empty())
		return;
	facts.admin_schema_usage = held.rows[0][0] == "t";
	facts.admin_can_provision = held.rows[0][1] == "t";
	facts.admin_can_renew = held.rows[0][2] == "t";
}

} // namespace

ConnPtr connect_to(const std::string &conninfo, const std::optional<std::string> &dbname) {
	// A second "dbname" after an expanded conninfo replaces only the database (libpq docs,
	// PQconnectdbParams with expand_dbname).
	const char *keys[] = {"dbname", dbname ? "dbname" : nullptr, nullptr};
	const char *values[] = {conninfo.c_str(), dbname ? dbname->c_str() : nullptr, nullptr};
	return ConnPtr(PQconnectdbParams(keys, values, 1), PQfinish);
}

std::string connection_error(PGconn *conn) {
	return conn ? trimmed(PQerrorMessage(conn)) : "out of memory";
}

QueryResult query(PGconn *conn, const char *sql, const std::vector<std::string> &params) {
	std::vector<const char *> values;
	for (const auto &param : params)
		values.push_back(param.c_str());
	ResultPtr res(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(),
	                           nullptr, nullptr, 0),
	              PQclear);
	QueryResult out;
	ExecStatusType status = PQresultStatus(res.get());
	if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
		out.error = trimmed(PQresultErrorMessage(res.get()));
		return out;
	}
	out.ok = true;
	for (int row = 0; row < PQntuples(res.get()); ++row) {
		std::vector<std::optional<std::string>> fields;
		for (int col = 0; col < PQnfields(res.get()); ++col)
			fields.push_back(PQgetisnull(res.get(), row, col)
			                     ? std::nullopt
			                     : std::optional<std::string>(PQgetvalue(res.get(), row, col)));
		out.rows.push_back(fields);
	}
	if (!out.rows.empty() && !out.rows[0].empty())
		out.value = out.rows[0][0];
	return out;
}

std::string setting(PGconn *conn, const char *name) {
	return query(conn, "SELECT pg_catalog.current_setting($1, true)", {name}).value.value_or("");
}

AdminRoleFacts gather_admin_facts(PGconn *conn, const std::string &conninfo,
                                  const std::optional<std::string> &admin_role,
                                  const std::optional<std::string> &database) {
	AdminRoleFacts facts;
	facts.server_version = PQserverVersion(conn);
	facts.admin_role = admin_role ? *admin_role : setting(conn, "pg_autouser.admin_role");
	facts.group_role = setting(conn, "pg_autouser.group_role");
	if (facts.group_role.empty())
		facts.group_role = "auto_user"; // the library is not loaded: its default
	facts.primary_conninfo = setting(conn, "pg_autouser.primary_conninfo");
	facts.in_recovery = query(conn, "SELECT pg_catalog.pg_is_in_recovery()").value == "t";
	facts.replicas =
	    std::stoi(query(conn, "SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_replication")
	                  .value.value_or("0"));

	if (!facts.admin_role.empty()) {
		auto attrs = query(conn,
		                   "SELECT rolsuper, rolcreaterole, rolcanlogin FROM pg_catalog.pg_roles"
		                   " WHERE rolname OPERATOR(pg_catalog.=) $1",
		                   {facts.admin_role});
		if (!attrs.rows.empty()) {
			facts.admin_exists = true;
			facts.admin_superuser = attrs.rows[0][0] == "t";
			facts.admin_createrole = attrs.rows[0][1] == "t";
			facts.admin_login = attrs.rows[0][2] == "t";
		}
		auto held = query(conn,
		                  "SELECT r.rolname FROM pg_catalog.pg_auth_members m"
		                  " JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) m.roleid"
		                  " JOIN pg_catalog.pg_roles a ON a.oid OPERATOR(pg_catalog.=) m.member"
		                  " WHERE a.rolname OPERATOR(pg_catalog.=) $1 AND m.admin_option",
		                  {facts.admin_role});
		for (const auto &row : held.rows)
			facts.admin_option_on.insert(row[0].value_or(""));
	}

	std::string dbname = setting(conn, "pg_autouser.database");
	if (dbname.empty())
		dbname = database.value_or("postgres");
	facts.rules_database = dbname;
	ConnPtr rules_db = connect_to(conninfo, dbname);
	if (PQstatus(rules_db.get()) == CONNECTION_OK) {
		facts.extension_exists =
		    query(rules_db.get(), "SELECT 1 FROM pg_catalog.pg_extension"
		                          " WHERE extname OPERATOR(pg_catalog.=) 'pg_autouser'")
		        .value.has_value();
		if (facts.extension_exists)
			read_standby_privileges(rules_db.get(), facts);
	}
	if (PQstatus(rules_db.get()) == CONNECTION_OK &&
	    query(rules_db.get(), "SELECT pg_catalog.to_regclass('autouser.rules') IS NOT NULL")
	            .value == "t") {
		auto roles = query(rules_db.get(), "SELECT DISTINCT r FROM autouser.rules AS ru,"
		                                   " pg_catalog.unnest(ru.roles) AS r WHERE ru.enabled");
		facts.rules_known = roles.ok;
		for (const auto &row : roles.rows)
			if (row[0])
				facts.rule_roles.push_back(*row[0]);
	}

	std::vector<std::string> wanted = literal_rule_roles(facts.rule_roles);
	wanted.push_back(facts.group_role);
	for (const auto &role : wanted)
		if (query(conn, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) $1",
		          {role})
		        .value)
			facts.existing_roles.insert(role);
	return facts;
}

} // namespace pg_autouser::cli
