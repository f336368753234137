// cert_options.cpp -- validity, key file names and password-file text for the certificate
// commands.
#include "cert_options.hpp"

#include "errors.hpp"

namespace pg_autouser::cli {

std::string Validity::describe() const {
	auto plural = [](int n, const char *unit) {
		return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
	};
	return minutes > 0 ? plural(minutes, "minute") : plural(days, "day");
}

Validity validity_from(const ParsedArgs &opts, int default_days) {
	if (opts.has("days") && opts.has("minutes"))
		throw UsageError(opts.command, "options --days and --minutes cannot be used together");
	Validity validity;
	if (opts.has("minutes"))
		validity.minutes = opts.get_int("minutes", 0, 1, kMaxValidityMinutes);
	else
		validity.days = opts.get_int("days", default_days, 1, kMaxValidityDays);
	return validity;
}

std::string pk8_path_for(const std::string &key_path) {
	auto ends_with = [&key_path](const std::string &suffix) {
		return key_path.size() > suffix.size() &&
		       key_path.compare(key_path.size() - suffix.size(), suffix.size(), suffix) == 0;
	};
	if (ends_with(".pk8"))
		return key_path;
	if (ends_with(".key"))
		return key_path.substr(0, key_path.size() - 4) + ".pk8";
	return key_path + ".pk8";
}

std::string password_from_file_text(const std::string &text, const std::string &path) {
	std::string password = text.substr(0, text.find('\n'));
	if (!password.empty() && password.back() == '\r')
		password.pop_back();
	if (password.empty())
		throw Failure("password file \"" + path + "\" is empty; its first line is the password");
	return password;
}

} // namespace pg_autouser::cli
