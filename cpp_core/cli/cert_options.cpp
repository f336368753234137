// cert_options.cpp -- the validity of the certificate commands.
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

} // namespace pg_autouser::cli
