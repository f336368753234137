// commands.hpp -- one entry point per top-level command of the pg_autouser CLI.  Each takes the
// arguments after its command word, prints its own --help, and returns an exit code or throws
// UsageError / Failure (see errors.hpp).
#pragma once

#include <string>
#include <vector>

namespace pg_autouser::cli {

using Args = std::vector<std::string>;

int run_ca(const Args &args);      // ca init
int run_cert(const Args &args);    // cert issue
int run_server(const Args &args);  // server setup
int run_connect(const Args &args); // connect
int run_service(const Args &args); // service
int run_doctor(const Args &args);  // doctor

// For "group subcommand" commands: checks args[0] is sub, or prints help / throws UsageError.
// Returns false when help was printed (exit 0).
bool expect_subcommand(const std::string &group, const std::string &sub, const Args &args,
                       const char *help);

} // namespace pg_autouser::cli
