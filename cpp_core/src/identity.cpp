// identity.cpp -- validates certificate identities / role names byte by byte; never truncates or
// quotes.
#include "identity.hpp"

namespace pg_autouser::core {

namespace {

constexpr std::string_view kReservedPrefix = "pg_";

bool in_range(unsigned char c, unsigned char lo, unsigned char hi) noexcept {
	return c >= lo && c <= hi;
}

} // namespace

bool has_control_char(std::string_view text) noexcept {
	for (char ch : text) {
		auto c = static_cast<unsigned char>(ch);
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

bool is_valid_utf8(std::string_view text) noexcept {
	const auto *p = reinterpret_cast<const unsigned char *>(text.data());
	std::size_t n = text.size();
	std::size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c < 0x80) {
			++i;
			continue;
		}
		std::size_t extra = 0;
		unsigned char lo = 0x80, hi = 0xbf; // allowed range of the second byte
		if (in_range(c, 0xc2, 0xdf)) {
			extra = 1;
		} else if (c == 0xe0) {
			extra = 2, lo = 0xa0;
		} else if (c == 0xed) {
			extra = 2, hi = 0x9f;
		} else if (in_range(c, 0xe1, 0xef)) {
			extra = 2;
		} else if (c == 0xf0) {
			extra = 3, lo = 0x90;
		} else if (c == 0xf4) {
			extra = 3, hi = 0x8f;
		} else if (in_range(c, 0xf1, 0xf3)) {
			extra = 3;
		} else {
			return false; // 0x80-0xc1 (continuation/overlong lead) or 0xf5-0xff
		}
		if (n - i <= extra)
			return false; // truncated
		if (!in_range(p[i + 1], lo, hi))
			return false;
		for (std::size_t k = 2; k <= extra; ++k)
			if (!in_range(p[i + k], 0x80, 0xbf))
				return false;
		i += extra + 1;
	}
	return true;
}

autouser_core_identity_check check_identity(std::string_view name) noexcept {
	if (name.empty())
		return AUTOUSER_CORE_IDENTITY_EMPTY;
	if (name.size() > detail::kMaxRoleBytes)
		return AUTOUSER_CORE_IDENTITY_TOO_LONG;
	if (has_control_char(name))
		return AUTOUSER_CORE_IDENTITY_CONTROL_CHAR;
	if (!is_valid_utf8(name))
		return AUTOUSER_CORE_IDENTITY_BAD_UTF8;
	if (has_reserved_prefix(name))
		return AUTOUSER_CORE_IDENTITY_RESERVED;
	// CREATE ROLE refuses these two, whatever the quoting.
	if (name == "public" || name == "none")
		return AUTOUSER_CORE_IDENTITY_RESERVED_NAME;
	return AUTOUSER_CORE_IDENTITY_OK;
}

bool is_valid_role_name(std::string_view name) noexcept {
	return !name.empty() && name.size() <= detail::kMaxRoleBytes && !has_control_char(name) &&
	       is_valid_utf8(name);
}

bool has_reserved_prefix(std::string_view name) noexcept {
	return name.substr(0, kReservedPrefix.size()) == kReservedPrefix;
}

} // namespace pg_autouser::core
