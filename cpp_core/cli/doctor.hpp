// doctor.hpp -- the findings of `pg_autouser doctor`: each check is OK, MISSING (with the exact
// fix), WARNING (works, but not as recommended; with the fix; not a failure) or SKIPPED (could
// not be checked from here; not a failure).
#pragma once

#include <string>
#include <vector>

namespace pg_autouser::cli {

enum class CheckStatus { kOk, kMissing, kWarning, kSkipped };

struct Finding {
	CheckStatus status;
	std::string check;  // short name: "preload", "extension", ...
	std::string detail; // what was found
	std::string fix;    // for kMissing and kWarning: what to do
};

// postgresql.conf (+ postgresql.auto.conf) and pg_hba.conf as files.
std::vector<Finding> check_config_files(const std::string &pgdata, const std::string &confdir);

// The running server through libpq; pg_hba from pg_hba_file_rules only when check_hba.
std::vector<Finding> check_running_server(const std::string &conninfo, bool check_hba);

} // namespace pg_autouser::cli
