// ca_index.hpp -- the CA database as text: DIR/index.txt in the format `openssl ca` keeps, one
// certificate a line, so repeated revocations accumulate and `openssl ca` can read it too.  Also
// the spellings of serial numbers, revocation reasons and ASN.1 times the CLI accepts and writes.
// Pure text: ca_db.cpp does the file I/O and locking, crl.cpp the signing.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace pg_autouser::cli {

// One line of index.txt: six tab-separated fields.
struct IndexEntry {
	char status = 'V';      // V valid, R revoked, E expired (openssl's letters)
	std::string expiry;     // the certificate's notAfter: "YYMMDDHHMMSSZ" or "YYYYMMDDHHMMSSZ"
	std::string revoked_at; // status R: the revocation time, in expiry's format; else ""
	std::string reason;     // status R: a name from revocation_reasons(), or "" for none
	std::string serial;     // as normalize_serial() spells it
	std::string file = "unknown";
	std::string subject; // "/O=Acme/CN=alice", as X509_NAME_oneline writes it

	bool revoked() const { return status == 'R'; }
};

// Parses index.txt text.  Throws Failure naming path and the line of a malformed line.
std::vector<IndexEntry> parse_index(const std::string &text, const std::string &path);

std::string format_index(const std::vector<IndexEntry> &entries);

// The entry with this (normalized) serial, or nullptr.
IndexEntry *find_serial(std::vector<IndexEntry> &entries, const std::string &serial);

// A serial number as the user may type it ("4A:3B:..", "0x4a3b", "4a3b", openssl's "serial=4A3B")
// in the one spelling the index uses: upper-case hex, no leading zero bytes, an even number of
// digits.  nullopt when it is not a positive hexadecimal number.
std::optional<std::string> normalize_serial(const std::string &text);

// RFC 5280 CRLReason codes by the names `openssl ca -crl_reason` uses.  offered: one
// `cert revoke --reason` accepts for a client certificate (not CACompromise, not a hold, which
// this CA cannot lift); the others are only read from an index openssl wrote.
struct RevocationReason {
	const char *name;
	int code;
	bool offered;
};
const std::vector<RevocationReason> &revocation_reasons();
// The reason with this name (case-insensitive), or nullopt.
std::optional<RevocationReason> find_revocation_reason(const std::string &name);

// An ASN.1 time as index.txt and X.509 write it: UTCTime "YYMMDDHHMMSSZ" before 2050,
// GeneralizedTime "YYYYMMDDHHMMSSZ" from 2050 on (RFC 5280, 4.1.2.5).
std::string format_asn1_time(std::time_t when);

} // namespace pg_autouser::cli
