// cert_factory.cpp -- client certificates for the benchmark identities, made with libcrypto
// instead of one openssl command per identity (the storm alone needs thousands).
#include "cert_factory.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <stdexcept>
#include <unistd.h>

namespace pg_autouser::bench {

namespace {

[[noreturn]] void fail(const std::string &what) {
	char buf[256] = "";
	ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
	throw std::runtime_error(what + ": " + buf);
}

struct FileCloser {
	void operator()(FILE *f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

File open_file(const std::string &path, const char *mode) {
	File f(std::fopen(path.c_str(), mode));
	if (!f)
		throw std::runtime_error("cannot open " + path);
	return f;
}

// Creates path with mode 0600 before anything is written to it.
File create_private(const std::string &path) {
	int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		throw std::runtime_error("cannot create " + path);
	File f(::fdopen(fd, "w"));
	if (!f) {
		::close(fd);
		throw std::runtime_error("cannot create " + path);
	}
	return f;
}

} // namespace

CertFactory::CertFactory(const std::string &ca_cert_path, const std::string &ca_key_path,
                         std::string dir)
    : dir_(std::move(dir)), key_path_(dir_ + "/client.key"),
      serial_(static_cast<long>(std::time(nullptr)) << 16) {
	{
		File f = open_file(ca_cert_path, "r");
		ca_cert_ = PEM_read_X509(f.get(), nullptr, nullptr, nullptr);
		if (!ca_cert_)
			fail("cannot read CA certificate " + ca_cert_path);
	}
	{
		File f = open_file(ca_key_path, "r");
		ca_key_ = PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr);
		if (!ca_key_)
			fail("cannot read CA key " + ca_key_path);
	}
	client_key_ = EVP_EC_gen("P-256");
	if (!client_key_)
		fail("cannot generate an EC P-256 key");
	File f = create_private(key_path_);
	if (!PEM_write_PrivateKey(f.get(), client_key_, nullptr, nullptr, 0, nullptr, nullptr))
		fail("cannot write " + key_path_);
}

CertFactory::~CertFactory() {
	X509_free(ca_cert_);
	EVP_PKEY_free(ca_key_);
	EVP_PKEY_free(client_key_);
}

std::string CertFactory::mint(const std::string &cn) {
	std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
	if (!cert)
		fail("X509_new");
	X509 *x = cert.get();
	X509_NAME *subject = X509_get_subject_name(x);
	if (!X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial_) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 7 * 24 * 3600) ||
	    !X509_set_pubkey(x, client_key_) ||
	    !X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
	                                reinterpret_cast<const unsigned char *>(cn.c_str()), -1, -1,
	                                0) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca_cert_)) ||
	    !X509_sign(x, ca_key_, EVP_sha256()))
		fail("cannot sign a certificate for " + cn);
	std::string path = dir_ + "/" + cn + ".crt";
	File f = open_file(path, "w");
	if (!PEM_write_X509(f.get(), x))
		fail("cannot write " + path);
	return path;
}

} // namespace pg_autouser::bench
