// service.cpp -- `pg_autouser service`: prints a pg_service.conf section for a certificate login
// (user = the certificate's CN, sslmode=verify-full) for GUI clients and "psql service=NAME".
#include "args.hpp"
#include "client_params.hpp"
#include "commands.hpp"
#include "errors.hpp"

#include <iostream>

namespace pg_autouser::cli {

namespace {

const char *const kHelpHead =
    R"(pg_autouser service -- print a pg_service.conf entry for a certificate login

Usage: pg_autouser service --name NAME --cert FILE --key FILE [--ca FILE] [--host H]
                           [--port P] [-d DB]

Options:
  --name NAME     the service name, the [NAME] section header
)";

const char *const kHelpTail = R"(
Append the output to ~/.pg_service.conf (or $PGSERVICEFILE) and connect with
"psql service=NAME".
)";

} // namespace

int run_service(const Args &args) {
	auto specs = client_option_specs();
	specs.push_back({"name"});
	ParsedArgs opts = parse_args("service", args, specs);
	if (opts.help) {
		std::cout << kHelpHead << kClientOptionsHelp << kHelpTail;
		return kExitOk;
	}
	std::string name = opts.require("name");
	if (name.empty() || name.find_first_of("[]\r\n") != std::string::npos ||
	    name.find_first_of(" \t") == 0 || name.find_last_of(" \t") == name.size() - 1)
		throw UsageError("service", "service name \"" + name +
		                                "\" may not be empty, hold [ ] or line breaks, or start "
		                                "or end with white space");
	ClientParams params = client_params_from(opts);
	std::cout << build_service_section(name, params);
	return kExitOk;
}

} // namespace pg_autouser::cli
