// main.cpp -- the pg_autouser CLI entry point: dispatches to a command and turns its errors into
// messages on stderr and exit codes (0 ok, 1 failed, 2 usage).  No command logic lives here.
#include "commands.hpp"
#include "errors.hpp"

#include <cstring>
#include <iostream>
#include <map>

namespace pg_autouser::cli {

namespace {

const char *const kMainHelp = R"(pg_autouser -- helper for pg_autouser certificate logins

Usage: pg_autouser COMMAND [OPTIONS]

Commands:
  ca init        create a certificate authority (EC P-256 key and self-signed certificate)
  ca crl         re-sign the CA's certificate revocation list (before its next update)
  cert issue     issue a client certificate whose CN is the database user name
  cert revoke    revoke a certificate and rewrite the CA's revocation list
  server setup   configure a data directory: server certificate, ssl, preload, pg_hba lines,
                 the revocation list, the admin role
  connect        run psql with a certificate login (sslmode=verify-full, user = the CN)
  service        print a pg_service.conf entry or a JDBC URL for a certificate login
  doctor         check a server's pg_autouser setup and say what is missing

Run "pg_autouser COMMAND --help" for a command's options.
Exit status: 0 ok, 1 failed (or a check failed), 2 usage error.
)";

using Runner = int (*)(const Args &);

const std::map<std::string, Runner> &runners() {
	static const std::map<std::string, Runner> kRunners{
	    {"ca", run_ca},           {"cert", run_cert},       {"server", run_server},
	    {"connect", run_connect}, {"service", run_service}, {"doctor", run_doctor}};
	return kRunners;
}

int dispatch(int argc, char **argv) {
	if (argc < 2)
		throw UsageError("", "no command given");
	std::string command = argv[1];
	if (command == "--help" || command == "-h" || command == "help") {
		std::cout << kMainHelp;
		return kExitOk;
	}
	auto it = runners().find(command);
	if (it == runners().end())
		throw UsageError("", "unknown command \"" + command + "\"");
	return it->second(Args(argv + 2, argv + argc));
}

} // namespace

std::string pick_subcommand(const std::string &group, const std::vector<std::string> &subs,
                            const Args &args, const char *help) {
	if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
		std::cout << help;
		return "";
	}
	// The --help hint names the group's only subcommand, or the group when there are several.
	std::string hint = subs.size() == 1 ? group + " " + subs[0] : group;
	std::string expected;
	for (std::size_t i = 0; i < subs.size(); ++i)
		expected += (i == 0                 ? ""
		             : i + 1 == subs.size() ? " or "
		                                    : ", ") +
		            ("\"" + group + " " + subs[i] + "\"");
	if (args.empty())
		throw UsageError(hint, "missing subcommand (expected " + expected + ")");
	for (const auto &sub : subs)
		if (args[0] == sub)
			return sub;
	throw UsageError(hint, "unknown subcommand \"" + group + " " + args[0] + "\"");
}

bool expect_subcommand(const std::string &group, const std::string &sub, const Args &args,
                       const char *help) {
	return !pick_subcommand(group, {sub}, args, help).empty();
}

} // namespace pg_autouser::cli

int main(int argc, char **argv) {
	using namespace pg_autouser::cli;
	try {
		return dispatch(argc, argv);
	} catch (const UsageError &e) {
		std::cerr << "pg_autouser: " << e.what() << "\n";
		std::string command = e.command().empty() ? "" : e.command() + " ";
		std::cerr << "Try \"pg_autouser " << command << "--help\" for more information.\n";
		return kExitUsage;
	} catch (const Failure &e) {
		std::cerr << "pg_autouser: error: " << e.what() << "\n";
		return kExitFailed;
	} catch (const std::exception &e) {
		std::cerr << "pg_autouser: error: " << e.what() << "\n";
		return kExitFailed;
	}
}
