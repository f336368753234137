// stats.cpp -- order statistics of latency samples.
#include "stats.hpp"

#include <algorithm>

namespace pg_autouser::bench {

namespace {

double quantile(const std::vector<double> &sorted, double q) {
	double pos = q * static_cast<double>(sorted.size() - 1);
	auto lo = static_cast<std::size_t>(pos);
	std::size_t hi = std::min(lo + 1, sorted.size() - 1);
	double frac = pos - static_cast<double>(lo);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

} // namespace

Summary summarize(std::vector<double> samples) {
	Summary s;
	s.n = samples.size();
	if (samples.empty())
		return s;
	std::sort(samples.begin(), samples.end());
	s.median = quantile(samples, 0.5);
	s.p95 = quantile(samples, 0.95);
	s.p99 = quantile(samples, 0.99);
	s.max = samples.back();
	return s;
}

} // namespace pg_autouser::bench
