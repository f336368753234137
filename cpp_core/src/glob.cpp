// glob.cpp -- matches '*' globs bytewise without allocating; knows nothing about rules or blobs.
#include "glob.hpp"

#include "identity.hpp"

namespace pg_autouser::core {

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
	constexpr std::size_t kNone = std::string_view::npos;
	std::size_t p = 0, t = 0;
	std::size_t star = kNone, resume = 0; // last '*' seen and where its run would end next
	while (t < text.size()) {
		if (p < pattern.size() && pattern[p] == '*') {
			star = p++;
			resume = t;
		} else if (p < pattern.size() && pattern[p] == text[t]) {
			++p;
			++t;
		} else if (star != kNone) {
			p = star + 1;
			t = ++resume;
		} else {
			return false;
		}
	}
	while (p < pattern.size() && pattern[p] == '*')
		++p;
	return p == pattern.size();
}

autouser_core_pattern_check check_pattern(std::string_view pattern) noexcept {
	if (pattern.empty())
		return AUTOUSER_CORE_PATTERN_EMPTY;
	std::size_t literal = 0;
	for (char c : pattern)
		if (c != '*')
			++literal;
	if (literal > detail::kMaxRoleBytes)
		return AUTOUSER_CORE_PATTERN_TOO_LONG;
	if (has_control_char(pattern))
		return AUTOUSER_CORE_PATTERN_CONTROL_CHAR;
	if (!is_valid_utf8(pattern))
		return AUTOUSER_CORE_PATTERN_BAD_UTF8;
	return AUTOUSER_CORE_PATTERN_OK;
}

} // namespace pg_autouser::core
