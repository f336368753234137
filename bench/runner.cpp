// runner.cpp -- the benchmark's variants on the primaries (docs/benchmarks.md explains each),
// their set-up between samples, the storms and the scale phases, and the order of it all; the
// standbys' variants are in standby_variants.cpp.  Timed regions cover only what a client
// waits for; preparing a sample (minting a certificate, deactivating a role) is never timed.
//
// What bench/run_bench.pl prepared and this file relies on:
//   both clusters: roles plain_user (LOGIN) and bench_reader (NOLOGIN);
//   autouser: CREATE EXTENSION pg_autouser, one rule identity 'u_*' -> {bench_reader};
//   plain: group bench_auto_user, CREATEROLE login bench_admin, procedures
//          bench_activate_user(text, text[]) and bench_deactivate_user(text).
#include "runner.hpp"

#include "variant_runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace pg_autouser::bench {

namespace {

constexpr const char *kHeldUser = "u_held";
constexpr const char *kReactUser = "u_react";
constexpr const char *kAdminUser = "bench_admin";
constexpr const char *kAdminReactUser = "a_react";
constexpr int kWarmupRounds = 5;
// The seed of the orders the variants run in (the same orders every run).
constexpr unsigned kShuffleSeed = 20261202;
constexpr std::size_t kMaxFailures = 25;
constexpr std::size_t kMaxStormErrors = 5;
constexpr long kRoleBatch = 5000;

std::string cpu_model() {
	std::ifstream in("/proc/cpuinfo");
	std::string line;
	while (std::getline(in, line))
		if (line.rfind("model name", 0) == 0) {
			auto colon = line.find(':');
			return colon == std::string::npos ? line : line.substr(colon + 2);
		}
	return "unknown";
}

// The 1-, 5- and 15-minute load averages: other work on the machine skews every number.
std::string load_average() {
	std::ifstream in("/proc/loadavg");
	std::string one, five, fifteen;
	in >> one >> five >> fifteen;
	return one + " " + five + " " + fifteen;
}

std::string utc_now() {
	std::time_t t = std::time(nullptr);
	char buf[32];
	std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&t));
	return buf;
}

// Short per-run tag so identities of a second run on the same clusters are new again.
std::string run_tag() {
	char buf[16];
	std::snprintf(
	    buf, sizeof buf, "%04lx",
	    (static_cast<unsigned long>(std::time(nullptr)) ^ static_cast<unsigned long>(getpid())) &
	        0xffffUL);
	return buf;
}

} // namespace

Runner::Runner(const Config &config, Results &results)
    : cfg_(config), res_(results), certs_(config.ca_cert, config.ca_key, config.workdir),
      tag_(run_tag()) {}

void Runner::teardown() {
	standby_held_.reset();
	held_.reset();
	res_.info.load_after = load_average();
}

double ms_since(Clock::time_point start) {
	return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

VariantResult variant(const char *key, const char *label, double target_ratio, const char *note) {
	VariantResult v;
	v.key = key;
	v.label = label;
	v.target_ratio = target_ratio;
	v.note = note;
	return v;
}

std::string Runner::cert_for(const std::string &cn) {
	auto it = cert_paths_.find(cn);
	if (it != cert_paths_.end())
		return it->second;
	return cert_paths_[cn] = certs_.mint(cn);
}

void Runner::failure(const std::string &what) {
	std::fprintf(stderr, "FAILURE: %s\n", what.c_str());
	res_.failures.push_back(what);
	if (res_.failures.size() >= kMaxFailures)
		throw std::runtime_error("too many functional failures; giving up");
}

bool Runner::login(VariantResult *v, const std::string &conninfo, const std::string &who) {
	LoginResult r = timed_login(conninfo);
	if (!r.ok) {
		failure((v ? v->key : std::string("warm-up")) + ": login as " + who +
		        " failed: " + r.error);
		return false;
	}
	if (v)
		v->samples.push_back(r.ms);
	return true;
}

double Runner::wait_nologin(Session &admin, const std::string &role, Clock::time_point since,
                            int poll_us) {
	for (;;) {
		auto rows =
		    admin.query("SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = $1", {role});
		if (rows.empty()) {
			failure("role " + role + " does not exist after its login");
			return -1;
		}
		if (rows[0][0] == "f")
			return ms_since(since);
		if (ms_since(since) > 30000) {
			failure("role " + role + " still LOGIN 30 s after its last session ended");
			return -1;
		}
		std::this_thread::sleep_for(std::chrono::microseconds(poll_us));
	}
}

void Runner::setup() {
	res_.info.started_at = utc_now();
	res_.info.load_before = load_average();
	res_.info.cpu_model = cpu_model();
	res_.info.nproc = std::thread::hardware_concurrency();
	res_.info.smoke = cfg_.smoke;
	res_.info.rounds = cfg_.rounds;
	res_.info.scale_rounds = cfg_.scale_rounds;
	res_.info.storm_clients = cfg_.storm_clients;
	res_.info.admin_login = "a new connection per login as CREATEROLE role bench_admin, "
	                        "authenticated like the user (certificate, TCP + TLS, pg_hba cert), "
	                        "CALL bench_activate_user(name, roles) (modelled on Teleport's "
	                        "teleport_activate_user), disconnect; then the user's own login";

	plain_admin_ = std::make_unique<Session>(cfg_.plain_admin);
	auto_admin_ = std::make_unique<Session>(cfg_.autouser_admin);
	res_.info.server_version = "PostgreSQL " + plain_admin_->value("SHOW server_version");
	if (plain_admin_->value("SHOW shared_preload_libraries").find("pg_autouser") !=
	    std::string::npos)
		throw std::runtime_error("the --plain cluster preloads pg_autouser");
	if (auto_admin_->value("SELECT count(*) FROM pg_extension WHERE extname = 'pg_autouser'") !=
	    "1")
		throw std::runtime_error("the --auto cluster has no pg_autouser extension");
	if (auto_admin_->value("SHOW pg_autouser.cleanup_delay") != "0")
		throw std::runtime_error("the --auto cluster's pg_autouser.cleanup_delay is not 0");

	// u_held: its first login creates it; this session keeps it active for the whole run.
	held_ = std::make_unique<Session>(conninfo(cfg_.autouser, kHeldUser));
	// a_react must exist (deactivated) before its first sample.
	Session admin(conninfo(cfg_.plain, kAdminUser));
	admin.exec("CALL bench_activate_user($1, $2)", {kAdminReactUser, "{bench_reader}"});
	login(nullptr, conninfo(cfg_.plain, kAdminReactUser), kAdminReactUser);
}

// The steps of one provisioning group: baseline first (ratios are against it).  The latency
// rounds add the admin-connection variants to these.
std::vector<Runner::Step> Runner::provision_steps(std::vector<VariantResult> &group,
                                                  bool cleanup_samples,
                                                  const std::string &new_prefix, bool drop_new) {
	std::vector<Step> steps;
	group.push_back(variant("baseline", "baseline: plain cluster, existing role", 0));
	group.push_back(variant("fast_no_rule", "fast path: unmanaged role, no rule matches", 1.03));
	group.push_back(
	    variant("fast_active", "fast path: active managed role (session held), same set", 1.03));
	group.push_back(variant("first_login", "first login of a new identity", 1.3));
	group.push_back(variant("reactivation", "reactivation of a NOLOGIN managed role", 1.3));
	// Pointers into group stay valid: callers reserve before calling.
	VariantResult *v = &group[group.size() - 5];
	steps.push_back({v + 0, [this](VariantResult *r) {
		                 login(r, conninfo(cfg_.plain, kPlainUser), kPlainUser);
	                 }});
	steps.push_back({v + 1, [this](VariantResult *r) {
		                 login(r, conninfo(cfg_.autouser, kPlainUser), kPlainUser);
	                 }});
	steps.push_back({v + 2, [this](VariantResult *r) {
		                 login(r, conninfo(cfg_.autouser, kHeldUser), kHeldUser);
	                 }});
	steps.push_back({v + 3, [this, cleanup_samples, new_prefix, drop_new](VariantResult *r) {
		                 std::string user = new_prefix + std::to_string(new_seq_++);
		                 std::string ci = conninfo(cfg_.autouser, user);
		                 if (!login(r, ci, user))
			                 return;
		                 double ms = wait_nologin(*auto_admin_, user, Clock::now());
		                 if (ms >= 0 && cleanup_samples && r)
			                 res_.cleanup.observed.push_back(ms);
		                 if (drop_new)
			                 auto_admin_->exec("DROP ROLE " + user);
	                 }});
	steps.push_back({v + 4, [this, cleanup_samples](VariantResult *r) {
		                 std::string ci = conninfo(cfg_.autouser, kReactUser);
		                 if (auto_admin_->value("SELECT rolcanlogin FROM pg_roles WHERE rolname "
		                                        "= $1",
		                                        {kReactUser}) == "t") {
			                 failure("u_react is LOGIN before a reactivation sample");
			                 return;
		                 }
		                 if (!login(r, ci, kReactUser))
			                 return;
		                 double ms = wait_nologin(*auto_admin_, kReactUser, Clock::now());
		                 if (ms >= 0 && cleanup_samples && r)
			                 res_.cleanup.observed.push_back(ms);
	                 }});
	return steps;
}

void Runner::run_rounds(std::vector<Step> &steps, int rounds) {
	// A new order every round, from a fixed seed: each variant follows each other one about
	// equally often.  (Rotating one order would not do that: a variant would nearly always
	// follow the same one, and a sample taken just after a write sample's background work
	// differs from one taken on a machine that was idle.)
	std::mt19937 shuffle_rng(kShuffleSeed);
	std::vector<std::size_t> order(steps.size());
	std::iota(order.begin(), order.end(), 0);
	for (int round = -kWarmupRounds; round < rounds; round++) {
		std::shuffle(order.begin(), order.end(), shuffle_rng);
		for (std::size_t k : order) {
			Step &s = steps[k];
			s.sample(round < 0 ? nullptr : s.result);
		}
	}
}

void Runner::latency_rounds() {
	first_event_id_ =
	    std::stol(auto_admin_->value("SELECT coalesce(max(id), 0) FROM autouser.events"));
	std::vector<VariantResult> &group = res_.latency;
	group.reserve(7);
	std::vector<Step> steps = provision_steps(group, true, "u_" + tag_ + "_n", false);
	group.push_back(variant("admin_first", "admin-connection approach: first login", 0,
	                        "SPEC reference ≈ 2.7×"));
	group.push_back(variant("admin_react", "admin-connection approach: reactivation", 0,
	                        "SPEC reference ≈ 2.9×"));
	VariantResult *admin_first = &group[5];
	VariantResult *admin_react = &group[6];
	std::string admin_ci = conninfo(cfg_.plain, kAdminUser);
	// Timed: the proxy's admin connection, the activation procedure, then the user's login.
	auto activate_then_login = [this, admin_ci](VariantResult *r, const std::string &user) {
		std::string ci = conninfo(cfg_.plain, user);
		auto start = Clock::now();
		try {
			Session admin(admin_ci);
			admin.exec("CALL bench_activate_user($1, $2)", {user, "{bench_reader}"});
		} catch (const std::exception &e) {
			failure((r ? r->key : std::string("warm-up")) + ": activating " + user + ": " +
			        e.what());
			return;
		}
		LoginResult l = timed_login(ci);
		double ms = ms_since(start);
		if (!l.ok)
			failure((r ? r->key : std::string("warm-up")) + ": login as " + user +
			        " failed: " + l.error);
		else if (r)
			r->samples.push_back(ms);
	};
	std::string admin_prefix = "a_" + tag_ + "_n";
	steps.push_back({admin_first, [this, activate_then_login, admin_prefix](VariantResult *r) {
		                 activate_then_login(r, admin_prefix + std::to_string(new_seq_++));
	                 }});
	steps.push_back({admin_react, [this, activate_then_login](VariantResult *r) {
		                 plain_admin_->exec("CALL bench_deactivate_user($1)", {kAdminReactUser});
		                 activate_then_login(r, kAdminReactUser);
	                 }});
	std::fprintf(stderr, "latency: %d rounds of %zu variants\n", cfg_.rounds, steps.size());
	run_rounds(steps, cfg_.rounds);
}

void Runner::cleanup_events() {
	auto rows = auto_admin_->query(
	    "SELECT substring(detail FROM '(\\d+) ms after')::float8 FROM autouser.events "
	    "WHERE id > $1 AND action = 'deactivate' AND detail ~ '\\d+ ms after'",
	    {std::to_string(first_event_id_)});
	for (auto &row : rows)
		res_.cleanup.events.push_back(std::stod(row[0]));
}

StormResult Runner::storm(const char *key, const char *label, const Endpoint &endpoint,
                          const std::vector<std::string> &users) {
	std::vector<std::string> infos;
	for (const std::string &u : users)
		infos.push_back(conninfo(endpoint, u));
	StormResult result;
	result.key = key;
	result.label = label;
	result.logins = users.size();
	std::atomic<std::size_t> next{0};
	std::mutex mu;
	std::vector<std::thread> threads;
	auto start = Clock::now();
	for (int c = 0; c < cfg_.storm_clients; c++)
		threads.emplace_back([&] {
			std::vector<double> mine;
			std::vector<std::string> errors;
			for (std::size_t i; (i = next++) < infos.size();) {
				LoginResult r = timed_login(infos[i]);
				if (r.ok)
					mine.push_back(r.ms);
				else
					errors.push_back(users[i] + ": " + r.error);
			}
			std::lock_guard<std::mutex> lock(mu);
			result.samples.insert(result.samples.end(), mine.begin(), mine.end());
			result.failures += errors.size();
			for (std::string &e : errors)
				if (result.errors.size() < kMaxStormErrors)
					result.errors.push_back(std::move(e));
		});
	for (std::thread &t : threads)
		t.join();
	result.seconds = ms_since(start) / 1000;
	std::fprintf(stderr, "storm %s: %zu logins, %zu failures, %.2f s\n", key, result.logins,
	             result.failures, result.seconds);
	return result;
}

void Runner::storms() {
	int n = cfg_.storm_logins;
	// The plain storm logs in as n existing roles, one login each, like the new identities.
	plain_admin_->exec("DO $$ BEGIN FOR i IN 0.." + std::to_string(n - 1) +
	                   " LOOP IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ps_' || i) "
	                   "THEN EXECUTE format('CREATE ROLE %I LOGIN', 'ps_' || i); END IF; "
	                   "END LOOP; END $$");
	std::vector<std::string> plain_users, new_users;
	for (int i = 0; i < n; i++) {
		plain_users.push_back("ps_" + std::to_string(i));
		new_users.push_back("u_" + tag_ + "_s" + std::to_string(i));
	}
	res_.storm_plain =
	    storm("plain", "plain logins, existing roles (plain cluster)", cfg_.plain, plain_users);
	res_.storm_auto =
	    storm("auto", "first logins of new identities (pg_autouser)", cfg_.autouser, new_users);
	if (res_.storm_plain.failures)
		failure("plain storm: " + std::to_string(res_.storm_plain.failures) + " failed logins");
	if (res_.storm_auto.failures)
		failure("pg_autouser storm: " + std::to_string(res_.storm_auto.failures) +
		        " failed logins");
	// Let the cleanup of the storm's roles finish before anything else is measured.
	std::string like = "u\\_" + tag_ + "\\_s%";
	auto start = Clock::now();
	while (auto_admin_->value("SELECT count(*) FROM pg_roles WHERE rolname LIKE $1 AND "
	                          "rolcanlogin",
	                          {like}) != "0") {
		if (ms_since(start) > 120000) {
			failure("storm roles still LOGIN 120 s after the storm");
			break;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	std::string made =
	    auto_admin_->value("SELECT count(*) FROM pg_roles WHERE rolname LIKE $1", {like});
	if (made != std::to_string(n - static_cast<long>(res_.storm_auto.failures)))
		failure("pg_autouser storm: " + made + " roles exist after " + std::to_string(n) +
		        " first logins");
}

long Runner::managed_count() {
	return std::stol(auto_admin_->value(
	    "SELECT count(*) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
	    "WHERE g.rolname = current_setting('pg_autouser.group_role')"));
}

// Adds NOLOGIN managed roles (in the group role and labelled, as provisioning leaves them) and
// non-matching rules until there are `roles` and `rules`.  The
// plain cluster gets as many ordinary NOLOGIN roles, so that what PostgreSQL itself pays for a
// large pg_authid is in the baseline too and the ratio isolates pg_autouser's own cost.
void Runner::grow_to(long roles, long rules) {
	for (long have = managed_count(); have < roles;) {
		long batch = std::min(kRoleBatch, roles - have);
		long from = filler_seq_;
		filler_seq_ += batch;
		const std::string range = std::to_string(from) + ".." + std::to_string(filler_seq_ - 1);
		auto_admin_->exec("DO $$ BEGIN FOR i IN " + range +
		                  " LOOP EXECUTE format('CREATE ROLE %I NOLOGIN IN ROLE %I', 'm_" + tag_ +
		                  "_' || i, current_setting('pg_autouser.group_role')); "
		                  "EXECUTE format('SECURITY LABEL FOR pg_autouser ON ROLE %I IS %L', 'm_" +
		                  tag_ + "_' || i, 'managed'); END LOOP; END $$");
		plain_admin_->exec("DO $$ BEGIN FOR i IN " + range +
		                   " LOOP EXECUTE format('CREATE ROLE %I NOLOGIN', 'f_" + tag_ +
		                   "_' || i); END LOOP; END $$");
		have += batch;
	}
	long have_rules = std::stol(auto_admin_->value("SELECT count(*) FROM autouser.rules"));
	if (have_rules < rules)
		auto_admin_->exec("INSERT INTO autouser.rules (identity, roles, comment) "
		                  "SELECT 'someone' || g, ARRAY['bench_reader'], 'bench filler' "
		                  "FROM generate_series($1::int, $2::int) g",
		                  {std::to_string(have_rules), std::to_string(rules - 1)});
}

void Runner::scale_phase(const std::string &key, int phase) {
	ScalePhase &p = res_.scale.back();
	p.key = key;
	p.roles = managed_count();
	p.rules = std::stol(auto_admin_->value("SELECT count(*) FROM autouser.rules"));
	p.variants.reserve(5);
	// Both phases start from vacuumed role catalogs: the small one follows thousands of
	// DROP ROLEs, the large one thousands of CREATE ROLEs.
	auto_admin_->exec("VACUUM (ANALYZE) pg_catalog.pg_authid, pg_catalog.pg_auth_members");
	plain_admin_->exec("VACUUM (ANALYZE) pg_catalog.pg_authid, pg_catalog.pg_auth_members");
	// New identities are dropped after their cleanup so the role count stays put.
	std::vector<Step> steps =
	    provision_steps(p.variants, false, "u_" + tag_ + "_k" + std::to_string(phase) + "_", true);
	// The workers publish the new rules asynchronously: give them a moment before the
	// warm-up rounds.
	std::this_thread::sleep_for(std::chrono::seconds(1));
	std::fprintf(stderr, "scale %s: %ld managed roles, %ld rules, %d rounds\n", key.c_str(),
	             p.roles, p.rules, cfg_.scale_rounds);
	run_rounds(steps, cfg_.scale_rounds);
}

void Runner::scale() {
	// Start from a known population: drop what earlier phases made (all NOLOGIN by now), keep
	// the two roles the variants reuse, and only the benchmark's own rule.
	auto_admin_->exec(
	    "DO $$ DECLARE r name; BEGIN FOR r IN SELECT u.rolname FROM pg_auth_members m "
	    "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member "
	    "WHERE g.rolname = current_setting('pg_autouser.group_role') AND NOT u.rolcanlogin "
	    "AND u.rolname NOT IN ('u_held', 'u_react') LOOP EXECUTE format('DROP ROLE %I', r); "
	    "END LOOP; END $$");
	auto_admin_->exec("DELETE FROM autouser.rules WHERE comment = 'bench filler'");
	grow_to(cfg_.scale_small_roles, cfg_.scale_small_rules);
	res_.scale.emplace_back();
	scale_phase("small", 0);
	auto start = Clock::now();
	grow_to(cfg_.scale_large_roles, cfg_.scale_large_rules);
	double setup = ms_since(start) / 1000;
	res_.scale.emplace_back();
	res_.scale.back().setup_seconds = setup;
	scale_phase("large", 1);
}

Results run_benchmark(const Config &config) {
	Results results;
	Runner runner(config, results);
	try {
		runner.setup();
		runner.latency_rounds();
		runner.cleanup_events();
		if (config.standbys()) {
			runner.standby_setup();
			runner.standby_rounds();
		}
		runner.storms();
		runner.scale();
	} catch (const std::exception &e) {
		results.failures.push_back(std::string("aborted: ") + e.what());
	}
	runner.teardown();
	finish(results);
	return results;
}

} // namespace pg_autouser::bench
