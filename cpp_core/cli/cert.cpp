// cert.cpp -- `pg_autouser cert issue`: a client certificate (EC P-256, extendedKeyUsage
// clientAuth) whose subject is exactly O, the OUs in order, then CN, signed by a CA directory and
// recorded in its database (ca_db), with the key as PEM and as PKCS#8 DER (for pgjdbc) and, with
// --p12, a PKCS#12 bundle.  The CN must be a name the server accepts as a role (cn_check); files
// are never overwritten.  `cert revoke` lives in crl_commands.cpp.
#include "args.hpp"
#include "ca.hpp"
#include "ca_db.hpp"
#include "cert_builder.hpp"
#include "cert_options.hpp"
#include "cn_check.hpp"
#include "commands.hpp"
#include "conninfo.hpp"
#include "errors.hpp"
#include "file_util.hpp"
#include "password_prompt.hpp"

#include <unistd.h>

#include <iostream>

namespace pg_autouser::cli {

namespace {

const char *const kGroupHelp = R"(pg_autouser cert -- client certificates

Usage: pg_autouser cert issue --ca DIR --cn NAME [OPTIONS] --out DIR
       pg_autouser cert revoke --ca DIR {--cert FILE | --serial HEX} [OPTIONS]

  cert issue    issue a client certificate whose CN is the database user name
  cert revoke   revoke a certificate and rewrite the CA's revocation list

Run "pg_autouser cert issue --help" or "pg_autouser cert revoke --help" for the options.
)";

const char *const kHelp =
    R"(pg_autouser cert issue -- issue a client certificate for a pg_autouser login

Usage: pg_autouser cert issue --ca DIR --cn NAME [--ou UNIT]... [--o ORG]
                              [--days N | --minutes N] [--p12 [--p12-password-file FILE]]
                              --out DIR

Options:
  --ca DIR     CA directory made by "pg_autouser ca init" (ca.crt, ca.key); the
               certificate is recorded in its database, DIR/index.txt
  --cn NAME    common name = the database role name: 1..63 bytes of UTF-8, no control
               characters, not starting with "pg_"
  --ou UNIT    an organizational unit; repeat for several, kept in order
  --o ORG      the organization
  --days N     validity in days, 1..3650 (default 365)
  --minutes N  validity in minutes instead, 1..5256000: a short-lived certificate, e.g. to
               show what happens when one expires
  --p12        also write NAME.p12, a PKCS#12 bundle of the certificate, the key (alias
               "user", the name pgjdbc looks for) and the CA certificate, protected by a
               password asked for twice on the terminal
  --p12-password-file FILE
               read the PKCS#12 password from the first line of FILE instead
  --out DIR    where to write NAME.crt, NAME.key (PEM, mode 0600) and NAME.pk8 (the key as
               unencrypted PKCS#8 DER, mode 0600, for pgjdbc and the GUI clients built on
               it); created if missing.  Bytes of NAME outside [A-Za-z0-9._-] (and a
               leading '.') are written %XX.

The subject is O, then each OU, then CN, as UTF-8 strings.  The validity starts now.
Prints the files' paths, the serial number ("cert revoke --serial" takes it) and the end
of the validity.
)";

constexpr int kDefaultDays = 365;
// pgjdbc's PKCS12KeyManager reads the key entry with this alias and no other.
constexpr const char *kP12Alias = "user";

void check_value(const std::string &what, const std::string &value) {
	if (auto problem = subject_value_problem(value))
		throw UsageError("cert issue", what + " \"" + printable(value) + "\" " + *problem);
}

// Files written so far; removed again unless commit() is called, so a failure half way leaves
// neither files without a database line nor a line without files.
class NewFiles {
  public:
	~NewFiles() {
		if (!committed_)
			for (const auto &path : paths_)
				::unlink(path.c_str());
	}
	void write(const std::string &path, const std::string &data, unsigned mode) {
		write_new_file(path, data, mode);
		paths_.push_back(path);
	}
	void commit() { committed_ = true; }

  private:
	std::vector<std::string> paths_;
	bool committed_ = false;
};

} // namespace

int run_cert(const Args &args) {
	std::string sub = pick_subcommand("cert", {"issue", "revoke"}, args, kGroupHelp);
	if (sub.empty())
		return kExitOk;
	Args rest(args.begin() + 1, args.end());
	return sub == "issue" ? run_cert_issue(rest) : run_cert_revoke(rest);
}

int run_cert_issue(const Args &args) {
	ParsedArgs opts = parse_args("cert issue", args,
	                             {{"ca"},
	                              {"cn"},
	                              {"ou", '\0', true, true},
	                              {"o"},
	                              {"days"},
	                              {"minutes"},
	                              {"p12", '\0', false},
	                              {"p12-password-file"},
	                              {"out"}});
	if (opts.help) {
		std::cout << kHelp;
		return kExitOk;
	}
	std::string ca_dir = opts.require("ca");
	std::string cn = opts.require("cn");
	std::string out_dir = opts.require("out");
	Validity validity = validity_from(opts, kDefaultDays);
	bool p12 = opts.has("p12");
	if (opts.has("p12-password-file") && !p12)
		throw UsageError("cert issue", "option --p12-password-file needs --p12");
	if (auto problem = cn_problem(cn))
		throw UsageError("cert issue", "common name \"" + printable(cn) + "\" " + *problem);
	CertSpec spec;
	spec.kind = CertKind::kClient;
	spec.days = validity.days;
	spec.minutes = validity.minutes;
	if (auto org = opts.get("o")) {
		check_value("organization", *org);
		spec.subject.emplace_back("O", *org);
	}
	for (const auto &ou : opts.all("ou")) {
		check_value("organizational unit", ou);
		spec.subject.emplace_back("OU", ou);
	}
	spec.subject.emplace_back("CN", cn);

	LoadedCa ca = load_ca(ca_dir);
	std::string stem = join_path(out_dir, safe_file_stem(cn));
	std::string cert_path = stem + ".crt";
	std::string key_path = stem + ".key";
	std::string pk8_path = stem + ".pk8";
	std::string p12_path = stem + ".p12";
	std::vector<std::string> outputs{cert_path, key_path, pk8_path};
	if (p12)
		outputs.push_back(p12_path);
	for (const auto &path : outputs)
		if (path_exists(path))
			throw Failure("\"" + path + "\" already exists; refusing to overwrite it");
	std::string password;
	if (auto file = opts.get("p12-password-file"))
		password = read_password_file(*file);
	else if (p12)
		password = prompt_new_password("cert issue", "PKCS#12 bundle");

	CaDatabase db(ca_dir);
	ensure_directory(out_dir);
	PkeyPtr key = generate_p256_key();
	X509Ptr cert = build_cert(spec, key.get(), ca.cert.get(), ca.key.get());
	IndexEntry entry = index_entry_for(cert.get());
	NewFiles files;
	files.write(key_path, key_to_pem(key.get()), 0600);
	files.write(pk8_path, key_to_pkcs8_der(key.get()), 0600);
	files.write(cert_path, cert_to_pem(cert.get()), 0644);
	if (p12)
		files.write(p12_path,
		            make_pkcs12(key.get(), cert.get(), ca.cert.get(), password, kP12Alias), 0600);
	db.entries.push_back(entry);
	db.save();
	files.commit();

	std::cout << "certificate: " << cert_path << "\n"
	          << "key: " << key_path << "\n"
	          << "pkcs8 key: " << pk8_path << "\n";
	if (p12)
		std::cout << "pkcs12 bundle: " << p12_path << "\n";
	std::cout << "serial: " << entry.serial << "\n"
	          << "valid for " << validity.describe() << ", until " << readable_not_after(cert.get())
	          << "\n";
	return kExitOk;
}

} // namespace pg_autouser::cli
