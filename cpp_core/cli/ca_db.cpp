// ca_db.cpp -- the CA directory's index.txt, crlnumber and crl.pem: locking, reading, writing, and
// signing the CRL with libcrypto.  What a line means is ca_index.cpp's business.
#include "ca_db.hpp"

#include "errors.hpp"
#include "file_util.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace pg_autouser::cli {

namespace {

using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<BIGNUM, BN_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, OpensslDeleter<X509_CRL, X509_CRL_free>>;
using RevokedPtr = std::unique_ptr<X509_REVOKED, OpensslDeleter<X509_REVOKED, X509_REVOKED_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, OpensslDeleter<ASN1_TIME, ASN1_TIME_free>>;
using EnumeratedPtr =
    std::unique_ptr<ASN1_ENUMERATED, OpensslDeleter<ASN1_ENUMERATED, ASN1_ENUMERATED_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslDeleter<BIO, BIO_free_all>>;

constexpr auto kLockWait = std::chrono::seconds(10);
constexpr auto kLockPoll = std::chrono::milliseconds(20);

std::string bn_hex(const BIGNUM *bn) {
	char *hex = BN_bn2hex(bn);
	if (hex == nullptr)
		throw_openssl("cannot format a serial number");
	std::string out = hex;
	OPENSSL_free(hex);
	auto normalized = normalize_serial(out);
	if (!normalized)
		throw Failure("serial number " + out + " is not positive");
	return *normalized;
}

std::string asn1_integer_hex(const ASN1_INTEGER *value) {
	BignumPtr bn(ASN1_INTEGER_to_BN(value, nullptr));
	if (!bn)
		throw_openssl("cannot read a serial number");
	return bn_hex(bn.get());
}

Asn1IntegerPtr hex_to_asn1_integer(const std::string &hex) {
	BIGNUM *raw = nullptr;
	if (BN_hex2bn(&raw, hex.c_str()) == 0)
		throw_openssl("cannot parse serial number " + hex);
	BignumPtr bn(raw);
	Asn1IntegerPtr value(BN_to_ASN1_INTEGER(bn.get(), nullptr));
	if (!value)
		throw_openssl("cannot encode serial number " + hex);
	return value;
}

TimePtr asn1_time(const std::string &text) {
	TimePtr time(ASN1_TIME_new());
	if (!time || ASN1_TIME_set_string_X509(time.get(), text.c_str()) != 1)
		throw_openssl("cannot parse time \"" + text + "\"");
	return time;
}

void add_crl_extensions(X509_CRL *crl, const LoadedCa &ca, const std::string &number) {
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, ca.cert.get(), nullptr, nullptr, crl, 0);
	// "keyid" rather than "keyid:always", as for certificates: a CA made elsewhere may lack one.
	X509ExtensionPtr akid(
	    X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid"));
	if (!akid || X509_CRL_add_ext(crl, akid.get(), -1) != 1)
		throw_openssl("cannot add the CRL's authorityKeyIdentifier");
	Asn1IntegerPtr crl_number = hex_to_asn1_integer(number);
	if (X509_CRL_add1_ext_i2d(crl, NID_crl_number, crl_number.get(), 0, 0) != 1)
		throw_openssl("cannot add the CRL number");
}

void add_revoked(X509_CRL *crl, const IndexEntry &entry) {
	RevokedPtr revoked(X509_REVOKED_new());
	if (!revoked)
		throw_openssl("cannot allocate a CRL entry");
	Asn1IntegerPtr serial = hex_to_asn1_integer(entry.serial);
	TimePtr when = asn1_time(entry.revoked_at);
	if (X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) != 1 ||
	    X509_REVOKED_set_revocationDate(revoked.get(), when.get()) != 1)
		throw_openssl("cannot fill the CRL entry for serial " + entry.serial);
	if (auto reason = find_revocation_reason(entry.reason)) {
		EnumeratedPtr code(ASN1_ENUMERATED_new());
		if (!code || ASN1_ENUMERATED_set(code.get(), reason->code) != 1 ||
		    X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, code.get(), 0, 0) != 1)
			throw_openssl("cannot add the revocation reason for serial " + entry.serial);
	}
	if (X509_CRL_add0_revoked(crl, revoked.get()) != 1)
		throw_openssl("cannot add serial " + entry.serial + " to the CRL");
	revoked.release(); // the CRL owns it now
}

} // namespace

CaDatabase::CaDatabase(const std::string &dir) : dir_(dir) {
	lock_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd_ < 0)
		throw Failure("cannot open CA directory \"" + dir + "\": " + std::strerror(errno));
	// flock() has no timeout: poll it, so a stuck command holding the CA cannot hang us.
	auto deadline = std::chrono::steady_clock::now() + kLockWait;
	while (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;
		if (err != EWOULDBLOCK && err != EINTR) {
			::close(lock_fd_);
			throw Failure("cannot lock CA directory \"" + dir + "\": " + std::strerror(err));
		}
		if (std::chrono::steady_clock::now() >= deadline) {
			::close(lock_fd_);
			throw Failure("another command has held CA directory \"" + dir +
			              "\" locked for over 10 seconds; try again when it has finished");
		}
		std::this_thread::sleep_for(kLockPoll);
	}
	std::string path = index_path();
	try {
		if (path_exists(path))
			entries = parse_index(read_file(path), path);
	} catch (...) {
		::close(lock_fd_);
		throw;
	}
}

CaDatabase::~CaDatabase() {
	if (lock_fd_ >= 0)
		::close(lock_fd_); // releases the lock
}

std::string CaDatabase::index_path() const { return join_path(dir_, kCaIndexFile); }

void CaDatabase::save() const { replace_file(index_path(), format_index(entries), 0644, dir_); }

std::string CaDatabase::take_crl_number() {
	std::string path = join_path(dir_, kCaCrlNumberFile);
	std::string current = "01";
	if (path_exists(path)) {
		std::string text = read_file(path);
		while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
			text.pop_back();
		auto parsed = normalize_serial(text);
		if (!parsed)
			throw Failure("\"" + path + "\" does not hold a hexadecimal CRL number");
		current = *parsed;
	}
	BIGNUM *raw = nullptr;
	if (BN_hex2bn(&raw, current.c_str()) == 0)
		throw_openssl("cannot parse CRL number " + current);
	BignumPtr next(raw);
	if (BN_add_word(next.get(), 1) != 1)
		throw_openssl("cannot increment the CRL number");
	replace_file(path, bn_hex(next.get()) + "\n", 0644, dir_);
	return current;
}

IndexEntry index_entry_for(X509 *cert) {
	IndexEntry entry;
	entry.status = 'V';
	const ASN1_TIME *not_after = X509_get0_notAfter(cert);
	entry.expiry.assign(reinterpret_cast<const char *>(ASN1_STRING_get0_data(not_after)),
	                    static_cast<std::size_t>(ASN1_STRING_length(not_after)));
	entry.serial = cert_serial_hex(cert);
	char *subject = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0);
	if (subject == nullptr)
		throw_openssl("cannot format the certificate's subject");
	entry.subject = subject;
	OPENSSL_free(subject);
	return entry;
}

std::string cert_serial_hex(X509 *cert) { return asn1_integer_hex(X509_get0_serialNumber(cert)); }

std::set<std::string> revoked_serials(const std::vector<IndexEntry> &entries) {
	std::set<std::string> out;
	for (const auto &entry : entries)
		if (entry.revoked())
			out.insert(entry.serial);
	return out;
}

CrlSummary write_crl(CaDatabase &db, const LoadedCa &ca, int days) {
	CrlPtr crl(X509_CRL_new());
	if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca.cert.get())) != 1)
		throw_openssl("cannot start a CRL");
	std::time_t now = std::time(nullptr);
	TimePtr last_update(ASN1_TIME_adj(nullptr, now, 0, 0));
	TimePtr next_update(ASN1_TIME_adj(nullptr, now, days, 0));
	if (!last_update || !next_update ||
	    X509_CRL_set1_lastUpdate(crl.get(), last_update.get()) != 1 ||
	    X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) != 1)
		throw_openssl("cannot set the CRL's update times");
	CrlSummary summary;
	for (const auto &entry : db.entries)
		if (entry.revoked()) {
			add_revoked(crl.get(), entry);
			++summary.revoked;
		}
	if (X509_CRL_sort(crl.get()) != 1)
		throw_openssl("cannot sort the CRL");
	add_crl_extensions(crl.get(), ca, db.take_crl_number());
	if (X509_CRL_sign(crl.get(), ca.key.get(), EVP_sha256()) <= 0)
		throw_openssl("cannot sign the CRL");
	BioPtr bio(BIO_new(BIO_s_mem()));
	if (!bio || PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1)
		throw_openssl("cannot encode the CRL");
	char *data = nullptr;
	long len = BIO_get_mem_data(bio.get(), &data);
	summary.path = join_path(db.dir(), kCaCrlFile);
	replace_file(summary.path, std::string(data, static_cast<std::size_t>(len)), 0644, db.dir());
	summary.next_update = asn1_time_text(next_update.get());
	return summary;
}

bool crl_is_current(const std::string &path, const LoadedCa &ca,
                    const std::set<std::string> &serials) {
	if (!path_exists(path))
		return false;
	std::string pem = read_file(path);
	BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
	CrlPtr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
	bool current =
	    crl && X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.cert.get())) == 1 &&
	    X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.cert.get())) == 0 &&
	    X509_CRL_get0_nextUpdate(crl.get()) != nullptr;
	if (current) {
		int total_days = 0, total_secs = 0, left_days = 0, left_secs = 0;
		TimePtr now(ASN1_TIME_adj(nullptr, std::time(nullptr), 0, 0));
		current = now &&
		          ASN1_TIME_diff(&total_days, &total_secs, X509_CRL_get0_lastUpdate(crl.get()),
		                         X509_CRL_get0_nextUpdate(crl.get())) == 1 &&
		          ASN1_TIME_diff(&left_days, &left_secs, now.get(),
		                         X509_CRL_get0_nextUpdate(crl.get())) == 1;
		long total = total_days * 86400L + total_secs;
		long left = left_days * 86400L + left_secs;
		current = current && left * 4 > total;
	}
	if (current) {
		std::set<std::string> listed;
		STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(crl.get());
		for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i)
			listed.insert(asn1_integer_hex(
			    X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
		current = listed == serials;
	}
	ERR_clear_error();
	return current;
}

} // namespace pg_autouser::cli
