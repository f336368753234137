// stats.hpp -- order statistics of latency samples.  No I/O.
#pragma once

#include <cstddef>
#include <vector>

namespace pg_autouser::bench {

struct Summary {
	std::size_t n = 0;
	double median = 0;
	double p95 = 0;
	double p99 = 0;
	double max = 0;
};

// Percentiles by linear interpolation between closest ranks (R's type 7).
Summary summarize(std::vector<double> samples);

} // namespace pg_autouser::bench
