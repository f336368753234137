// crl_commands.cpp -- `pg_autouser cert revoke` (mark a certificate revoked in the CA database and
// rewrite the CRL) and `pg_autouser ca crl` (re-sign the CRL as it stands).  The server reads the
// CRL only at a reload: `server setup --crl` puts it in place (server_files.cpp).
#include "args.hpp"
#include "ca.hpp"
#include "ca_db.hpp"
#include "cn_check.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "file_util.hpp"

#include <ctime>
#include <iostream>

namespace pg_autouser::cli {

namespace {

const char *const kRevokeHelp =
    R"(pg_autouser cert revoke -- revoke a client certificate and rewrite the CA's CRL

Usage: pg_autouser cert revoke --ca DIR {--cert FILE | --serial HEX} [--reason NAME]
                               [--crl-days N]

Options:
  --ca DIR        CA directory made by "pg_autouser ca init"
  --cert FILE     the certificate to revoke (PEM); it must have been issued by this CA
  --serial HEX    or its serial number in hexadecimal (colons allowed), as "cert issue"
                  printed it; the CA database must list it
  --reason NAME   unspecified, keyCompromise, affiliationChanged, superseded or
                  cessationOfOperation (default: none given)
  --crl-days N    the CRL's next update, 1..3650 days from now (default 30)

Marks the certificate revoked in DIR/index.txt (the CA database, in the format of
"openssl ca"; revocations accumulate) and writes DIR/crl.pem, a CRL signed by the CA
listing every revoked certificate.  Revoking a revoked certificate again changes nothing.

PostgreSQL reads the CRL when it starts or reloads.  After each revocation copy it into
place and reload:
  pg_autouser server setup --pgdata PGDATA --ca DIR --crl
  pg_ctl reload -D PGDATA        (or: SELECT pg_reload_conf())
Once the CRL's next update has passed the server refuses every certificate of this CA:
re-sign it in time with "pg_autouser ca crl --dir DIR" and copy it again.
)";

const char *const kCrlHelp = R"(pg_autouser ca crl -- re-sign the CA's certificate revocation list

Usage: pg_autouser ca crl --dir DIR [--crl-days N]

Options:
  --dir DIR       CA directory made by "pg_autouser ca init"
  --crl-days N    the CRL's next update, 1..3650 days from now (default 30)

Writes DIR/crl.pem, signed by the CA, listing every certificate DIR/index.txt marks
revoked (none yet is fine: an empty CRL).  Run it before the current CRL's next update
passes -- after that the server refuses every certificate of this CA -- then copy it into
place with "pg_autouser server setup --pgdata PGDATA --ca DIR --crl" and reload the server.
)";

std::string reason_names() {
	std::string names;
	for (const auto &reason : revocation_reasons())
		if (reason.offered)
			names += (names.empty() ? "" : ", ") + std::string(reason.name);
	return names;
}

void print_crl(const CrlSummary &crl, const std::string &ca_dir) {
	std::cout << "wrote " << crl.path << ": " << crl.revoked << " revoked certificate"
	          << (crl.revoked == 1 ? "" : "s") << ", next update " << crl.next_update << "\n"
	          << "to enforce it: pg_autouser server setup --pgdata PGDATA --ca " << ca_dir
	          << " --crl, then reload the server (pg_ctl reload -D PGDATA, or SELECT "
	             "pg_reload_conf())\n";
}

// The subject for messages: the index's oneline form, or "no subject".
std::string subject_text(const IndexEntry &entry) {
	return entry.subject.empty() ? "no subject" : entry.subject;
}

} // namespace

int run_cert_revoke(const Args &args) {
	ParsedArgs opts =
	    parse_args("cert revoke", args, {{"ca"}, {"cert"}, {"serial"}, {"reason"}, {"crl-days"}});
	if (opts.help) {
		std::cout << kRevokeHelp;
		return kExitOk;
	}
	std::string ca_dir = opts.require("ca");
	if (opts.has("cert") == opts.has("serial"))
		throw UsageError("cert revoke", "give exactly one of --cert FILE and --serial HEX");
	std::string reason;
	if (auto name = opts.get("reason")) {
		auto found = find_revocation_reason(*name);
		if (!found || !found->offered)
			throw UsageError("cert revoke", "revocation reason \"" + printable(*name) +
			                                    "\" is not one of " + reason_names());
		reason = found->name;
	}
	int crl_days = opts.get_int("crl-days", kDefaultCrlDays, 1, kMaxCrlDays);
	std::optional<std::string> serial;
	if (auto text = opts.get("serial")) {
		serial = normalize_serial(*text);
		if (!serial)
			throw UsageError("cert revoke", "serial \"" + printable(*text) +
			                                    "\" is not a positive hexadecimal number");
	}

	LoadedCa ca = load_ca(ca_dir);
	X509Ptr cert;
	if (auto path = opts.get("cert")) {
		cert = cert_from_pem(read_file(*path), *path);
		if (X509_cmp(cert.get(), ca.cert.get()) == 0)
			throw Failure("\"" + *path +
			              "\" is the CA's own certificate; a CA cannot revoke itself (make a new "
			              "CA and reissue the client certificates instead)");
		if (!cert_signed_by(cert.get(), ca.cert.get()))
			throw Failure("\"" + *path + "\" was not issued by the CA in \"" + ca_dir +
			              "\"; revoke it with the CA that issued it");
		serial = cert_serial_hex(cert.get());
	}

	CaDatabase db(ca_dir);
	IndexEntry *entry = find_serial(db.entries, *serial);
	if (entry == nullptr && !cert)
		throw Failure("serial " + *serial + " is not in " + db.index_path() +
		              ": this CA has no record of issuing it (certificates issued before the "
		              "CA kept a database are not listed); revoke it with --cert FILE");
	if (entry == nullptr) {
		db.entries.push_back(index_entry_for(cert.get()));
		entry = &db.entries.back();
	}
	if (entry->revoked()) {
		std::cout << "certificate " << entry->serial << " (" << subject_text(*entry)
		          << ") is already revoked; nothing changed in " << db.index_path() << "\n";
		std::string crl_path = join_path(ca_dir, kCaCrlFile);
		if (crl_is_current(crl_path, ca, revoked_serials(db.entries)))
			std::cout << crl_path << " already lists it and is current\n";
		else
			print_crl(write_crl(db, ca, crl_days), ca_dir);
		return kExitOk;
	}
	entry->status = 'R';
	entry->revoked_at = format_asn1_time(std::time(nullptr));
	entry->reason = reason;
	std::cout << "revoked certificate " << entry->serial << " (" << subject_text(*entry) << ")"
	          << (reason.empty() ? "" : ", reason " + reason) << "\n";
	db.save();
	print_crl(write_crl(db, ca, crl_days), ca_dir);
	return kExitOk;
}

int run_ca_crl(const Args &args) {
	ParsedArgs opts = parse_args("ca crl", args, {{"dir"}, {"crl-days"}});
	if (opts.help) {
		std::cout << kCrlHelp;
		return kExitOk;
	}
	std::string ca_dir = opts.require("dir");
	int crl_days = opts.get_int("crl-days", kDefaultCrlDays, 1, kMaxCrlDays);
	LoadedCa ca = load_ca(ca_dir);
	CaDatabase db(ca_dir);
	print_crl(write_crl(db, ca, crl_days), ca_dir);
	return kExitOk;
}

} // namespace pg_autouser::cli
