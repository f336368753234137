// args.cpp -- parses a command's options into ParsedArgs; validates syntax only (which options,
// how many), never what a value means beyond integer ranges.
#include "args.hpp"

#include "errors.hpp"

#include <cerrno>
#include <cstdlib>

namespace pg_autouser::cli {

namespace {

const OptionSpec *find_long(const std::vector<OptionSpec> &specs, const std::string &name) {
	for (const auto &spec : specs)
		if (spec.name == name)
			return &spec;
	return nullptr;
}

const OptionSpec *find_short(const std::vector<OptionSpec> &specs, char name) {
	for (const auto &spec : specs)
		if (spec.short_name != '\0' && spec.short_name == name)
			return &spec;
	return nullptr;
}

} // namespace

bool ParsedArgs::has(const std::string &name) const { return values.count(name) > 0; }

std::optional<std::string> ParsedArgs::get(const std::string &name) const {
	auto it = values.find(name);
	if (it == values.end() || it->second.empty())
		return std::nullopt;
	return it->second.back();
}

std::string ParsedArgs::get_or(const std::string &name, const std::string &fallback) const {
	auto value = get(name);
	return value ? *value : fallback;
}

const std::vector<std::string> &ParsedArgs::all(const std::string &name) const {
	static const std::vector<std::string> kNone;
	auto it = values.find(name);
	return it == values.end() ? kNone : it->second;
}

std::string ParsedArgs::require(const std::string &name) const {
	auto value = get(name);
	if (!value)
		throw UsageError(command, "option --" + name + " is required");
	return *value;
}

int ParsedArgs::get_int(const std::string &name, int fallback, int min, int max) const {
	auto value = get(name);
	if (!value)
		return fallback;
	const std::string range = std::to_string(min) + ".." + std::to_string(max);
	char *end = nullptr;
	errno = 0;
	long parsed = std::strtol(value->c_str(), &end, 10);
	if (value->empty() || *end != '\0' || errno != 0 || parsed < min || parsed > max)
		throw UsageError(command, "option --" + name + " must be an integer in " + range +
		                              ", not \"" + *value + "\"");
	return static_cast<int>(parsed);
}

ParsedArgs parse_args(const std::string &command, const std::vector<std::string> &args,
                      const std::vector<OptionSpec> &specs, bool allow_passthrough) {
	ParsedArgs parsed;
	parsed.command = command;
	for (std::size_t i = 0; i < args.size(); ++i) {
		const std::string &arg = args[i];
		if (arg == "--help" || arg == "-h") {
			parsed.help = true;
			continue;
		}
		if (arg == "--") {
			if (!allow_passthrough)
				throw UsageError(command, "unexpected \"--\"");
			parsed.passthrough.assign(args.begin() + static_cast<long>(i) + 1, args.end());
			break;
		}
		const OptionSpec *spec = nullptr;
		std::optional<std::string> inline_value;
		if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
			std::string name = arg.substr(2);
			auto eq = name.find('=');
			if (eq != std::string::npos) {
				inline_value = name.substr(eq + 1);
				name.erase(eq);
			}
			spec = find_long(specs, name);
		} else if (arg.size() == 2 && arg[0] == '-') {
			spec = find_short(specs, arg[1]);
		} else {
			throw UsageError(command, "unexpected argument \"" + arg + "\"");
		}
		if (spec == nullptr)
			throw UsageError(command, "unknown option \"" + arg + "\"");
		std::string value;
		if (spec->takes_value) {
			if (inline_value) {
				value = *inline_value;
			} else {
				if (i + 1 >= args.size())
					throw UsageError(command, "option --" + spec->name + " needs a value");
				value = args[++i];
			}
		} else if (inline_value) {
			throw UsageError(command, "option --" + spec->name + " takes no value");
		}
		auto &slot = parsed.values[spec->name];
		if (!slot.empty() && !spec->repeatable)
			throw UsageError(command, "option --" + spec->name + " given more than once");
		slot.push_back(value);
	}
	return parsed;
}

} // namespace pg_autouser::cli
