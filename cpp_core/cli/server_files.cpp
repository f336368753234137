// server_files.cpp -- the certificate steps of `server setup`: keeps a server certificate that is
// still good (same CA, same host names, matching key, not expired), otherwise backs up the old
// files and issues a new one; keeps PGDATA's copies of the CA certificate and (--crl) of the CA's
// revocation list in step with the CA directory.
#include "ca_db.hpp"
#include "cert_builder.hpp"
#include "errors.hpp"
#include "file_util.hpp"
#include "server_setup.hpp"

#include <openssl/err.h>

namespace pg_autouser::cli {

namespace {

constexpr int kServerCertDays = 825;

bool existing_cert_is_good(const std::string &cert_path, const std::string &key_path,
                           const LoadedCa &ca, const std::vector<std::string> &hostnames) {
	if (!path_exists(cert_path) || !path_exists(key_path))
		return false;
	try {
		X509Ptr cert = cert_from_pem(read_file(cert_path), cert_path);
		PkeyPtr key = key_from_pem(read_file(key_path), key_path);
		bool good = cert_signed_by(cert.get(), ca.cert.get()) &&
		            X509_check_private_key(cert.get(), key.get()) == 1 &&
		            X509_cmp_current_time(X509_get0_notAfter(cert.get())) > 0 &&
		            cert_san_strings(cert.get()) == san_strings_for(hostnames);
		ERR_clear_error();
		return good;
	} catch (const Failure &) {
		ERR_clear_error();
		return false; // unreadable: replace it (after a backup)
	}
}

std::string backup_note(const std::string &path) {
	return path_exists(path) ? " (backup: " + backup_file(path) + ")" : "";
}

} // namespace

void setup_server_files(const std::string &pgdata, const LoadedCa &ca,
                        const std::vector<std::string> &hostnames, SetupReport &report) {
	std::string cert_path = join_path(pgdata, kServerCertFile);
	std::string key_path = join_path(pgdata, kServerKeyFile);
	std::string ca_path = join_path(pgdata, kServerCaFile);

	if (existing_cert_is_good(cert_path, key_path, ca, hostnames)) {
		report.kept.push_back("server certificate " + cert_path + " (signed by this CA)");
	} else {
		PkeyPtr key = generate_p256_key();
		CertSpec spec;
		spec.kind = CertKind::kServer;
		spec.subject = {{"CN", hostnames.front()}};
		spec.hostnames = hostnames;
		spec.days = kServerCertDays;
		X509Ptr cert = build_cert(spec, key.get(), ca.cert.get(), ca.key.get());
		std::string key_note = backup_note(key_path);
		std::string cert_note = backup_note(cert_path);
		replace_file(key_path, key_to_pem(key.get()), 0600, pgdata);
		replace_file(cert_path, cert_to_pem(cert.get()), 0600, pgdata);
		std::string sans;
		for (const auto &san : cert_san_strings(cert.get()))
			sans += (sans.empty() ? "" : ", ") + san;
		report.changes.push_back("issued server certificate " + cert_path + " (" + sans + ")" +
		                         cert_note);
		report.changes.push_back("wrote server key " + key_path + " (mode 0600)" + key_note);
		report.reload_needed = true;
	}

	if (path_exists(ca_path) && read_file(ca_path) == ca.cert_pem) {
		report.kept.push_back("CA certificate " + ca_path);
	} else {
		std::string note = backup_note(ca_path);
		replace_file(ca_path, ca.cert_pem, 0600, pgdata);
		report.changes.push_back("copied " + ca.cert_path + " to " + ca_path + note);
		report.reload_needed = true;
	}
}

void setup_crl(const std::string &pgdata, const std::string &ca_dir, const LoadedCa &ca,
               SetupReport &report) {
	std::string source = join_path(ca_dir, kCaCrlFile);
	{
		CaDatabase db(ca_dir);
		if (!crl_is_current(source, ca, revoked_serials(db.entries))) {
			CrlSummary crl = write_crl(db, ca, kDefaultCrlDays);
			report.changes.push_back("signed " + crl.path + " (" + std::to_string(crl.revoked) +
			                         " revoked, next update " + crl.next_update + ")");
		}
	}
	std::string dest = join_path(pgdata, kServerCrlFile);
	std::string pem = read_file(source);
	if (path_exists(dest) && read_file(dest) == pem) {
		report.kept.push_back("revocation list " + dest);
		return;
	}
	std::string note = backup_note(dest);
	replace_file(dest, pem, 0600, pgdata);
	report.changes.push_back("copied " + source + " to " + dest + note);
	report.reload_needed = true;
}

} // namespace pg_autouser::cli
