// report.hpp -- the benchmark's results and their markdown and JSON forms.  Runs nothing;
// never judges success (SPEC §9 targets are shown next to results, not asserted).
#pragma once

#include "stats.hpp"

#include <string>
#include <vector>

namespace pg_autouser::bench {

struct VariantResult {
	std::string key;         // stable name used in JSON, e.g. "first_login"
	std::string label;       // what was measured, for people
	double target_ratio = 0; // SPEC §9 bound on median / baseline median; 0 = none
	std::string note;        // shown instead of a target (e.g. the SPEC's reference figure)
	std::vector<double> samples;
	Summary summary; // filled by finish()
	double ratio = 0;
};

struct StormResult {
	std::string key;
	std::string label;
	std::size_t logins = 0;
	std::size_t failures = 0;
	double seconds = 0;
	std::vector<double> samples;
	std::vector<std::string> errors; // the first few failure messages
	Summary summary;
	double throughput() const {
		return seconds > 0 ? static_cast<double>(logins - failures) / seconds : 0;
	}
};

struct CleanupResult {
	std::vector<double> observed; // disconnect → NOLOGIN seen by polling pg_roles
	std::vector<double> events;   // "N ms after the last session ended" from autouser.events
	Summary observed_summary;
	Summary events_summary;
};

struct ScalePhase {
	std::string key; // "small" / "large"
	long roles = 0;  // managed roles present while measuring
	long rules = 0;
	double setup_seconds = 0; // time to create this phase's extra roles and rules
	std::vector<VariantResult> variants;
};

struct RunInfo {
	std::string started_at;
	std::string server_version;
	std::string cpu_model;
	std::string load_before; // /proc/loadavg at start and end
	std::string load_after;
	unsigned nproc = 0;
	int rounds = 0;
	int standby_rounds = 0; // 0: no standbys were given
	int scale_rounds = 0;
	int storm_clients = 0;
	bool smoke = false;
	std::string admin_login; // how the admin-connection approach authenticates
};

struct Results {
	RunInfo info;
	std::vector<VariantResult> latency; // [0] is the baseline
	std::vector<VariantResult> standby; // on hot standbys; [0] is their baseline; may be empty
	StormResult storm_plain;
	StormResult storm_auto;
	CleanupResult cleanup;
	std::vector<ScalePhase> scale;
	std::vector<std::string> failures; // functional failures: each makes the exit status 1
};

// Computes summaries and ratios (each variant against the baseline of its own group).
void finish(Results &results);

std::string to_markdown(const Results &results);
std::string to_json(const Results &results);

} // namespace pg_autouser::bench
