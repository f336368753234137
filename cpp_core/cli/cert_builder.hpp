// cert_builder.hpp -- builds and signs the three certificate kinds the CLI issues (CA, client,
// server) with fixed extensions per kind.  It validates nothing: callers check names and days.
#pragma once

#include "openssl_util.hpp"

#include <string>
#include <utility>
#include <vector>

namespace pg_autouser::cli {

enum class CertKind { kCa, kClient, kServer };

struct CertSpec {
	CertKind kind = CertKind::kClient;
	// Subject attributes in order, e.g. {"O", "Acme"}, {"OU", "eng"}, {"CN", "alice"}; UTF-8.
	std::vector<std::pair<std::string, std::string>> subject;
	int days = 365;
	int minutes = 0; // when > 0, the validity is this many minutes and days is ignored
	// kServer only: each becomes an iPAddress SAN if it parses as an address, else a dNSName.
	std::vector<std::string> hostnames;
};

// Signs with issuer_key; issuer == nullptr makes a self-signed certificate (then issuer_key must
// be subject_key).
X509Ptr build_cert(const CertSpec &spec, EVP_PKEY *subject_key, X509 *issuer, EVP_PKEY *issuer_key);

// The SANs build_cert gives these host names, spelled as cert_san_strings reads them back.
std::vector<std::string> san_strings_for(const std::vector<std::string> &hostnames);

} // namespace pg_autouser::cli
