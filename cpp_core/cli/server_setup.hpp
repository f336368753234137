// server_setup.hpp -- the steps of `pg_autouser server setup`, each idempotent: it changes a file
// (or a role) only when it is not already as wanted, backs an old file up first, and reports what
// it did.  server_setup.cpp parses the options and runs them in order.
#pragma once

#include "ca.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pg_autouser::cli {

constexpr const char *kServerCertFile = "pg_autouser_server.crt";
constexpr const char *kServerKeyFile = "pg_autouser_server.key";
constexpr const char *kServerCaFile = "pg_autouser_ca.crt";
constexpr const char *kServerCrlFile = "pg_autouser_crl.pem";

struct SetupReport {
	std::vector<std::string> changes;  // what was done
	std::vector<std::string> kept;     // what was already right
	std::vector<std::string> warnings; // what setup could not fix (exit 1)
	std::vector<std::string> notes;    // what the user should know (exit 0)
	bool reload_needed = false;        // a file the server reads at a reload changed
	bool restart_needed = false;       // a setting only a restart applies changed
};

// The settings setup manages beyond ssl and the preload.
struct ConfChoices {
	std::optional<std::string> database;   // pg_autouser.database
	bool crl = false;                      // ssl_crl_file = kServerCrlFile
	std::optional<std::string> admin_role; // pg_autouser.admin_role
};

// PGDATA/pg_autouser_server.{crt,key}, issued unless a valid one for these host names signed by
// this CA is there; PGDATA/pg_autouser_ca.crt, a copy of the CA certificate.
void setup_server_files(const std::string &pgdata, const LoadedCa &ca,
                        const std::vector<std::string> &hostnames, SetupReport &report);

// CADIR/crl.pem re-signed unless it is current (see crl_is_current), then copied to
// PGDATA/pg_autouser_crl.pem when that differs.
void setup_crl(const std::string &pgdata, const std::string &ca_dir, const LoadedCa &ca,
               SetupReport &report);

// ssl, ssl_*_file, shared_preload_libraries (+ pg_autouser) and the chosen settings in the
// managed block of CONFDIR/postgresql.conf; warns about postgresql.auto.conf overriding them.
void setup_postgresql_conf(const std::string &pgdata, const std::string &confdir,
                           const ConfChoices &choices, SetupReport &report);

// hostssl ... cert records for IPv4 and IPv6 in CONFDIR/pg_hba.conf.
void setup_pg_hba(const std::string &confdir, SetupReport &report);

// Through a libpq connection (conninfo): the admin role exists with LOGIN and CREATEROLE (a
// superuser is left as it is) and holds the ADMIN OPTION grants the server's version needs
// (admin_grants.hpp), in one transaction; then, when the extension is created in
// pg_autouser.database, USAGE on schema autouser and EXECUTE on the functions standbys call
// (standby_grants.hpp), in another.  database is where the rules are when pg_autouser is not
// loaded yet.
void setup_admin_role(const std::string &conninfo, const std::string &admin_role,
                      const std::optional<std::string> &database, SetupReport &report);

} // namespace pg_autouser::cli
