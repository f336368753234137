// runner.hpp -- runs the benchmark's variants against a plain and a pg_autouser cluster (and,
// when given, a hot standby of each) and collects samples.  Does not start clusters
// (bench/run_bench.pl does) and does not format.
#pragma once

#include "pg_session.hpp"
#include "report.hpp"

#include <string>

namespace pg_autouser::bench {

struct Config {
	Endpoint plain;          // TLS endpoint of the cluster without pg_autouser (the baseline)
	Endpoint autouser;       // TLS endpoint of the cluster with pg_autouser preloaded and created
	std::string plain_admin; // superuser conninfo of each (unix socket, trust)
	std::string autouser_admin;
	// Optional: a streaming hot standby of each.  The auto standby provisions through its
	// primary (pg_autouser.primary_conninfo); the plain one is the standbys' baseline.
	Endpoint plain_standby;
	Endpoint auto_standby;
	std::string plain_standby_admin; // superuser conninfo of each standby
	std::string auto_standby_admin;
	std::string ca_cert; // CA both servers trust for client certificates
	std::string ca_key;
	std::string workdir; // where client certificates are written
	bool smoke = false;
	int rounds = 600;
	int standby_rounds = 300;
	int storm_logins = 2000;
	int storm_clients = 32;
	int scale_rounds = 150;
	long scale_small_roles = 100;
	long scale_small_rules = 10;
	long scale_large_roles = 100000;
	long scale_large_rules = 10000;

	bool standbys() const { return !plain_standby.port.empty() && !auto_standby.port.empty(); }
};

// Runs everything; functional failures land in Results::failures.  Throws
// std::runtime_error when the clusters are not set up as bench/run_bench.pl sets them up.
Results run_benchmark(const Config &config);

} // namespace pg_autouser::bench
