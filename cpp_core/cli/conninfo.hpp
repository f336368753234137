// conninfo.hpp -- pure text for client connections: a libpq conninfo string and a pg_service.conf
// section for a certificate login, plus the file-name escaping of a CN.  No I/O, no OpenSSL.
#pragma once

#include <optional>
#include <string>

namespace pg_autouser::cli {

struct ClientParams {
	std::string host;
	std::string port;
	std::string dbname;
	std::string user; // the certificate's CN
	std::optional<std::string> sslrootcert;
	std::string sslcert;
	std::string sslkey;
};

// A conninfo value, single-quoted with \ and ' backslash-escaped when it holds anything but
// [A-Za-z0-9._/:@,+-] (libpq's rule: quotes needed for spaces, empty values, quotes, backslashes).
std::string quote_conninfo_value(const std::string &value);

// "host=... port=... dbname=... user=... sslmode=verify-full [sslrootcert=...] sslcert=...
// sslkey=...".
std::string build_conninfo(const ClientParams &params);

// "[name]\nhost=...\n...": Failure when a value cannot be written to pg_service.conf (which takes
// the rest of the line verbatim, with trailing white space stripped) or the name holds ']'.
std::string build_service_section(const std::string &name, const ClientParams &params);

// A file-name stem for a CN: [A-Za-z0-9_-] kept, '.' kept except in first position, every other
// byte as %XX.  Injective, so two CNs never share files.
std::string safe_file_stem(const std::string &cn);

} // namespace pg_autouser::cli
