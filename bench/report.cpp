// report.cpp -- renders the results as markdown tables (docs/benchmarks.md, bench/results/)
// and as JSON (read by test/t/020_bench_smoke.pl).
#include "report.hpp"

#include <cstdio>
#include <sstream>

namespace pg_autouser::bench {

namespace {

std::string fmt(double v, int decimals = 2) {
	char buf[64];
	std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
	return buf;
}

std::string yes_no(bool met) { return met ? "yes" : "**no**"; }

void finish_group(std::vector<VariantResult> &variants) {
	for (VariantResult &v : variants)
		v.summary = summarize(v.samples);
	double base = variants.empty() ? 0 : variants[0].summary.median;
	for (VariantResult &v : variants)
		v.ratio = base > 0 ? v.summary.median / base : 0;
}

std::string json_string(const std::string &s) {
	std::string out = "\"";
	for (char c : s) {
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		default:
			if (static_cast<unsigned char>(c) < 0x20) {
				char buf[8];
				std::snprintf(buf, sizeof buf, "\\u%04x", c);
				out += buf;
			} else {
				out += c;
			}
		}
	}
	return out + "\"";
}

std::string json_summary(const Summary &s) {
	return "{\"n\": " + std::to_string(s.n) + ", \"median_ms\": " + fmt(s.median, 3) +
	       ", \"p95_ms\": " + fmt(s.p95, 3) + ", \"p99_ms\": " + fmt(s.p99, 3) +
	       ", \"max_ms\": " + fmt(s.max, 3) + "}";
}

std::string json_variants(const std::vector<VariantResult> &variants, const std::string &indent) {
	std::string out = "[\n";
	for (std::size_t i = 0; i < variants.size(); i++) {
		const VariantResult &v = variants[i];
		out += indent + "  {\"key\": " + json_string(v.key) +
		       ", \"label\": " + json_string(v.label) + ", \"n\": " + std::to_string(v.summary.n) +
		       ", \"median_ms\": " + fmt(v.summary.median, 3) +
		       ", \"p95_ms\": " + fmt(v.summary.p95, 3) + ", \"p99_ms\": " + fmt(v.summary.p99, 3) +
		       ", \"ratio\": " + fmt(v.ratio, 4) + ", \"target_ratio\": " +
		       (v.target_ratio > 0 ? fmt(v.target_ratio, 2) : std::string("null")) + "}" +
		       (i + 1 < variants.size() ? ",\n" : "\n");
	}
	return out + indent + "]";
}

std::string json_storm(const StormResult &s) {
	std::string errors = "[";
	for (std::size_t i = 0; i < s.errors.size(); i++)
		errors += (i ? ", " : "") + json_string(s.errors[i]);
	errors += "]";
	return "{\"logins\": " + std::to_string(s.logins) +
	       ", \"failures\": " + std::to_string(s.failures) + ", \"seconds\": " + fmt(s.seconds, 3) +
	       ", \"throughput\": " + fmt(s.throughput(), 1) +
	       ", \"latency\": " + json_summary(s.summary) + ", \"errors\": " + errors + "}";
}

const VariantResult *find(const std::vector<VariantResult> &variants, const std::string &key) {
	for (const VariantResult &v : variants)
		if (v.key == key)
			return &v;
	return nullptr;
}

// One row per variant: latency, ratio to the group's baseline, and the SPEC §9 target.
void latency_table(std::ostringstream &md, const std::vector<VariantResult> &variants) {
	md << "| variant | n | median ms | p95 ms | p99 ms | × baseline | SPEC §9 target | met |\n";
	md << "|---|---:|---:|---:|---:|---:|---|---|\n";
	for (const VariantResult &v : variants) {
		md << "| " << v.label << " | " << v.summary.n << " | " << fmt(v.summary.median) << " | "
		   << fmt(v.summary.p95) << " | " << fmt(v.summary.p99) << " | " << fmt(v.ratio, 3)
		   << " | ";
		if (v.target_ratio > 0)
			md << "≤ " << fmt(v.target_ratio) << "× | " << yes_no(v.ratio <= v.target_ratio);
		else
			md << v.note << " | ";
		md << " |\n";
	}
}

} // namespace

void finish(Results &results) {
	finish_group(results.latency);
	finish_group(results.standby);
	for (ScalePhase &phase : results.scale)
		finish_group(phase.variants);
	results.storm_plain.summary = summarize(results.storm_plain.samples);
	results.storm_auto.summary = summarize(results.storm_auto.samples);
	results.cleanup.observed_summary = summarize(results.cleanup.observed);
	results.cleanup.events_summary = summarize(results.cleanup.events);
}

std::string to_markdown(const Results &r) {
	std::ostringstream md;
	const RunInfo &info = r.info;
	md << "Run " << info.started_at << (info.smoke ? " (smoke mode: numbers mean nothing)" : "")
	   << ": " << info.nproc << " CPUs (" << info.cpu_model << "), " << info.server_version
	   << ". Load average (1/5/15 min) " << info.load_before << " at start, " << info.load_after
	   << " at end.\n\n";

	md << "### Login latency (" << info.rounds
	   << " rounds; each round takes one sample of every variant, in an order shuffled anew "
	      "each round)\n\n";
	latency_table(md, r.latency);
	md << "\nAdmin-connection approach: " << info.admin_login << ".\n\n";

	if (!r.standby.empty()) {
		md << "### Login latency on hot standbys (" << info.standby_rounds
		   << " rounds, interleaved the same way; × the plain standby's median)\n\n";
		latency_table(md, r.standby);
		md << "\nA streaming hot standby of each cluster. First logins and reactivations on the "
		      "auto standby are provisioned by its primary (pg_autouser.primary_conninfo, as the "
		      "admin role, by certificate) and admitted once the standby has replayed them.\n\n";
	}

	md << "### Storm (" << info.storm_clients << " concurrent clients)\n\n";
	md << "| storm | logins | failures | seconds | logins/s | median ms | p99 ms |\n";
	md << "|---|---:|---:|---:|---:|---:|---:|\n";
	for (const StormResult *s : {&r.storm_plain, &r.storm_auto})
		md << "| " << s->label << " | " << s->logins << " | " << s->failures << " | "
		   << fmt(s->seconds) << " | " << fmt(s->throughput(), 1) << " | " << fmt(s->summary.median)
		   << " | " << fmt(s->summary.p99) << " |\n";
	double plain_tp = r.storm_plain.throughput();
	double storm_ratio = plain_tp > 0 ? r.storm_auto.throughput() / plain_tp : 0;
	md << "\nThroughput of new identities / plain logins: " << fmt(storm_ratio, 3)
	   << " (target ≥ 0.5: " << yes_no(storm_ratio >= 0.5) << "); failures "
	   << r.storm_auto.failures << " (target 0: " << yes_no(r.storm_auto.failures == 0) << ").\n";
	for (const StormResult *s : {&r.storm_plain, &r.storm_auto})
		for (const std::string &e : s->errors)
			md << "- " << s->key << " failure: `" << e << "`\n";
	md << "\n";

	md << "### Cleanup with cleanup_delay 0 (disconnect → NOLOGIN)\n\n";
	md << "| measured by | n | median ms | p95 ms | p99 ms | max ms | target p99 ≤ 250 ms |\n";
	md << "|---|---:|---:|---:|---:|---:|---|\n";
	const CleanupResult &c = r.cleanup;
	md << "| client: PQfinish returned → pg_roles shows NOLOGIN (polled every 0.5 ms) | "
	   << c.observed_summary.n << " | " << fmt(c.observed_summary.median) << " | "
	   << fmt(c.observed_summary.p95) << " | " << fmt(c.observed_summary.p99) << " | "
	   << fmt(c.observed_summary.max) << " | " << yes_no(c.observed_summary.p99 <= 250) << " |\n";
	md << "| server: autouser.events detail \"N ms after the last session ended\" | "
	   << c.events_summary.n << " | " << fmt(c.events_summary.median) << " | "
	   << fmt(c.events_summary.p95) << " | " << fmt(c.events_summary.p99) << " | "
	   << fmt(c.events_summary.max) << " | " << yes_no(c.events_summary.p99 <= 250) << " |\n\n";

	if (r.scale.size() == 2) {
		const ScalePhase &small = r.scale[0];
		const ScalePhase &large = r.scale[1];
		md << "### Scale (" << info.scale_rounds << " rounds per configuration)\n\n";
		md << "Small: " << small.roles << " managed roles, " << small.rules
		   << " rules. Large: " << large.roles << " managed roles, " << large.rules
		   << " rules (made in " << fmt(large.setup_seconds, 1) << " s).\n\n";
		md << "| variant | small median ms | small × baseline | large median ms | large × "
		      "baseline | large / small (× baseline) | target ≤ 1.10 | met |\n";
		md << "|---|---:|---:|---:|---:|---:|---|---|\n";
		for (const VariantResult &v : small.variants) {
			const VariantResult *l = find(large.variants, v.key);
			if (!l)
				continue;
			double growth = v.ratio > 0 ? l->ratio / v.ratio : 0;
			bool is_base = v.key == "baseline";
			md << "| " << v.label << " | " << fmt(v.summary.median) << " | " << fmt(v.ratio, 3)
			   << " | " << fmt(l->summary.median) << " | " << fmt(l->ratio, 3) << " | "
			   << (is_base ? std::string("—") : fmt(growth, 3)) << " | "
			   << (is_base ? std::string("—") : std::string("≤ 1.10")) << " | "
			   << (is_base ? std::string("—") : yes_no(growth <= 1.10)) << " |\n";
		}
		md << "\n";
	}

	if (!r.failures.empty()) {
		md << "### Functional failures\n\n";
		for (const std::string &f : r.failures)
			md << "- `" << f << "`\n";
		md << "\n";
	}
	return md.str();
}

std::string to_json(const Results &r) {
	const RunInfo &info = r.info;
	std::ostringstream js;
	js << "{\n";
	js << "  \"started_at\": " << json_string(info.started_at) << ",\n";
	js << "  \"smoke\": " << (info.smoke ? "true" : "false") << ",\n";
	js << "  \"server_version\": " << json_string(info.server_version) << ",\n";
	js << "  \"cpu_model\": " << json_string(info.cpu_model) << ",\n";
	js << "  \"nproc\": " << info.nproc << ",\n";
	js << "  \"load_before\": " << json_string(info.load_before) << ",\n";
	js << "  \"load_after\": " << json_string(info.load_after) << ",\n";
	js << "  \"rounds\": " << info.rounds << ",\n";
	js << "  \"admin_login\": " << json_string(info.admin_login) << ",\n";
	js << "  \"latency\": " << json_variants(r.latency, "  ") << ",\n";
	js << "  \"standby_rounds\": " << info.standby_rounds << ",\n";
	js << "  \"standby\": " << json_variants(r.standby, "  ") << ",\n";
	double plain_tp = r.storm_plain.throughput();
	js << "  \"storm\": {\"clients\": " << info.storm_clients
	   << ",\n    \"plain\": " << json_storm(r.storm_plain)
	   << ",\n    \"auto\": " << json_storm(r.storm_auto) << ",\n    \"throughput_ratio\": "
	   << fmt(plain_tp > 0 ? r.storm_auto.throughput() / plain_tp : 0, 4) << "},\n";
	js << "  \"cleanup\": {\"observed\": " << json_summary(r.cleanup.observed_summary)
	   << ",\n    \"events\": " << json_summary(r.cleanup.events_summary) << "},\n";
	js << "  \"scale\": [";
	for (std::size_t i = 0; i < r.scale.size(); i++) {
		const ScalePhase &p = r.scale[i];
		js << (i ? ",\n" : "\n") << "    {\"key\": " << json_string(p.key)
		   << ", \"roles\": " << p.roles << ", \"rules\": " << p.rules
		   << ", \"setup_seconds\": " << fmt(p.setup_seconds, 2)
		   << ",\n     \"variants\": " << json_variants(p.variants, "     ") << "}";
	}
	js << "],\n";
	js << "  \"failures\": [";
	for (std::size_t i = 0; i < r.failures.size(); i++)
		js << (i ? ", " : "") << json_string(r.failures[i]);
	js << "]\n}\n";
	return js.str();
}

} // namespace pg_autouser::bench
