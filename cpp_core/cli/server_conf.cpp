// server_conf.cpp -- the configuration steps of `server setup`: postgresql.conf (through the
// managed block, see conf_edit) and pg_hba.conf (records inserted, see hba_edit).  A file is
// rewritten only when a wanted value is missing, after a backup; otherwise it is left byte for
// byte.
#include "conf_edit.hpp"
#include "file_util.hpp"
#include "hba_edit.hpp"
#include "server_setup.hpp"

#include <algorithm>
#include <functional>

namespace pg_autouser::cli {

namespace {

constexpr const char *kLibrary = "pg_autouser";

struct Wanted {
	std::string name;
	std::function<bool(const std::string &)> satisfied;
	// The value to write, given the value the rest of the file sets.
	std::function<std::string(const std::string &)> value;
	bool restart = false; // PGC_POSTMASTER: a change takes effect at the next start only
};

std::vector<Wanted> wanted_settings(const ConfChoices &choices) {
	auto equals = [](const std::string &want) {
		return [want](const std::string &have) { return have == want; };
	};
	auto constant = [](const std::string &want) {
		return [want](const std::string &) { return want; };
	};
	std::vector<Wanted> wanted{
	    {"ssl", conf_bool_is_on, constant("on")},
	    {"ssl_cert_file", equals(kServerCertFile), constant(kServerCertFile)},
	    {"ssl_key_file", equals(kServerKeyFile), constant(kServerKeyFile)},
	    {"ssl_ca_file", equals(kServerCaFile), constant(kServerCaFile)},
	    {"shared_preload_libraries",
	     [](const std::string &have) {
		     auto libs = split_library_list(have);
		     return std::find(libs.begin(), libs.end(), kLibrary) != libs.end();
	     },
	     [](const std::string &rest) { return add_library(rest, kLibrary); }, true}};
	if (choices.database)
		wanted.push_back(
		    {"pg_autouser.database", equals(*choices.database), constant(*choices.database), true});
	if (choices.crl)
		wanted.push_back({"ssl_crl_file", equals(kServerCrlFile), constant(kServerCrlFile)});
	if (choices.admin_role)
		wanted.push_back(
		    {"pg_autouser.admin_role", equals(*choices.admin_role), constant(*choices.admin_role)});
	return wanted;
}

void upsert(std::vector<ConfSetting> &settings, const std::string &name, const std::string &value) {
	for (auto &setting : settings)
		if (setting.name == name) {
			setting.value = value;
			return;
		}
	settings.push_back({name, value});
}

} // namespace

void setup_postgresql_conf(const std::string &pgdata, const std::string &confdir,
                           const ConfChoices &choices, SetupReport &report) {
	std::string path = join_path(confdir, "postgresql.conf");
	std::string auto_path = join_path(pgdata, "postgresql.auto.conf");
	std::string text = read_file(path);
	std::string auto_text = path_exists(auto_path) ? read_file(auto_path) : "";
	std::string base = remove_managed_block(text);

	// Old block entries stay unless a later line of the file overrides them (the user's choice).
	std::vector<ConfSetting> block;
	for (const auto &setting : managed_block_settings(text))
		if (conf_value(text, setting.name) == setting.value)
			block.push_back(setting);

	std::vector<std::string> changed;
	for (const auto &want : wanted_settings(choices)) {
		auto current = conf_value(text, want.name);
		if (!want.satisfied(current.value_or(""))) {
			std::string value = want.value(conf_value(base, want.name).value_or(""));
			upsert(block, want.name, value);
			report.restart_needed = report.restart_needed || want.restart;
			changed.push_back(want.name + " = " + quote_conf_value(value) +
			                  (current ? " (was " + quote_conf_value(*current) + ")" : ""));
		}
		auto overriding = conf_value(auto_text, want.name);
		if (overriding && !want.satisfied(*overriding))
			report.warnings.push_back(auto_path + " (ALTER SYSTEM) sets " + want.name + " = " +
			                          quote_conf_value(*overriding) +
			                          ", which overrides postgresql.conf: run ALTER SYSTEM RESET " +
			                          want.name + " (or ALTER SYSTEM SET it as wanted)");
	}
	if (changed.empty()) {
		report.kept.push_back("settings in " + path);
		return;
	}
	std::string backup = backup_file(path);
	replace_file(path, write_managed_block(text, block), file_mode(path), path);
	for (const auto &line : changed)
		report.changes.push_back(path + ": " + line);
	report.changes.push_back("backup of the old " + path + ": " + backup);
	report.reload_needed = true;
}

void setup_pg_hba(const std::string &confdir, SetupReport &report) {
	std::string path = join_path(confdir, "pg_hba.conf");
	std::string text = read_file(path);
	std::vector<std::string> missing;
	for (const char *line : {"hostssl all all 0.0.0.0/0 cert", "hostssl all all ::/0 cert"})
		if (!hba_has_record(text, hba_fields(line)))
			missing.push_back(line);
	if (missing.empty()) {
		report.kept.push_back("certificate records in " + path);
		return;
	}
	std::string backup = backup_file(path);
	replace_file(path, hba_insert_records(text, missing), file_mode(path), path);
	for (const auto &line : missing)
		report.changes.push_back(path + ": added \"" + line + "\" before the other TCP records");
	report.changes.push_back("backup of the old " + path + ": " + backup);
	report.reload_needed = true;
}

} // namespace pg_autouser::cli
