// doctor.cpp -- `pg_autouser doctor`: runs the file checks (--pgdata) and the server checks
// (--conninfo, or libpq's defaults when no --pgdata), prints one line per check with the fix for
// what is missing or not as recommended, and exits 1 if anything is missing.
#include "doctor.hpp"

#include "args.hpp"
#include "commands.hpp"
#include "errors.hpp"

#include <iostream>

namespace pg_autouser::cli {

namespace {

const char *const kHelp = R"(pg_autouser doctor -- check a server's pg_autouser setup

Usage: pg_autouser doctor [--pgdata DIR [--config-dir DIR]] [--conninfo STR]

Options:
  --pgdata DIR      check the configuration files of this data directory: preload, ssl
                    and its files, pg_hba.conf certificate records
  --config-dir DIR  where postgresql.conf and pg_hba.conf are (default: --pgdata)
  --conninfo STR    check the running server through this libpq connection string:
                    preload and ssl in effect, pg_hba_file_rules (without --pgdata),
                    the extension in pg_autouser.database, the workers, the group role,
                    the admin role (exists, CREATEROLE, not a superuser), the roles the
                    enabled rules name, the ADMIN OPTION grants the admin role needs on
                    PostgreSQL 16 and later, and what standbys need of it: LOGIN, USAGE
                    on schema autouser and EXECUTE on the two functions standbys call
                    (on a primary that no server replicates from yet, a gap there is a
                    WARNING).  On a standby also pg_autouser.primary_conninfo, and that a
                    connection made from it, as the standby's workers make it, reaches a
                    writable primary as the role the primary acts for standbys as (run
                    doctor as the server's operating system user, so that it can read
                    the certificate or passfile the string names).  Without --pgdata and
                    --conninfo, libpq's defaults (PGHOST, PGPORT, PGUSER, ...) are used.
                    Connect as a superuser: the rules and pg_hba_file_rules are not
                    readable otherwise.

With --pgdata, an ssl_crl_file is checked too: it must be a readable CRL whose next
update has not passed (after that the server refuses every certificate of its CA).

Each line is OK, MISSING (followed by the fix), WARNING (works, but not as recommended;
followed by the fix) or SKIPPED (not checkable from here).
Exit status: 0 if nothing is missing, 1 otherwise, 2 on a usage error.
)";

const char *status_word(CheckStatus status) {
	switch (status) {
	case CheckStatus::kOk:
		return "OK      ";
	case CheckStatus::kMissing:
		return "MISSING ";
	case CheckStatus::kWarning:
		return "WARNING ";
	case CheckStatus::kSkipped:
		return "SKIPPED ";
	}
	return "?       ";
}

} // namespace

int run_doctor(const Args &args) {
	ParsedArgs opts = parse_args("doctor", args, {{"pgdata"}, {"config-dir"}, {"conninfo"}});
	if (opts.help) {
		std::cout << kHelp;
		return kExitOk;
	}
	auto pgdata = opts.get("pgdata");
	if (opts.has("config-dir") && !pgdata)
		throw UsageError("doctor", "option --config-dir needs --pgdata");
	std::vector<Finding> findings;
	if (pgdata)
		findings = check_config_files(*pgdata, opts.get_or("config-dir", *pgdata));
	if (opts.has("conninfo") || !pgdata) {
		auto server = check_running_server(opts.get_or("conninfo", ""), !pgdata);
		findings.insert(findings.end(), server.begin(), server.end());
	}
	int missing = 0;
	for (const auto &finding : findings) {
		std::cout << status_word(finding.status) << finding.check << ": " << finding.detail << "\n";
		if (finding.status == CheckStatus::kMissing || finding.status == CheckStatus::kWarning)
			std::cout << "        fix: " << finding.fix << "\n";
		if (finding.status == CheckStatus::kMissing)
			++missing;
	}
	if (missing == 0)
		std::cout << "all checks passed\n";
	else
		std::cout << missing << " check(s) missing\n";
	return missing == 0 ? kExitOk : kExitFailed;
}

} // namespace pg_autouser::cli
