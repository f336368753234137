// ca_db.hpp -- a CA directory's database of issued and revoked certificates (DIR/index.txt, see
// ca_index.hpp) and its CRL (DIR/crl.pem, numbered by DIR/crlnumber, as `openssl ca` keeps them).
// Opening the database takes an exclusive lock on the CA directory, so two commands never lose
// each other's lines.
#pragma once

#include "ca.hpp"
#include "ca_index.hpp"

#include <set>
#include <string>
#include <vector>

namespace pg_autouser::cli {

constexpr const char *kCaIndexFile = "index.txt";
constexpr const char *kCaCrlNumberFile = "crlnumber";
constexpr const char *kCaCrlFile = "crl.pem";
constexpr int kDefaultCrlDays = 30;
constexpr int kMaxCrlDays = 3650;

class CaDatabase {
  public:
	// Locks dir (waiting at most 10 s for another pg_autouser command) and reads index.txt, which
	// may be missing (a CA made before the database existed, or that never issued).
	explicit CaDatabase(const std::string &dir);
	~CaDatabase();
	CaDatabase(const CaDatabase &) = delete;
	CaDatabase &operator=(const CaDatabase &) = delete;

	const std::string &dir() const { return dir_; }
	std::string index_path() const;
	std::vector<IndexEntry> entries;

	// Writes entries back to index.txt (atomically).
	void save() const;
	// The next CRL number: crlnumber's value (1 when missing), which is then incremented.
	std::string take_crl_number();

  private:
	std::string dir_;
	int lock_fd_ = -1;
};

// A V line for a certificate: its serial, notAfter and subject.
IndexEntry index_entry_for(X509 *cert);

// The certificate's serial in normalize_serial()'s spelling.
std::string cert_serial_hex(X509 *cert);

// The serials index entries mark revoked.
std::set<std::string> revoked_serials(const std::vector<IndexEntry> &entries);

struct CrlSummary {
	std::string path;
	std::size_t revoked = 0;
	std::string next_update; // "YYYY-MM-DD HH:MM:SS UTC"
};

// Signs a CRL listing every revoked entry of db (version 2, crlNumber, authorityKeyIdentifier,
// nextUpdate days ahead, reason codes) and writes it to DIR/crl.pem.
CrlSummary write_crl(CaDatabase &db, const LoadedCa &ca, int days);

// True when path holds a CRL signed by ca listing exactly these serials, with more than a quarter
// of its validity (lastUpdate to nextUpdate) left.
bool crl_is_current(const std::string &path, const LoadedCa &ca,
                    const std::set<std::string> &serials);

} // namespace pg_autouser::cli
