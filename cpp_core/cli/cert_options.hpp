// cert_options.hpp -- option values of the certificate commands that need more than a range
// check: a validity in days or minutes.  Pure: no OpenSSL, no files.
#pragma once

#include "args.hpp"

#include <string>

namespace pg_autouser::cli {

constexpr int kMaxValidityDays = 3650;
constexpr int kMaxValidityMinutes = kMaxValidityDays * 24 * 60;

// How long a certificate is valid: exactly one of days and minutes is non-zero.
struct Validity {
	int days = 0;
	int minutes = 0;
	std::string describe() const; // "365 days", "1 minute"
};

// --days N or --minutes N (a UsageError when both are given); default_days when neither.
Validity validity_from(const ParsedArgs &opts, int default_days);

} // namespace pg_autouser::cli
