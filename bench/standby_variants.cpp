// standby_variants.cpp -- the benchmark's variants on hot standbys (SPEC §9, §10): a certificate
// login to the plain cluster's standby (their baseline), the fast paths on the auto cluster's
// standby, and a first login and a reactivation there, which the standby's worker has its
// primary provision.  Interleaved like the primaries' variants, in a group of their own.
// After each write sample, untimed, the role is deactivated on the primary and the standby
// waits until it has replayed that.  The cleanup would come by itself, but only once the lease
// the provisioning took lapses (pg_autouser.lease_expiry, 15 s): a login shorter than a lease
// interval is never reported by the standby.
//
// What bench/run_bench.pl prepared and this file relies on: both standbys stream from their
// primary and have replayed its roles and rules; the auto standby has
// pg_autouser.primary_conninfo, logging in to the primary as pg_autouser.admin_role.
#include "variant_runner.hpp"

#include <cstdio>
#include <stdexcept>

namespace pg_autouser::bench {

namespace {

constexpr const char *kStandbyHeldUser = "u_standby_held";
constexpr const char *kStandbyReactUser = "u_standby_react";
// The wait for a replayed deactivation: poll gently, the standby is what is measured.
constexpr int kStandbyPollUs = 2000;

} // namespace

void Runner::standby_setup() {
	Session plain_standby(cfg_.plain_standby_admin);
	auto_standby_admin_ = std::make_unique<Session>(cfg_.auto_standby_admin);
	if (plain_standby.value("SELECT pg_is_in_recovery()") != "t")
		throw std::runtime_error("the --plain-standby server is not a standby");
	if (plain_standby.value("SHOW shared_preload_libraries").find("pg_autouser") !=
	    std::string::npos)
		throw std::runtime_error("the --plain-standby server preloads pg_autouser");
	if (auto_standby_admin_->value("SELECT pg_is_in_recovery()") != "t")
		throw std::runtime_error("the --auto-standby server is not a standby");
	if (auto_standby_admin_->value("SHOW pg_autouser.primary_conninfo").empty())
		throw std::runtime_error(
		    "the --auto-standby server's pg_autouser.primary_conninfo is not set");
	res_.info.standby_rounds = cfg_.standby_rounds;

	// u_standby_held: its first login, on the standby, is provisioned through the primary; this
	// session keeps it active there for the whole group.
	standby_held_ = std::make_unique<Session>(conninfo(cfg_.auto_standby, kStandbyHeldUser));
	// u_standby_react must exist, NOLOGIN, before its first sample.
	standby_write_sample(nullptr, kStandbyReactUser);
}

void Runner::standby_write_sample(VariantResult *r, const std::string &user) {
	if (!login(r, conninfo(cfg_.auto_standby, user), user))
		return;
	try {
		auto_admin_->exec("SELECT autouser.deactivate($1, terminate => true)", {user});
	} catch (const std::exception &e) {
		failure("deactivating " + user + " on the primary after its standby login: " + e.what());
		return;
	}
	(void)wait_nologin(*auto_standby_admin_, user, Clock::now(), kStandbyPollUs);
}

void Runner::standby_rounds() {
	std::vector<VariantResult> &group = res_.standby;
	group.reserve(5);
	group.push_back(
	    variant("standby_baseline", "standby baseline: plain standby, existing role", 0));
	group.push_back(variant("standby_fast_no_rule",
	                        "standby fast path: unmanaged role, no rule matches", 1.03));
	group.push_back(variant("standby_fast_active",
	                        "standby fast path: active managed role (session held on the "
	                        "standby), same set",
	                        1.03));
	group.push_back(variant("standby_first_login",
	                        "standby first login of a new identity, through the primary", 1.5));
	group.push_back(variant("standby_reactivation",
	                        "standby reactivation of a NOLOGIN managed role, through the primary",
	                        1.5));
	std::string new_prefix = "u_" + tag_ + "_b";
	std::vector<Step> steps;
	steps.push_back({&group[0], [this](VariantResult *r) {
		                 login(r, conninfo(cfg_.plain_standby, kPlainUser), kPlainUser);
	                 }});
	steps.push_back({&group[1], [this](VariantResult *r) {
		                 login(r, conninfo(cfg_.auto_standby, kPlainUser), kPlainUser);
	                 }});
	steps.push_back({&group[2], [this](VariantResult *r) {
		                 login(r, conninfo(cfg_.auto_standby, kStandbyHeldUser), kStandbyHeldUser);
	                 }});
	steps.push_back({&group[3], [this, new_prefix](VariantResult *r) {
		                 standby_write_sample(r, new_prefix + std::to_string(new_seq_++));
	                 }});
	steps.push_back(
	    {&group[4], [this](VariantResult *r) {
		     if (auto_standby_admin_->value("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1",
		                                    {kStandbyReactUser}) == "t") {
			     failure("u_standby_react is LOGIN on the standby before a "
			             "reactivation sample");
			     return;
		     }
		     standby_write_sample(r, kStandbyReactUser);
	     }});
	std::fprintf(stderr, "standby latency: %d rounds of %zu variants\n", cfg_.standby_rounds,
	             steps.size());
	run_rounds(steps, cfg_.standby_rounds);
	standby_held_.reset();
}

} // namespace pg_autouser::bench
