// cert_options.hpp -- option values of the certificate commands that need more than a range
// check: a validity in days or minutes, the PKCS#8 key that goes with a PEM key, a password file's
// password.  Pure: no OpenSSL, no files (callers read them).
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

// Where `cert issue` wrote the PKCS#8 DER key for a PEM key file: "x.key" -> "x.pk8", any other
// name gets ".pk8" appended; a ".pk8" path is its own answer.
std::string pk8_path_for(const std::string &key_path);

// The password in a password file's text: its first line without the line break (as openssl's
// -passin file: reads it).  Failure naming path when it is empty.
std::string password_from_file_text(const std::string &text, const std::string &path);

} // namespace pg_autouser::cli
