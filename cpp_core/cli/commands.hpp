// commands.hpp -- one entry point per top-level command of the pg_autouser CLI.  Each takes the
// arguments after its command word, prints its own --help, and returns an exit code or throws
// UsageError / Failure (see errors.hpp).
#pragma once

#include <string>
#include <vector>

namespace pg_autouser::cli {

using Args = std::vector<std::string>;

int run_ca(const Args &args);      // ca init, ca crl
int run_cert(const Args &args);    // cert issue, cert revoke
int run_server(const Args &args);  // server setup
int run_connect(const Args &args); // connect
int run_service(const Args &args); // service
int run_doctor(const Args &args);  // doctor

// The subcommands behind the groups; args are those after the subcommand word.
int run_ca_crl(const Args &args);
int run_cert_issue(const Args &args);
int run_cert_revoke(const Args &args);

// For "group subcommand" commands: returns args[0] when it is one of subs, prints help and
// returns "" for --help (exit 0), or throws UsageError.
std::string pick_subcommand(const std::string &group, const std::vector<std::string> &subs,
                            const Args &args, const char *help);

// pick_subcommand for a group with one subcommand; false when help was printed.
bool expect_subcommand(const std::string &group, const std::string &sub, const Args &args,
                       const char *help);

} // namespace pg_autouser::cli
