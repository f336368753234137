// conninfo.hpp -- pure text for client connections: a libpq conninfo string, a pg_service.conf
// section and a JDBC URL for a certificate login, plus the file-name escaping of a CN.  No I/O, no
// OpenSSL.
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

// A JDBC URL for pgjdbc and the GUI clients built on it:
// jdbc:postgresql://HOST:PORT/DB?user=CN&sslmode=verify-full&sslcert=...&sslkey=...
// [&sslrootcert=...], with params.sslkey the PKCS#8 (.pk8) key.  An IPv6 address is bracketed;
// the database and every parameter value are percent-encoded as UTF-8 (pgjdbc URL-decodes them,
// so '+' and '%' are encoded too), except that '/' stays readable in file paths.  Failure when
// the host is not a name or address pgjdbc can parse.
std::string build_jdbc_url(const ClientParams &params);

// value with every byte outside [A-Za-z0-9-._~] (and outside keep) as %XX.
std::string percent_encode(const std::string &value, const std::string &keep = "");

// A file-name stem for a CN: [A-Za-z0-9_-] kept, '.' kept except in first position, every other
// byte as %XX.  Injective, so two CNs never share files.
std::string safe_file_stem(const std::string &cn);

} // namespace pg_autouser::cli
