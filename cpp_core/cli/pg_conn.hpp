// pg_conn.hpp -- the libpq calls doctor and server setup share: connecting (optionally to another
// database than the conninfo names), one-value and all-rows queries with parameters, and the
// AdminRoleFacts both check against.  Reads only; callers run their own statements.
#pragma once

#include "admin_grants.hpp"

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pg_autouser::cli {

using ConnPtr = std::unique_ptr<PGconn, decltype(&PQfinish)>;

struct QueryResult {
	bool ok = false;
	std::optional<std::string> value; // first column of the first row; nullopt for NULL/no row
	std::vector<std::vector<std::optional<std::string>>> rows;
	std::string error;
};

// conninfo as PQconnectdb takes it, with dbname replacing its database when given.
ConnPtr connect_to(const std::string &conninfo, const std::optional<std::string> &dbname);
std::string connection_error(PGconn *conn);

QueryResult query(PGconn *conn, const char *sql, const std::vector<std::string> &params = {});

// A setting's current value, "" when unknown (pg_autouser not loaded) or empty.
std::string setting(PGconn *conn, const char *name);

// Everything admin_grants.hpp needs, read from the server conn is connected to (any database)
// and, for the rules, from pg_autouser.database through conninfo.  admin_role overrides the
// server's pg_autouser.admin_role (server setup, before the setting is written); database is the
// fallback for pg_autouser.database when the library is not loaded.
AdminRoleFacts gather_admin_facts(PGconn *conn, const std::string &conninfo,
                                  const std::optional<std::string> &admin_role,
                                  const std::optional<std::string> &database);

} // namespace pg_autouser::cli
