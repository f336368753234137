// doctor_files.cpp -- doctor's checks on the configuration files of a data directory: what the
// server will load at its next start (and, for the CRL, what it has loaded).  Reads only; server
// setup is what changes these files.
#include "conf_edit.hpp"
#include "doctor.hpp"
#include "file_util.hpp"
#include "hba_edit.hpp"
#include "openssl_util.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace pg_autouser::cli {

namespace {

struct ConfFiles {
	std::string conf;
	std::string auto_conf;
	// The value the server will use: postgresql.auto.conf overrides postgresql.conf.
	std::optional<std::string> value(const std::string &name) const {
		auto overriding = conf_value(auto_conf, name);
		return overriding ? overriding : conf_value(conf, name);
	}
};

std::string setup_hint(const std::string &pgdata) {
	return " (or run: pg_autouser server setup --pgdata " + pgdata + " --ca CADIR)";
}

Finding preload_finding(const ConfFiles &files, const std::string &pgdata) {
	std::string value = files.value("shared_preload_libraries").value_or("");
	auto libs = split_library_list(value);
	std::string detail = "shared_preload_libraries = " + quote_conf_value(value);
	if (std::find(libs.begin(), libs.end(), "pg_autouser") != libs.end())
		return {CheckStatus::kOk, "preload (config)", detail, ""};
	return {
	    CheckStatus::kMissing, "preload (config)", detail + " does not load pg_autouser",
	    "set shared_preload_libraries = " + quote_conf_value(add_library(value, "pg_autouser")) +
	        " in postgresql.conf and restart the server" + setup_hint(pgdata)};
}

Finding ssl_finding(const ConfFiles &files, const std::string &pgdata) {
	std::string value = files.value("ssl").value_or("off");
	if (conf_bool_is_on(value))
		return {CheckStatus::kOk, "ssl (config)", "ssl = " + value, ""};
	return {CheckStatus::kMissing, "ssl (config)", "ssl = " + value,
	        "set ssl = on in postgresql.conf and restart the server" + setup_hint(pgdata)};
}

Finding ssl_files_finding(const ConfFiles &files, const std::string &pgdata) {
	// PostgreSQL's defaults; ssl_ca_file has none, and without it no client certificate is asked
	// for.
	const std::pair<const char *, const char *> settings[] = {
	    {"ssl_cert_file", "server.crt"}, {"ssl_key_file", "server.key"}, {"ssl_ca_file", ""}};
	std::string detail, problems;
	for (const auto &[name, fallback] : settings) {
		std::string file = files.value(name).value_or(fallback);
		detail += (detail.empty() ? "" : ", ") + std::string(name) + " = " + quote_conf_value(file);
		std::string path = !file.empty() && file[0] == '/' ? file : join_path(pgdata, file);
		if (file.empty())
			problems += std::string(" ") + name + " is not set;";
		else if (!path_exists(path))
			problems += " " + path + " does not exist;";
	}
	if (problems.empty())
		return {CheckStatus::kOk, "ssl files (config)", detail, ""};
	return {CheckStatus::kMissing, "ssl files (config)", detail + ":" + problems,
	        "set ssl_cert_file, ssl_key_file and ssl_ca_file to existing files" +
	            setup_hint(pgdata)};
}

// Optional: without ssl_crl_file nothing is checked against a revocation list.  With one, a
// missing file keeps the server from starting and a CRL past its nextUpdate makes OpenSSL refuse
// every certificate of that CA (X509_V_ERR_CRL_HAS_EXPIRED), so both are MISSING.
Finding crl_finding(const ConfFiles &files, const std::string &pgdata) {
	const char *check = "crl (config)";
	std::string file = files.value("ssl_crl_file").value_or("");
	if (file.empty())
		return {CheckStatus::kOk, check,
		        "ssl_crl_file is not set: no revoked certificate is refused (see pg_autouser cert "
		        "revoke and server setup --crl)",
		        ""};
	std::string path = file[0] == '/' ? file : join_path(pgdata, file);
	std::string refresh =
	    "pg_autouser ca crl --dir CADIR, then pg_autouser server setup --pgdata " + pgdata +
	    " --ca CADIR --crl, and reload the server";
	if (!path_exists(path))
		return {CheckStatus::kMissing, check,
		        "ssl_crl_file = " + quote_conf_value(file) + ": " + path +
		            " does not exist (the server does not start without it)",
		        refresh};
	auto crls = read_crls(read_file(path));
	if (crls.empty())
		return {CheckStatus::kMissing, check, path + " holds no PEM CRL", refresh};
	std::string detail;
	for (const auto &crl : crls) {
		if (crl.expired)
			return {CheckStatus::kMissing, check,
			        path + ": the CRL of " + crl.issuer + " passed its next update, " +
			            crl.next_update + ", so the server refuses every certificate it issued",
			        refresh};
		detail += (detail.empty() ? "" : "; ") + path + ": CRL of " + crl.issuer + ", " +
		          std::to_string(crl.revoked) + " revoked, next update " +
		          (crl.next_update.empty() ? std::string("not given") : crl.next_update);
	}
	return {CheckStatus::kOk, check, detail, ""};
}

Finding hba_finding(const std::string &hba_path, const std::string &pgdata) {
	if (hba_has_cert_record(read_file(hba_path)))
		return {CheckStatus::kOk, "pg_hba (file)", hba_path + " has a hostssl cert record", ""};
	return {CheckStatus::kMissing, "pg_hba (file)", hba_path + " has no hostssl cert record",
	        "add \"hostssl all all 0.0.0.0/0 cert\" and \"hostssl all all ::/0 cert\" before the "
	        "other host records of " +
	            hba_path + " and reload the server" + setup_hint(pgdata)};
}

} // namespace

std::vector<Finding> check_config_files(const std::string &pgdata, const std::string &confdir) {
	ConfFiles files;
	files.conf = read_file(join_path(confdir, "postgresql.conf"));
	std::string auto_path = join_path(pgdata, "postgresql.auto.conf");
	files.auto_conf = path_exists(auto_path) ? read_file(auto_path) : "";
	return {preload_finding(files, pgdata), ssl_finding(files, pgdata),
	        ssl_files_finding(files, pgdata), crl_finding(files, pgdata),
	        hba_finding(join_path(confdir, "pg_hba.conf"), pgdata)};
}

} // namespace pg_autouser::cli
