// args.hpp -- option parsing shared by every pg_autouser command: long options (--name VALUE or
// --name=VALUE), optional one-letter aliases, repeatable options, --help, and "--" pass-through.
// It knows no command: each command passes the options it accepts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pg_autouser::cli {

struct OptionSpec {
	std::string name;        // long name without "--"
	char short_name = '\0';  // e.g. 'd' for -d; '\0' for none
	bool takes_value = true; // false: a flag
	bool repeatable = false;
};

struct ParsedArgs {
	std::string command; // for messages: "cert issue"
	std::map<std::string, std::vector<std::string>> values;
	std::vector<std::string> passthrough; // everything after "--"
	bool help = false;

	bool has(const std::string &name) const;
	std::optional<std::string> get(const std::string &name) const;
	std::string get_or(const std::string &name, const std::string &fallback) const;
	const std::vector<std::string> &all(const std::string &name) const;
	// The value of a mandatory option; a UsageError when absent.
	std::string require(const std::string &name) const;
	// An integer option within [min, max]; fallback when absent.
	int get_int(const std::string &name, int fallback, int min, int max) const;
};

// Throws UsageError on an unknown option, a missing value, a repeated single option, or a
// positional argument.  "--" is accepted only when allow_passthrough.
ParsedArgs parse_args(const std::string &command, const std::vector<std::string> &args,
                      const std::vector<OptionSpec> &specs, bool allow_passthrough = false);

} // namespace pg_autouser::cli
