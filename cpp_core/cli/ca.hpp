// ca.hpp -- where a CA directory keeps its files and how other commands load them.
#pragma once

#include "openssl_util.hpp"

#include <string>

namespace pg_autouser::cli {

constexpr const char *kCaCertFile = "ca.crt";
constexpr const char *kCaKeyFile = "ca.key";

struct LoadedCa {
	std::string cert_path;
	std::string cert_pem;
	X509Ptr cert;
	PkeyPtr key;
};

// Reads DIR/ca.crt and DIR/ca.key; Failure if missing, unreadable or not a pair.
LoadedCa load_ca(const std::string &dir);

} // namespace pg_autouser::cli
