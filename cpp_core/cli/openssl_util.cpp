// openssl_util.cpp -- libcrypto calls behind openssl_util.hpp; every failure becomes a Failure
// carrying OpenSSL's own reason.
#include "openssl_util.hpp"

#include "errors.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include <arpa/inet.h>

#include <ctime>

namespace pg_autouser::cli {

namespace {

using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO, BIO_free_all>>;

BioPtr memory_bio() {
	BioPtr bio(BIO_new(BIO_s_mem()));
	if (!bio)
		throw_openssl("cannot allocate a memory BIO");
	return bio;
}

std::string bio_contents(BIO *bio) {
	char *data = nullptr;
	long len = BIO_get_mem_data(bio, &data);
	return std::string(data, static_cast<std::size_t>(len));
}

BioPtr read_bio(const std::string &text) {
	BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
	if (!bio)
		throw_openssl("cannot allocate a memory BIO");
	return bio;
}

std::string ip_to_string(const ASN1_OCTET_STRING *ip) {
	char buf[INET6_ADDRSTRLEN] = {0};
	int len = ASN1_STRING_length(ip);
	const unsigned char *data = ASN1_STRING_get0_data(ip);
	int family = len == 4 ? AF_INET : len == 16 ? AF_INET6 : 0;
	if (family == 0 || inet_ntop(family, data, buf, sizeof(buf)) == nullptr)
		return "?";
	return buf;
}

// sk_X509_free is a macro; the deleter needs a function.  Frees the stack, not its certificates.
void free_stack(STACK_OF(X509) * stack) { sk_X509_free(stack); }

} // namespace

void throw_openssl(const std::string &what) {
	std::string reasons;
	unsigned long code;
	while ((code = ERR_get_error()) != 0) {
		char buf[256];
		ERR_error_string_n(code, buf, sizeof(buf));
		reasons += reasons.empty() ? ": " : "; ";
		reasons += buf;
	}
	throw Failure(what + reasons);
}

PkeyPtr generate_p256_key() {
	PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
	if (!key)
		throw_openssl("cannot generate an EC P-256 key");
	return key;
}

std::string key_to_pem(EVP_PKEY *key) {
	BioPtr bio = memory_bio();
	if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
		throw_openssl("cannot encode the private key");
	return bio_contents(bio.get());
}

std::string key_to_pkcs8_der(EVP_PKEY *key) {
	BioPtr bio = memory_bio();
	if (i2d_PKCS8PrivateKey_bio(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
		throw_openssl("cannot encode the private key as PKCS#8");
	return bio_contents(bio.get());
}

std::string make_pkcs12(EVP_PKEY *key, X509 *cert, X509 *ca, const std::string &password,
                        const std::string &alias) {
	using CertStackPtr =
	    std::unique_ptr<STACK_OF(X509), OpensslDeleter<STACK_OF(X509), free_stack>>;
	using Pkcs12Ptr = std::unique_ptr<PKCS12, OpensslDeleter<PKCS12, PKCS12_free>>;
	CertStackPtr chain(sk_X509_new_null());
	// The stack only borrows ca.
	if (!chain || sk_X509_push(chain.get(), ca) == 0)
		throw_openssl("cannot allocate a certificate list");
	// nid_key, nid_cert, iter, mac_iter 0: OpenSSL's defaults.
	Pkcs12Ptr p12(
	    PKCS12_create(password.c_str(), alias.c_str(), key, cert, chain.get(), 0, 0, 0, 0, 0));
	if (!p12)
		throw_openssl("cannot build the PKCS#12 bundle");
	BioPtr bio = memory_bio();
	if (i2d_PKCS12_bio(bio.get(), p12.get()) != 1)
		throw_openssl("cannot encode the PKCS#12 bundle");
	return bio_contents(bio.get());
}

std::string cert_to_pem(X509 *cert) {
	BioPtr bio = memory_bio();
	if (PEM_write_bio_X509(bio.get(), cert) != 1)
		throw_openssl("cannot encode the certificate");
	return bio_contents(bio.get());
}

PkeyPtr key_from_pem(const std::string &pem, const std::string &path) {
	BioPtr bio = read_bio(pem);
	PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
	if (!key)
		throw_openssl("cannot read a private key from \"" + path + "\"");
	return key;
}

X509Ptr cert_from_pem(const std::string &pem, const std::string &path) {
	BioPtr bio = read_bio(pem);
	X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
	if (!cert)
		throw_openssl("cannot read a certificate from \"" + path + "\"");
	return cert;
}

std::string cert_common_name(X509 *cert) {
	X509_NAME *subject = X509_get_subject_name(cert);
	int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
	if (index < 0)
		throw Failure("the certificate has no common name (CN)");
	ASN1_STRING *value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
	unsigned char *utf8 = nullptr;
	int len = ASN1_STRING_to_UTF8(&utf8, value);
	if (len < 0)
		throw_openssl("cannot decode the certificate's common name");
	std::string cn(reinterpret_cast<char *>(utf8), static_cast<std::size_t>(len));
	OPENSSL_free(utf8);
	return cn;
}

std::vector<std::string> cert_san_strings(X509 *cert) {
	std::vector<std::string> out;
	GeneralNamesPtr names(static_cast<GENERAL_NAMES *>(
	    X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
	if (!names)
		return out;
	for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
		const GENERAL_NAME *name = sk_GENERAL_NAME_value(names.get(), i);
		if (name->type == GEN_DNS) {
			const ASN1_IA5STRING *dns = name->d.dNSName;
			out.push_back("DNS:" +
			              std::string(reinterpret_cast<const char *>(ASN1_STRING_get0_data(dns)),
			                          static_cast<std::size_t>(ASN1_STRING_length(dns))));
		} else if (name->type == GEN_IPADD) {
			out.push_back("IP:" + ip_to_string(name->d.iPAddress));
		}
	}
	return out;
}

std::string asn1_time_text(const ASN1_TIME *time) {
	std::tm tm{};
	if (ASN1_TIME_to_tm(time, &tm) != 1) {
		ERR_clear_error();
		return "(an unreadable time)";
	}
	char buf[32];
	std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

std::string readable_not_after(X509 *cert) { return asn1_time_text(X509_get0_notAfter(cert)); }

std::vector<CrlFacts> read_crls(const std::string &pem) {
	std::vector<CrlFacts> out;
	BioPtr bio = read_bio(pem);
	for (;;) {
		std::unique_ptr<X509_CRL, OpensslDeleter<X509_CRL, X509_CRL_free>> crl(
		    PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
		if (!crl)
			break;
		CrlFacts facts;
		char *issuer = X509_NAME_oneline(X509_CRL_get_issuer(crl.get()), nullptr, 0);
		facts.issuer = issuer ? issuer : "?";
		OPENSSL_free(issuer);
		if (const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl.get())) {
			facts.next_update = asn1_time_text(next);
			facts.expired = X509_cmp_current_time(next) <= 0;
		}
		facts.revoked =
		    static_cast<std::size_t>(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl.get())));
		out.push_back(facts);
	}
	ERR_clear_error(); // the end of the file reads as "no start line"
	return out;
}

bool cert_signed_by(X509 *cert, X509 *ca) {
	bool ok =
	    X509_check_issued(ca, cert) == X509_V_OK && X509_verify(cert, X509_get0_pubkey(ca)) == 1;
	ERR_clear_error();
	return ok;
}

} // namespace pg_autouser::cli
