// connect.cpp -- `pg_autouser connect`: execs psql (PSQL or psql on PATH) with a conninfo for a
// certificate login as the certificate's CN, sslmode=verify-full; --dry-run prints the argv.
#include "args.hpp"
#include "client_params.hpp"
#include "commands.hpp"
#include "errors.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace pg_autouser::cli {

namespace {

const char *const kHelpHead = R"(pg_autouser connect -- run psql with a certificate login

Usage: pg_autouser connect --cert FILE --key FILE [--ca FILE] [--host H] [--port P]
                           [-d DB] [--dry-run] [-- PSQL-ARGS...]

Options:
)";

const char *const kHelpTail =
    R"(  --dry-run       print psql's argv, one argument per line, instead of running it
  -- PSQL-ARGS    passed to psql after the connection string, e.g. -- -c 'SELECT 1'

Runs "$PSQL" if set, else psql from PATH, as:
  psql -d 'host=H port=P dbname=DB user=CN sslmode=verify-full sslrootcert=... sslcert=...
           sslkey=...'
)";

} // namespace

int run_connect(const Args &args) {
	auto specs = client_option_specs();
	specs.push_back({"dry-run", '\0', false, false});
	ParsedArgs opts = parse_args("connect", args, specs, true);
	if (opts.help) {
		std::cout << kHelpHead << kClientOptionsHelp << kHelpTail;
		return kExitOk;
	}
	ClientParams params = client_params_from(opts);
	const char *env_psql = std::getenv("PSQL");
	std::vector<std::string> argv{env_psql && *env_psql ? env_psql : "psql", "-d",
	                              build_conninfo(params)};
	argv.insert(argv.end(), opts.passthrough.begin(), opts.passthrough.end());
	if (opts.has("dry-run")) {
		for (const auto &arg : argv)
			std::cout << arg << "\n";
		return kExitOk;
	}
	std::vector<char *> c_argv;
	for (auto &arg : argv)
		c_argv.push_back(arg.data());
	c_argv.push_back(nullptr);
	std::cout.flush();
	::execvp(c_argv[0], c_argv.data());
	throw Failure("cannot run \"" + argv[0] + "\": " + std::strerror(errno) +
	              " (set PSQL to psql's path)");
}

} // namespace pg_autouser::cli
