// errors.hpp -- the two ways a pg_autouser CLI command fails: a usage error (exit 2: the command
// line is wrong) and a failure (exit 1: the work or a check could not be done).  main() maps them
// to exit codes; nothing else catches them.
#pragma once

#include <stdexcept>
#include <string>

namespace pg_autouser::cli {

// Bad options or option values.  command names the (sub)command for the "--help" hint.
class UsageError : public std::runtime_error {
  public:
	UsageError(const std::string &command, const std::string &message)
	    : std::runtime_error(message), command_(command) {}
	const std::string &command() const { return command_; }

  private:
	std::string command_;
};

// The command line was fine, the work failed (a file exists, OpenSSL refused, ...).
class Failure : public std::runtime_error {
  public:
	using std::runtime_error::runtime_error;
};

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

} // namespace pg_autouser::cli
