// service.cpp -- `pg_autouser service`: prints a pg_service.conf section for a certificate login
// (user = the certificate's CN, sslmode=verify-full) for "psql service=NAME" and libpq-based
// tools, or with --jdbc a JDBC URL for pgjdbc and the GUI clients built on it (DBeaver, DataGrip).
#include "args.hpp"
#include "cert_options.hpp"
#include "client_params.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "file_util.hpp"

#include <iostream>

namespace pg_autouser::cli {

namespace {

const char *const kHelpHead =
    R"(pg_autouser service -- print a pg_service.conf entry or a JDBC URL for a certificate login

Usage: pg_autouser service --name NAME --cert FILE --key FILE [--ca FILE] [--host H]
                           [--port P] [-d DB]
       pg_autouser service --jdbc --cert FILE --key FILE [--ca FILE] [--host H] [--port P]
                           [-d DB]

Options:
  --name NAME     the service name, the [NAME] section header
  --jdbc          print a JDBC URL instead:
                    jdbc:postgresql://H:P/DB?user=CN&sslmode=verify-full&sslcert=...
                    &sslkey=KEY.pk8&sslrootcert=...
                  pgjdbc reads the key only as PKCS#8 DER: the .pk8 "cert issue" wrote
                  next to the .key (--key may name either)
)";

const char *const kHelpTail = R"(
Append a service entry to ~/.pg_service.conf (or $PGSERVICEFILE) and connect with
"psql service=NAME".  Paste a JDBC URL into a GUI client's URL field, or copy its parts
into the connection form (README: "GUI clients").
)";

} // namespace

int run_service(const Args &args) {
	auto specs = client_option_specs();
	specs.push_back({"name"});
	specs.push_back({"jdbc", '\0', false});
	ParsedArgs opts = parse_args("service", args, specs);
	if (opts.help) {
		std::cout << kHelpHead << kClientOptionsHelp << kHelpTail;
		return kExitOk;
	}
	if (opts.has("jdbc")) {
		if (opts.has("name"))
			throw UsageError("service", "options --name and --jdbc cannot be used together (a "
			                            "JDBC URL has no service name)");
		ClientParams params = client_params_from(opts);
		std::string pk8 = pk8_path_for(params.sslkey);
		if (!path_exists(pk8))
			throw Failure("pgjdbc reads the key only as PKCS#8 DER, and \"" + pk8 +
			              "\" does not exist; \"pg_autouser cert issue\" writes it, or convert "
			              "the key with: openssl pkcs8 -topk8 -nocrypt -outform DER -in " +
			              params.sslkey + " -out " + pk8);
		params.sslkey = pk8;
		std::cout << build_jdbc_url(params) << "\n";
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
