// cn_check.cpp -- maps the core's identity verdicts to messages, and checks O/OU values against
// X.509's upper bound (ub-organization-name / ub-organizational-unit-name: 64).
#include "cn_check.hpp"

#include "pg_autouser/core_api.h"

#include <vector>

namespace pg_autouser::cli {

namespace {

constexpr std::size_t kMaxSubjectValueBytes = 64;

} // namespace

std::optional<std::string> cn_problem(const std::string &cn) {
	switch (autouser_core_check_identity(cn.data(), cn.size())) {
	case AUTOUSER_CORE_IDENTITY_OK:
		return std::nullopt;
	case AUTOUSER_CORE_IDENTITY_EMPTY:
		return std::string("is empty");
	case AUTOUSER_CORE_IDENTITY_TOO_LONG:
		return "is longer than " + std::to_string(AUTOUSER_CORE_MAX_ROLE_BYTES) +
		       " bytes and cannot be a role name";
	case AUTOUSER_CORE_IDENTITY_CONTROL_CHAR:
		return std::string("contains a control character");
	case AUTOUSER_CORE_IDENTITY_BAD_UTF8:
		return std::string("is not valid UTF-8");
	case AUTOUSER_CORE_IDENTITY_RESERVED:
		return std::string("starts with the reserved prefix \"pg_\"");
	case AUTOUSER_CORE_IDENTITY_RESERVED_NAME:
		return std::string("is a name PostgreSQL reserves");
	}
	return std::string("is not a valid role name");
}

std::optional<std::string> database_name_problem(const std::string &name) {
	auto check = autouser_core_check_identity(name.data(), name.size());
	if (check == AUTOUSER_CORE_IDENTITY_RESERVED || check == AUTOUSER_CORE_IDENTITY_RESERVED_NAME)
		return std::nullopt;
	return cn_problem(name);
}

// The core's identity check covers UTF-8 and control characters but stops at "too long" for
// over 63 bytes, and its "pg_" rule is for role names only.  A 64-byte value is checked in
// two parts split before a byte that is not a UTF-8 continuation byte: that split never cuts a
// valid character, so the parts are both valid exactly when the whole is.
std::optional<std::string> subject_value_problem(const std::string &value) {
	if (value.empty())
		return std::string("is empty");
	if (value.size() > kMaxSubjectValueBytes)
		return "is longer than " + std::to_string(kMaxSubjectValueBytes) + " bytes";
	std::vector<std::string> parts{value};
	if (value.size() > AUTOUSER_CORE_MAX_ROLE_BYTES) {
		std::size_t split = value.size() / 2;
		while (split > 0 && (static_cast<unsigned char>(value[split]) & 0xc0) == 0x80)
			--split;
		if (split == 0)
			return std::string("is not valid UTF-8");
		parts = {value.substr(0, split), value.substr(split)};
	}
	for (const std::string &part : parts) {
		switch (autouser_core_check_identity(part.data(), part.size())) {
		case AUTOUSER_CORE_IDENTITY_CONTROL_CHAR:
			return std::string("contains a control character");
		case AUTOUSER_CORE_IDENTITY_BAD_UTF8:
			return std::string("is not valid UTF-8");
		default:
			break;
		}
	}
	return std::nullopt;
}

std::string printable(const std::string &value) {
	static const char kHex[] = "0123456789abcdef";
	bool valid_utf8 =
	    autouser_core_check_identity(value.data(), value.size()) != AUTOUSER_CORE_IDENTITY_BAD_UTF8;
	std::string out;
	for (char ch : value) {
		auto c = static_cast<unsigned char>(ch);
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !valid_utf8)) {
			out += "\\x";
			out += kHex[c >> 4];
			out += kHex[c & 0xf];
		} else {
			out += ch;
		}
	}
	return out;
}

} // namespace pg_autouser::cli
