// cert_builder.cpp -- X.509 v3 construction: random serial, validity, UTF-8 subject, per-kind
// extensions, SHA-256 signature.  SANs are built as GENERAL_NAMEs, never from config strings, so a
// host name cannot inject other extension syntax.
#include "cert_builder.hpp"

#include "errors.hpp"

#include <openssl/bn.h>
#include <openssl/rand.h>

#include <arpa/inet.h>

#include <ctime>

namespace pg_autouser::cli {

namespace {

using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<BIGNUM, BN_free>>;

void set_random_serial(X509 *cert) {
	unsigned char bytes[16];
	if (RAND_bytes(bytes, sizeof(bytes)) != 1)
		throw_openssl("cannot generate a serial number");
	bytes[0] &= 0x7f; // positive, as RFC 5280 requires
	bytes[0] |= 0x40; // and never zero
	BignumPtr bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
	if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr)
		throw_openssl("cannot set the serial number");
}

X509NamePtr make_name(const std::vector<std::pair<std::string, std::string>> &attrs) {
	X509NamePtr name(X509_NAME_new());
	if (!name)
		throw_openssl("cannot allocate a name");
	for (const auto &[field, value] : attrs) {
		if (X509_NAME_add_entry_by_txt(name.get(), field.c_str(), MBSTRING_UTF8,
		                               reinterpret_cast<const unsigned char *>(value.data()),
		                               static_cast<int>(value.size()), -1, 0) != 1)
			throw_openssl("cannot put " + field + "=\"" + value + "\" in the subject");
	}
	return name;
}

void add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value) {
	X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
	if (!ext || X509_add_ext(cert, ext.get(), -1) != 1)
		throw_openssl(std::string("cannot add extension ") + OBJ_nid2sn(nid) + "=" + value);
}

// The address bytes of host (4 or 16) if it is an IP address, else 0.
int parse_address(const std::string &host, unsigned char (&addr)[16]) {
	if (inet_pton(AF_INET, host.c_str(), addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, host.c_str(), addr) == 1)
		return 16;
	return 0;
}

GENERAL_NAME *make_general_name(const std::string &host) {
	unsigned char addr[16];
	int addr_len = parse_address(host, addr);
	GENERAL_NAME *name = GENERAL_NAME_new();
	ASN1_STRING *value = ASN1_STRING_type_new(addr_len ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);
	if (name == nullptr || value == nullptr) {
		GENERAL_NAME_free(name);
		ASN1_STRING_free(value);
		throw_openssl("cannot allocate a subject alternative name");
	}
	int ok = addr_len ? ASN1_STRING_set(value, addr, addr_len)
	                  : ASN1_STRING_set(value, host.data(), static_cast<int>(host.size()));
	GENERAL_NAME_set0_value(name, addr_len ? GEN_IPADD : GEN_DNS, value);
	if (ok != 1) {
		GENERAL_NAME_free(name);
		throw_openssl("cannot set subject alternative name \"" + host + "\"");
	}
	return name;
}

void add_sans(X509 *cert, const std::vector<std::string> &hostnames) {
	GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
	if (!names)
		throw_openssl("cannot allocate subject alternative names");
	for (const auto &host : hostnames) {
		GENERAL_NAME *name = make_general_name(host);
		if (sk_GENERAL_NAME_push(names.get(), name) == 0) {
			GENERAL_NAME_free(name);
			throw_openssl("cannot add subject alternative name");
		}
	}
	if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
		throw_openssl("cannot add the subjectAltName extension");
}

void add_extensions(X509 *cert, X509 *issuer, const CertSpec &spec) {
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
	switch (spec.kind) {
	case CertKind::kCa:
		add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
		break;
	case CertKind::kClient:
		add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(cert, &ctx, NID_key_usage, "critical,digitalSignature");
		add_ext(cert, &ctx, NID_ext_key_usage, "clientAuth");
		break;
	case CertKind::kServer:
		add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(cert, &ctx, NID_key_usage, "critical,digitalSignature");
		add_ext(cert, &ctx, NID_ext_key_usage, "serverAuth");
		add_sans(cert, spec.hostnames);
		break;
	}
	add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
	// "keyid" rather than "keyid:always": a CA made elsewhere may lack a key identifier.
	add_ext(cert, &ctx, NID_authority_key_identifier, "keyid");
}

} // namespace

std::vector<std::string> san_strings_for(const std::vector<std::string> &hostnames) {
	std::vector<std::string> out;
	for (const auto &host : hostnames) {
		unsigned char addr[16];
		int len = parse_address(host, addr);
		char text[INET6_ADDRSTRLEN] = {0};
		if (len != 0 && inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text)))
			out.push_back(std::string("IP:") + text);
		else
			out.push_back("DNS:" + host);
	}
	return out;
}

X509Ptr build_cert(const CertSpec &spec, EVP_PKEY *subject_key, X509 *issuer,
                   EVP_PKEY *issuer_key) {
	X509Ptr cert(X509_new());
	if (!cert || X509_set_version(cert.get(), 2) != 1)
		throw_openssl("cannot allocate a certificate");
	set_random_serial(cert.get());
	X509NamePtr subject = make_name(spec.subject);
	if (X509_set_subject_name(cert.get(), subject.get()) != 1 ||
	    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : subject.get()) !=
	        1)
		throw_openssl("cannot set the subject and issuer names");
	// One clock reading for both ends, so the period is exactly what was asked for.
	std::time_t now = std::time(nullptr);
	long days = spec.minutes > 0 ? 0 : spec.days;
	long seconds = spec.minutes > 0 ? spec.minutes * 60L : 0;
	if (X509_time_adj_ex(X509_getm_notBefore(cert.get()), 0, 0, &now) == nullptr ||
	    X509_time_adj_ex(X509_getm_notAfter(cert.get()), static_cast<int>(days), seconds, &now) ==
	        nullptr)
		throw_openssl("cannot set the validity period");
	if (X509_set_pubkey(cert.get(), subject_key) != 1)
		throw_openssl("cannot set the public key");
	add_extensions(cert.get(), issuer, spec);
	if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0)
		throw_openssl("cannot sign the certificate");
	return cert;
}

} // namespace pg_autouser::cli
