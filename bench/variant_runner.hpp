// variant_runner.hpp -- the Runner that takes the benchmark's samples, shared by runner.cpp (the
// primaries' variants, storms, scale) and standby_variants.cpp (the hot standbys' variants).
// Internal to pg_autouser_bench; run_benchmark (runner.hpp) is the entry point.
#pragma once

#include "cert_factory.hpp"
#include "runner.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pg_autouser::bench {

using Clock = std::chrono::steady_clock;

// The ordinary LOGIN role bench/run_bench.pl made on both primaries (and so on their standbys).
constexpr const char *kPlainUser = "plain_user";

double ms_since(Clock::time_point start);

VariantResult variant(const char *key, const char *label, double target_ratio,
                      const char *note = "");

class Runner {
  public:
	Runner(const Config &config, Results &results);

	void setup();
	void latency_rounds();
	void cleanup_events();
	void standby_setup();
	void standby_rounds();
	void storms();
	void scale();
	void teardown();

  private:
	struct Step {
		VariantResult *result;
		std::function<void(VariantResult *)> sample; // records into result unless it is null
	};

	std::string cert_for(const std::string &cn);
	std::string conninfo(const Endpoint &endpoint, const std::string &user) {
		return cert_conninfo(endpoint, user, cert_for(user), certs_.key_path());
	}
	void failure(const std::string &what);
	// A timed login recorded into v (when not null); returns whether it succeeded.
	bool login(VariantResult *v, const std::string &conninfo, const std::string &who);
	// Polls pg_roles every poll_us until role is NOLOGIN; returns ms since `since`, or -1
	// (failure noted).
	double wait_nologin(Session &admin, const std::string &role, Clock::time_point since,
	                    int poll_us = 500);
	void run_rounds(std::vector<Step> &steps, int rounds);
	std::vector<Step> provision_steps(std::vector<VariantResult> &group, bool cleanup_samples,
	                                  const std::string &new_prefix, bool drop_new);
	// A login on the auto standby that the primary provisions, then, untimed, the role's
	// deactivation on the primary and the wait until the standby has replayed it.
	void standby_write_sample(VariantResult *r, const std::string &user);
	long managed_count();
	void grow_to(long roles, long rules);
	void scale_phase(const std::string &key, int phase);
	StormResult storm(const char *key, const char *label, const Endpoint &endpoint,
	                  const std::vector<std::string> &users);

	const Config &cfg_;
	Results &res_;
	CertFactory certs_;
	std::string tag_;
	std::map<std::string, std::string> cert_paths_;
	std::unique_ptr<Session> plain_admin_;
	std::unique_ptr<Session> auto_admin_;
	std::unique_ptr<Session> held_;               // u_held's session, open for the whole run
	std::unique_ptr<Session> auto_standby_admin_; // superuser session on the auto standby
	std::unique_ptr<Session> standby_held_;       // us_held's session on the auto standby
	long first_event_id_ = 0;
	long new_seq_ = 0;
	long filler_seq_ = 0;
};

} // namespace pg_autouser::bench
