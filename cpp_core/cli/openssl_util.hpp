// openssl_util.hpp -- RAII owners for the libcrypto objects the CLI uses, and the few operations on
// them it needs: P-256 key generation, PEM in and out, reading a certificate's CN and SANs,
// checking who signed a certificate, PKCS#8 and PKCS#12 encodings.  Building certificates is
// cert_builder's job.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

namespace pg_autouser::cli {

template <typename T, void (*Free)(T *)> struct OpensslDeleter {
	void operator()(T *p) const { Free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpensslDeleter<X509, X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, OpensslDeleter<X509_NAME, X509_NAME_free>>;
using X509ExtensionPtr =
    std::unique_ptr<X509_EXTENSION, OpensslDeleter<X509_EXTENSION, X509_EXTENSION_free>>;
using GeneralNamesPtr =
    std::unique_ptr<GENERAL_NAMES, OpensslDeleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using Asn1IntegerPtr =
    std::unique_ptr<ASN1_INTEGER, OpensslDeleter<ASN1_INTEGER, ASN1_INTEGER_free>>;

// Throws Failure("what: <OpenSSL's error queue>") and clears the queue.
[[noreturn]] void throw_openssl(const std::string &what);

// A fresh EC key on the named curve P-256 (prime256v1).
PkeyPtr generate_p256_key();

std::string key_to_pem(EVP_PKEY *key);
// Unencrypted PKCS#8 PrivateKeyInfo, DER: the .pk8 form pgjdbc reads.
std::string key_to_pkcs8_der(EVP_PKEY *key);
std::string cert_to_pem(X509 *cert);
// A PKCS#12 bundle (DER) of key, cert and the ca certificate, with OpenSSL 3's default
// protection (PBES2 AES-256-CBC, HMAC-SHA256 MAC).  alias is the key's friendlyName.
std::string make_pkcs12(EVP_PKEY *key, X509 *cert, X509 *ca, const std::string &password,
                        const std::string &alias);
// Parse PEM text; path is only for messages.
PkeyPtr key_from_pem(const std::string &pem, const std::string &path);
X509Ptr cert_from_pem(const std::string &pem, const std::string &path);

// The first commonName of the subject as UTF-8 (what PostgreSQL reads); Failure if none.
std::string cert_common_name(X509 *cert);

// Subject alternative names as "DNS:name" / "IP:address" strings, in certificate order.
std::vector<std::string> cert_san_strings(X509 *cert);

// An ASN.1 time as "YYYY-MM-DD HH:MM:SS UTC"; the certificate's notAfter in that form.
std::string asn1_time_text(const ASN1_TIME *time);
std::string readable_not_after(X509 *cert);

// What doctor reports of each CRL in a PEM file.
struct CrlFacts {
	std::string issuer;      // the issuer's subject, "/CN=..."
	std::string next_update; // asn1_time_text, or "" when the CRL has none
	bool expired = false;    // its nextUpdate has passed
	std::size_t revoked = 0;
};
// Every CRL in pem; empty when it holds none.
std::vector<CrlFacts> read_crls(const std::string &pem);

// 1 when ca issued cert and its signature verifies with ca's key.
bool cert_signed_by(X509 *cert, X509 *ca);

} // namespace pg_autouser::cli
