// main.cpp -- `pg_autouser_bench`: parses options, runs the benchmark (runner.cpp), prints the
// markdown tables and writes them (--out) and the JSON (--json).  Exits 0 unless something
// functional failed (a login that should succeed did not, a storm login failed) -- never
// because of a timing: SPEC §9 targets are reported, not asserted.  2 = usage error.
#include "report.hpp"
#include "runner.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace {

using pg_autouser::bench::Config;
using pg_autouser::bench::Endpoint;

constexpr const char *kUsage =
    "usage: pg_autouser_bench --plain HOST:PORT --auto HOST:PORT\n"
    "         --plain-admin CONNINFO --auto-admin CONNINFO\n"
    "         --ca-cert FILE --ca-key FILE [--root-cert FILE]\n"
    "         [--plain-standby HOST:PORT --auto-standby HOST:PORT\n"
    "          --plain-standby-admin CONNINFO --auto-standby-admin CONNINFO]\n"
    "         [--rounds N] [--standby-rounds N] [--smoke] [--out FILE.md] [--json FILE.json]\n"
    "         [--storm N] [--storm-clients N] [--scale-rounds N]\n"
    "         [--scale-roles N] [--scale-rules N] [--workdir DIR]\n"
    "--plain: cluster without pg_autouser (the baseline); --auto: pg_autouser preloaded and\n"
    "created.  Admin conninfos are superuser sessions (e.g. unix socket, trust).  Client\n"
    "certificates are minted with the CA; --root-cert (default: --ca-cert) verifies servers.\n"
    "--plain-standby, --auto-standby: a streaming hot standby of each; the auto one has\n"
    "pg_autouser.primary_conninfo set.  With them the standby variants run too.\n"
    "--smoke: few rounds and small storm and scale, every variant still runs.\n";

[[noreturn]] void usage(const std::string &why) {
	std::cerr << "pg_autouser_bench: " << why << "\n" << kUsage;
	std::exit(2);
}

Endpoint parse_endpoint(const std::string &arg) {
	auto colon = arg.rfind(':');
	if (colon == std::string::npos || colon == 0 || colon + 1 == arg.size())
		usage("expected HOST:PORT, got \"" + arg + "\"");
	Endpoint e;
	e.host = arg.substr(0, colon);
	e.port = arg.substr(colon + 1);
	return e;
}

long parse_number(const std::string &opt, const std::string &arg) {
	try {
		std::size_t used = 0;
		long v = std::stol(arg, &used);
		if (used == arg.size() && v > 0)
			return v;
	} catch (const std::exception &) {
	}
	usage(opt + " needs a positive number");
}

void write_file(const std::string &path, const std::string &text) {
	std::ofstream out(path);
	out << text;
	if (!out)
		throw std::runtime_error("cannot write " + path);
}

} // namespace

int main(int argc, char **argv) {
	Config cfg;
	std::string out_path, json_path, root_cert, workdir;
	bool have_plain = false, have_auto = false;
	long rounds = 0, standby_rounds = 0, storm = 0, clients = 0, scale_rounds = 0, scale_roles = 0,
	     scale_rules = 0;
	for (int i = 1; i < argc; i++) {
		std::string opt = argv[i];
		if (opt == "--smoke") {
			cfg.smoke = true;
			continue;
		}
		if (opt == "--help" || opt == "-h") {
			std::cout << kUsage;
			return 0;
		}
		if (i + 1 >= argc)
			usage("missing value for " + opt);
		std::string arg = argv[++i];
		if (opt == "--plain")
			cfg.plain = parse_endpoint(arg), have_plain = true;
		else if (opt == "--auto")
			cfg.autouser = parse_endpoint(arg), have_auto = true;
		else if (opt == "--plain-admin")
			cfg.plain_admin = arg;
		else if (opt == "--auto-admin")
			cfg.autouser_admin = arg;
		else if (opt == "--plain-standby")
			cfg.plain_standby = parse_endpoint(arg);
		else if (opt == "--auto-standby")
			cfg.auto_standby = parse_endpoint(arg);
		else if (opt == "--plain-standby-admin")
			cfg.plain_standby_admin = arg;
		else if (opt == "--auto-standby-admin")
			cfg.auto_standby_admin = arg;
		else if (opt == "--ca-cert")
			cfg.ca_cert = arg;
		else if (opt == "--ca-key")
			cfg.ca_key = arg;
		else if (opt == "--root-cert")
			root_cert = arg;
		else if (opt == "--out")
			out_path = arg;
		else if (opt == "--json")
			json_path = arg;
		else if (opt == "--workdir")
			workdir = arg;
		else if (opt == "--rounds")
			rounds = parse_number(opt, arg);
		else if (opt == "--standby-rounds")
			standby_rounds = parse_number(opt, arg);
		else if (opt == "--storm")
			storm = parse_number(opt, arg);
		else if (opt == "--storm-clients")
			clients = parse_number(opt, arg);
		else if (opt == "--scale-rounds")
			scale_rounds = parse_number(opt, arg);
		else if (opt == "--scale-roles")
			scale_roles = parse_number(opt, arg);
		else if (opt == "--scale-rules")
			scale_rules = parse_number(opt, arg);
		else
			usage("unknown option " + opt);
	}
	if (!have_plain || !have_auto || cfg.plain_admin.empty() || cfg.autouser_admin.empty() ||
	    cfg.ca_cert.empty() || cfg.ca_key.empty())
		usage("--plain, --auto, --plain-admin, --auto-admin, --ca-cert and --ca-key are needed");
	bool any_standby = !cfg.plain_standby.port.empty() || !cfg.auto_standby.port.empty() ||
	                   !cfg.plain_standby_admin.empty() || !cfg.auto_standby_admin.empty();
	if (any_standby &&
	    (!cfg.standbys() || cfg.plain_standby_admin.empty() || cfg.auto_standby_admin.empty()))
		usage("--plain-standby, --auto-standby, --plain-standby-admin and --auto-standby-admin "
		      "go together");

	if (cfg.smoke) {
		cfg.rounds = 8;
		cfg.standby_rounds = 4;
		cfg.storm_logins = 200;
		cfg.scale_rounds = 5;
		cfg.scale_large_roles = 200;
		cfg.scale_large_rules = 50;
	}
	cfg.rounds = rounds ? static_cast<int>(rounds) : cfg.rounds;
	cfg.standby_rounds = standby_rounds ? static_cast<int>(standby_rounds) : cfg.standby_rounds;
	cfg.storm_logins = storm ? static_cast<int>(storm) : cfg.storm_logins;
	cfg.storm_clients = clients ? static_cast<int>(clients) : cfg.storm_clients;
	cfg.scale_rounds = scale_rounds ? static_cast<int>(scale_rounds) : cfg.scale_rounds;
	cfg.scale_large_roles = scale_roles ? scale_roles : cfg.scale_large_roles;
	cfg.scale_large_rules = scale_rules ? scale_rules : cfg.scale_large_rules;
	cfg.plain.root_cert = cfg.autouser.root_cert = cfg.plain_standby.root_cert =
	    cfg.auto_standby.root_cert = root_cert.empty() ? cfg.ca_cert : root_cert;

	bool own_workdir = workdir.empty();
	try {
		if (own_workdir) {
			std::string tmpl =
			    (std::filesystem::temp_directory_path() / "pg_autouser_bench.XXXXXX").string();
			if (!mkdtemp(tmpl.data()))
				throw std::runtime_error("cannot create a temporary directory");
			workdir = tmpl;
		}
		cfg.workdir = workdir;
		pg_autouser::bench::Results results = pg_autouser::bench::run_benchmark(cfg);
		std::string md = pg_autouser::bench::to_markdown(results);
		std::cout << md;
		if (!out_path.empty())
			write_file(out_path, md);
		if (!json_path.empty())
			write_file(json_path, pg_autouser::bench::to_json(results));
		if (own_workdir)
			std::filesystem::remove_all(workdir);
		return results.failures.empty() ? 0 : 1;
	} catch (const std::exception &e) {
		std::cerr << "pg_autouser_bench: " << e.what() << "\n";
		if (own_workdir && !workdir.empty())
			std::filesystem::remove_all(workdir);
		return 1;
	}
}
