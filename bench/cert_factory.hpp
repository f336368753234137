// cert_factory.hpp -- mints client certificates (EC P-256 key, CN = identity) signed by a given
// CA, in memory, and writes them to a directory for libpq.  Talks to no server.
#pragma once

#include <openssl/types.h>

#include <string>

namespace pg_autouser::bench {

class CertFactory {
  public:
	// Reads the CA's PEM certificate and key and makes one client key, written to
	// <dir>/client.key (0600, or libpq refuses it).  Throws std::runtime_error.
	CertFactory(const std::string &ca_cert_path, const std::string &ca_key_path, std::string dir);
	~CertFactory();
	CertFactory(const CertFactory &) = delete;
	CertFactory &operator=(const CertFactory &) = delete;

	// Signs a certificate whose subject is just CN=cn and writes <dir>/<cn>.crt; returns its
	// path.  Every certificate carries the same key: the server's cost does not depend on it, and
	// one key file saves a write per identity.  Not thread-safe.
	std::string mint(const std::string &cn);

	const std::string &key_path() const { return key_path_; }
	const std::string &dir() const { return dir_; }

  private:
	X509 *ca_cert_ = nullptr;
	EVP_PKEY *ca_key_ = nullptr;
	EVP_PKEY *client_key_ = nullptr;
	std::string dir_;
	std::string key_path_;
	long serial_;
};

} // namespace pg_autouser::bench
