// ca.cpp -- `pg_autouser ca init`: a CA key (EC P-256, 0600) and a self-signed CA certificate in a
// directory, never overwriting either; and load_ca() for the commands that sign with it.
#include "ca.hpp"

#include "args.hpp"
#include "cert_builder.hpp"
#include "cn_check.hpp"
#include "commands.hpp"
#include "errors.hpp"
#include "file_util.hpp"

#include <iostream>

namespace pg_autouser::cli {

namespace {

const char *const kHelp =
    R"(pg_autouser ca init -- create a certificate authority for client certificates

Usage: pg_autouser ca init --dir DIR [--cn NAME] [--days N]

Options:
  --dir DIR    directory for ca.key (mode 0600) and ca.crt; created if missing
  --cn NAME    the CA's common name (default "pg_autouser CA")
  --days N     validity in days, 1..3650 (default 3650)

The key is EC P-256; the certificate has basicConstraints CA:TRUE (critical) and
keyUsage keyCertSign, cRLSign.  Existing files are never overwritten.  "cert issue",
"cert revoke" and "ca crl" keep the CA database (index.txt, as "openssl ca" does),
crlnumber and the revocation list (crl.pem) in the same directory.
)";

const char *const kGroupHelp =
    R"(pg_autouser ca -- the certificate authority for client certificates

Usage: pg_autouser ca init --dir DIR [--cn NAME] [--days N]
       pg_autouser ca crl --dir DIR [--crl-days N]

  ca init   create the CA: key, self-signed certificate
  ca crl    re-sign DIR/crl.pem from the CA database (do so before its next update)

Run "pg_autouser ca init --help" or "pg_autouser ca crl --help" for the options.
)";

constexpr int kDefaultCaDays = 3650;
constexpr int kMaxDays = 3650;

} // namespace

LoadedCa load_ca(const std::string &dir) {
	LoadedCa ca;
	ca.cert_path = join_path(dir, kCaCertFile);
	std::string key_path = join_path(dir, kCaKeyFile);
	ca.cert_pem = read_file(ca.cert_path);
	ca.cert = cert_from_pem(ca.cert_pem, ca.cert_path);
	ca.key = key_from_pem(read_file(key_path), key_path);
	if (X509_check_private_key(ca.cert.get(), ca.key.get()) != 1)
		throw_openssl("\"" + key_path + "\" is not the key of \"" + ca.cert_path + "\"");
	return ca;
}

int run_ca(const Args &args) {
	std::string sub = pick_subcommand("ca", {"init", "crl"}, args, kGroupHelp);
	if (sub == "crl")
		return run_ca_crl(Args(args.begin() + 1, args.end()));
	if (sub.empty())
		return kExitOk;
	ParsedArgs opts =
	    parse_args("ca init", Args(args.begin() + 1, args.end()), {{"dir"}, {"cn"}, {"days"}});
	if (opts.help) {
		std::cout << kHelp;
		return kExitOk;
	}
	std::string dir = opts.require("dir");
	std::string cn = opts.get_or("cn", "pg_autouser CA");
	int days = opts.get_int("days", kDefaultCaDays, 1, kMaxDays);
	if (auto problem = subject_value_problem(cn))
		throw UsageError("ca init", "CA common name \"" + printable(cn) + "\" " + *problem);

	std::string key_path = join_path(dir, kCaKeyFile);
	std::string cert_path = join_path(dir, kCaCertFile);
	for (const auto &path : {key_path, cert_path})
		if (path_exists(path))
			throw Failure("\"" + path +
			              "\" already exists; refusing to overwrite it (remove it "
			              "or choose another --dir)");
	ensure_directory(dir);

	PkeyPtr key = generate_p256_key();
	CertSpec spec;
	spec.kind = CertKind::kCa;
	spec.subject = {{"CN", cn}};
	spec.days = days;
	X509Ptr cert = build_cert(spec, key.get(), nullptr, key.get());
	write_new_file(key_path, key_to_pem(key.get()), 0600);
	write_new_file(cert_path, cert_to_pem(cert.get()), 0644);
	std::cout << "created CA key " << key_path << " (mode 0600; keep it secret)\n"
	          << "created CA certificate " << cert_path << " (CN=" << cn << ", valid " << days
	          << " days)\n";
	return kExitOk;
}

} // namespace pg_autouser::cli
