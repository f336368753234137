// server_setup.cpp -- `pg_autouser server setup`: checks the options and the data directory, runs
// the steps of server_setup.hpp in order, and reports what changed and whether a restart or a
// reload is needed.
#include "server_setup.hpp"

#include "args.hpp"
#include "cn_check.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "file_util.hpp"

#include <cctype>
#include <iostream>

namespace pg_autouser::cli {

namespace {

const char *const kHelp =
    R"(pg_autouser server setup -- prepare a PostgreSQL data directory for pg_autouser

Usage: pg_autouser server setup --pgdata DIR --ca DIR [--hostname H]... [--database DB]
                                [--config-dir DIR] [--crl]
                                [--admin-role NAME [--conninfo STR]]

Options:
  --pgdata DIR      the data directory
  --ca DIR          CA directory made by "pg_autouser ca init"; it signs the server
                    certificate, and its certificate verifies clients
  --hostname H      a name or IP address clients connect to; repeat for several.  The
                    first is the certificate's CN (default: localhost and 127.0.0.1)
  --database DB     set pg_autouser.database (where CREATE EXTENSION goes)
  --config-dir DIR  where postgresql.conf and pg_hba.conf are (default: --pgdata;
                    on Debian/Ubuntu packages: /etc/postgresql/VERSION/CLUSTER)
  --crl             also enforce the CA's revocation list: copy CADIR/crl.pem to
                    PGDATA/pg_autouser_crl.pem and set ssl_crl_file.  The CRL is first
                    re-signed (30 days) when it is missing, does not list exactly what
                    the CA database marks revoked, or has used up three quarters of its
                    validity.  Run this again after every "cert revoke", then reload.
  --admin-role NAME make NAME the role the workers act as (pg_autouser.admin_role),
                    through a connection to the running server: create it LOGIN
                    CREATEROLE if missing (or add what it lacks of those; LOGIN because
                    standbys log in to the primary as it), and on PostgreSQL 16 and
                    later grant it ADMIN OPTION on the group role and on every role an
                    enabled rule names, with
                      GRANT "role" TO "NAME" WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;
                    (PostgreSQL 15 needs no grant).  When the extension is created in
                    pg_autouser.database, also grant there what standbys call:
                      GRANT USAGE ON SCHEMA autouser TO "NAME";
                      GRANT EXECUTE ON FUNCTION autouser._provision_for_standby(text,
                        text, text, text[]), autouser._renew_leases(text, jsonb) TO "NAME";
                    Run it again after adding rules that name new roles, or after
                    CREATE EXTENSION; "pg_autouser doctor" lists what is missing.
  --conninfo STR    how to reach the server for --admin-role, as a superuser (a libpq
                    connection string; default: libpq's PGHOST, PGPORT, PGUSER, ...)

Writes PGDATA/pg_autouser_server.crt and .key (mode 0600) and PGDATA/pg_autouser_ca.crt;
sets ssl, ssl_cert_file, ssl_key_file, ssl_ca_file and shared_preload_libraries (keeping
what it already loads) in a marked block at the end of postgresql.conf; adds
"hostssl all all 0.0.0.0/0 cert" and "hostssl all all ::/0 cert" to pg_hba.conf before
its other TCP records.  Running it again changes nothing that is already right.  Every
file it changes is first copied to FILE.pg_autouser-backup-TIMESTAMP.  It says whether the
server must be restarted (preload, pg_autouser.database) or only reloaded.
)";

constexpr std::size_t kMaxHostnameBytes = 253;
constexpr std::size_t kMaxCnBytes = 64;

void check_hostname(const std::string &host, bool is_cn) {
	bool ok = !host.empty() && host.size() <= kMaxHostnameBytes;
	for (char c : host)
		ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
		            c == ':' || c == '*' || c == '_');
	if (!ok)
		throw UsageError("server setup",
		                 "host name \"" + printable(host) +
		                     "\" is not a DNS name or IP address (letters, digits, . - _ * :)");
	if (is_cn && host.size() > kMaxCnBytes)
		throw UsageError("server setup", "the first host name becomes the certificate CN and may "
		                                 "not be longer than 64 bytes");
}

void check_pgdata(const std::string &pgdata, const std::string &confdir) {
	if (!path_exists(join_path(pgdata, "PG_VERSION")))
		throw Failure("\"" + pgdata + "\" is not a PostgreSQL data directory (no PG_VERSION)");
	for (const char *name : {"postgresql.conf", "pg_hba.conf"})
		if (!path_exists(join_path(confdir, name)))
			throw Failure("\"" + join_path(confdir, name) +
			              "\" does not exist (use --config-dir if the configuration lives "
			              "elsewhere)");
}

void print_report(const SetupReport &report, const std::string &pgdata) {
	for (const auto &line : report.kept)
		std::cout << "unchanged: " << line << "\n";
	for (const auto &line : report.changes)
		std::cout << "changed: " << line << "\n";
	for (const auto &line : report.notes)
		std::cout << "note: " << line << "\n";
	for (const auto &line : report.warnings)
		std::cerr << "pg_autouser: warning: " << line << "\n";
	if (report.changes.empty())
		std::cout << "nothing changed: " << pgdata << " is already set up for pg_autouser\n";
	else if (report.restart_needed)
		std::cout << "restart PostgreSQL for the changes to take effect, e.g. pg_ctl restart -D "
		          << pgdata << "\n";
	else if (report.reload_needed)
		std::cout << "reload PostgreSQL for the changes to take effect, e.g. pg_ctl reload -D "
		          << pgdata << " (or SELECT pg_reload_conf())\n";
	else
		std::cout << "the changes are in effect; no restart or reload is needed\n";
}

} // namespace

int run_server(const Args &args) {
	if (!expect_subcommand("server", "setup", args, kHelp))
		return kExitOk;
	ParsedArgs opts = parse_args("server setup", Args(args.begin() + 1, args.end()),
	                             {{"pgdata"},
	                              {"ca"},
	                              {"hostname", '\0', true, true},
	                              {"database"},
	                              {"config-dir"},
	                              {"crl", '\0', false},
	                              {"admin-role"},
	                              {"conninfo"}});
	if (opts.help) {
		std::cout << kHelp;
		return kExitOk;
	}
	std::string pgdata = opts.require("pgdata");
	std::string ca_dir = opts.require("ca");
	std::string confdir = opts.get_or("config-dir", pgdata);
	std::vector<std::string> hostnames = opts.all("hostname");
	if (hostnames.empty())
		hostnames = {"localhost", "127.0.0.1"};
	for (std::size_t i = 0; i < hostnames.size(); ++i)
		check_hostname(hostnames[i], i == 0);
	auto database = opts.get("database");
	if (database)
		if (auto problem = database_name_problem(*database))
			throw UsageError("server setup",
			                 "database name \"" + printable(*database) + "\" " + *problem);
	ConfChoices choices;
	choices.database = database;
	choices.crl = opts.has("crl");
	choices.admin_role = opts.get("admin-role");
	if (opts.has("conninfo") && !choices.admin_role)
		throw UsageError("server setup", "option --conninfo needs --admin-role");
	if (choices.admin_role)
		if (auto problem = cn_problem(*choices.admin_role))
			throw UsageError("server setup", "admin role name \"" + printable(*choices.admin_role) +
			                                     "\" " + *problem);
	check_pgdata(pgdata, confdir);

	LoadedCa ca = load_ca(ca_dir);
	SetupReport report;
	// The roles first: when the server cannot be reached, no file has changed yet.
	if (choices.admin_role)
		setup_admin_role(opts.get_or("conninfo", ""), *choices.admin_role, database, report);
	setup_server_files(pgdata, ca, hostnames, report);
	if (choices.crl)
		setup_crl(pgdata, ca_dir, ca, report);
	setup_postgresql_conf(pgdata, confdir, choices, report);
	setup_pg_hba(confdir, report);
	print_report(report, pgdata);
	return report.warnings.empty() ? kExitOk : kExitFailed;
}

} // namespace pg_autouser::cli
