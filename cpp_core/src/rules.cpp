// rules.cpp -- rule-set encoding and per-login evaluation on the blob; the byte layout lives in
// blob.cpp, globs in glob.cpp, templates in template.cpp.  Non-matching rules never allocate.
#include "rules.hpp"

#include "blob.hpp"
#include "glob.hpp"
#include "template.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace pg_autouser::core {

namespace {

constexpr std::uint64_t kMaxField = std::numeric_limits<std::uint32_t>::max();
constexpr std::string_view kOuAttr = "OU";

bool pattern_ok(const autouser_core_str &s) noexcept {
	return detail::is_well_formed(s) &&
	       check_pattern(detail::as_view(s)) == AUTOUSER_CORE_PATTERN_OK;
}

// Bytes of the record after its record_len field, or 0 if the rule cannot be encoded.
std::uint64_t record_size(const autouser_core_rule &rule) noexcept {
	if (!pattern_ok(rule.identity) || !pattern_ok(rule.database))
		return 0;
	if (rule.cert_ou.ptr == nullptr && rule.cert_ou.len != 0)
		return 0;
	if (rule.roles == nullptr && rule.n_roles != 0)
		return 0;
	if (rule.cert_ou.len > kMaxField || rule.n_roles > kMaxField)
		return 0;
	std::uint64_t size =
	    8 + 4 + rule.identity.len + 4 + rule.database.len + 1 + 4 + rule.cert_ou.len + 4;
	for (std::size_t i = 0; i < rule.n_roles; ++i) {
		const autouser_core_str &role = rule.roles[i];
		if (!detail::is_well_formed(role) || role.len > kMaxField ||
		    classify_role_entry(detail::as_view(role)) == AUTOUSER_CORE_ROLE_ENTRY_INVALID)
			return 0;
		size += 4 + role.len;
		if (size > kMaxField)
			return 0;
	}
	return size;
}

void write_record(detail::Writer &w, const autouser_core_rule &rule, std::uint64_t size) noexcept {
	w.write_u32(static_cast<std::uint32_t>(size));
	w.write_i64(rule.id);
	w.write_str(detail::as_view(rule.identity));
	w.write_str(detail::as_view(rule.database));
	w.write_u8(rule.cert_ou.ptr != nullptr ? 1 : 0);
	w.write_str(detail::as_view(rule.cert_ou));
	w.write_u32(static_cast<std::uint32_t>(rule.n_roles));
	for (std::size_t i = 0; i < rule.n_roles; ++i)
		w.write_str(detail::as_view(rule.roles[i]));
}

bool login_is_well_formed(const autouser_core_login &login) noexcept {
	if (!detail::is_well_formed(login.identity) || !detail::is_well_formed(login.database))
		return false;
	if (login.attrs == nullptr && login.n_attrs != 0)
		return false;
	for (std::size_t i = 0; i < login.n_attrs; ++i)
		if (!detail::is_well_formed(login.attrs[i].name) ||
		    !detail::is_well_formed(login.attrs[i].value))
			return false;
	return true;
}

bool rule_matches(const detail::RuleRecord &rule, std::string_view identity,
                  std::string_view database, AttrList attrs) noexcept {
	if (!glob_match(rule.identity, identity) || !glob_match(rule.database, database))
		return false;
	if (!rule.has_cert_ou)
		return true;
	for (std::size_t i = 0; i < attrs.count; ++i)
		if (detail::as_view(attrs.items[i].name) == kOuAttr &&
		    detail::as_view(attrs.items[i].value) == rule.cert_ou)
			return true;
	return false;
}

ExpandStatus expand_rule(const detail::RuleRecord &rule, AttrList attrs,
                         std::vector<std::string> &roles, std::string &bad) {
	detail::Reader reader(rule.roles);
	for (std::uint32_t i = 0; i < rule.n_roles; ++i) {
		std::string_view entry;
		if (!reader.read_str(entry))
			return ExpandStatus::Malformed;
		ExpandStatus status = expand_role_entry(entry, attrs, roles, bad);
		if (status != ExpandStatus::Ok)
			return status;
	}
	return ExpandStatus::Ok;
}

} // namespace

autouser_core_status encode_rules(const autouser_core_rule *rules, std::size_t n_rules, char *out,
                                  std::size_t out_cap, std::size_t &needed) {
	needed = 0;
	if ((rules == nullptr && n_rules != 0) || n_rules > kMaxField)
		return AUTOUSER_CORE_INVALID_INPUT;
	std::uint64_t body = 0;
	for (std::size_t i = 0; i < n_rules; ++i) {
		std::uint64_t size = record_size(rules[i]);
		if (size == 0)
			return AUTOUSER_CORE_INVALID_INPUT;
		body += 4 + size;
		if (body > kMaxField)
			return AUTOUSER_CORE_INVALID_INPUT;
	}
	needed = static_cast<std::size_t>(detail::kBlobHeaderBytes + body);
	if (out == nullptr || out_cap < needed)
		return AUTOUSER_CORE_BUFFER_TOO_SMALL;
	detail::Writer w(out);
	w.write_bytes(detail::kBlobMagic);
	w.write_u32(detail::kBlobVersion);
	w.write_u32(static_cast<std::uint32_t>(n_rules));
	w.write_u32(static_cast<std::uint32_t>(body));
	for (std::size_t i = 0; i < n_rules; ++i)
		write_record(w, rules[i], record_size(rules[i]));
	return AUTOUSER_CORE_OK;
}

autouser_core_status evaluate_rules(std::string_view blob, const autouser_core_login &login,
                                    char *out, std::size_t out_cap, std::size_t &needed,
                                    std::size_t &n_roles, std::int64_t *matched_rule_id) {
	needed = 0;
	n_roles = 0;
	std::uint32_t n_rules = 0;
	std::string_view body;
	if (!login_is_well_formed(login) || !detail::read_blob_header(blob, n_rules, body))
		return AUTOUSER_CORE_INVALID_INPUT;

	const std::string_view identity = detail::as_view(login.identity);
	const std::string_view database = detail::as_view(login.database);
	const AttrList attrs{login.attrs, login.n_attrs};
	detail::Reader reader(body);
	bool matched = false;
	std::int64_t first_id = 0;
	std::vector<std::string> roles;
	std::string bad;
	bool has_bad = false; // once set, later rules are only validated, not expanded

	for (std::uint32_t i = 0; i < n_rules; ++i) {
		detail::RuleRecord rule;
		if (!detail::read_rule_record(reader, rule))
			return AUTOUSER_CORE_INVALID_INPUT;
		if (has_bad || !rule_matches(rule, identity, database, attrs))
			continue;
		if (!matched)
			first_id = rule.id;
		matched = true;
		ExpandStatus status = expand_rule(rule, attrs, roles, bad);
		if (status == ExpandStatus::Malformed)
			return AUTOUSER_CORE_INVALID_INPUT;
		has_bad = status != ExpandStatus::Ok;
	}
	if (!reader.at_end())
		return AUTOUSER_CORE_INVALID_INPUT;
	if (!matched)
		return AUTOUSER_CORE_NO_MATCH;
	if (matched_rule_id != nullptr)
		*matched_rule_id = first_id;

	if (has_bad) {
		if (out_cap > 0) {
			std::size_t n = std::min(bad.size(), out_cap - 1);
			std::memcpy(out, bad.data(), n);
			out[n] = '\0';
		}
		needed = bad.size() + 1;
		n_roles = 1;
		return AUTOUSER_CORE_INVALID_INPUT;
	}

	std::sort(roles.begin(), roles.end()); // std::string compares bytes as unsigned char
	roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
	for (const std::string &role : roles)
		needed += role.size() + 1;
	n_roles = roles.size();
	if (needed > out_cap)
		return AUTOUSER_CORE_BUFFER_TOO_SMALL;
	for (const std::string &role : roles) {
		std::memcpy(out, role.data(), role.size());
		out += role.size();
		*out++ = '\0';
	}
	return AUTOUSER_CORE_OK;
}

std::int64_t count_rules(std::string_view blob) noexcept {
	std::uint32_t n_rules = 0;
	std::string_view body;
	if (!detail::read_blob_header(blob, n_rules, body))
		return -1;
	detail::Reader reader(body);
	for (std::uint32_t i = 0; i < n_rules; ++i) {
		detail::RuleRecord rule;
		if (!detail::read_rule_record(reader, rule))
			return -1;
	}
	return reader.at_end() ? static_cast<std::int64_t>(n_rules) : -1;
}

} // namespace pg_autouser::core
