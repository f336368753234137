// rules.cpp -- rule-set encoding and per-login evaluation on the blob; the byte layout lives in
// blob.cpp, globs in glob.cpp, templates in template.cpp, options and their merge in options.cpp.
// Non-matching rules never allocate.
// Judges no role: which roles may be granted is decide()'s (decision.cpp, forbidden.cpp).
#include "rules.hpp"

#include "blob.hpp"
#include "glob.hpp"
#include "options.hpp"
#include "template.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
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
	std::uint64_t options = options_size(rule);
	if (options == 0 || size + options > kMaxField)
		return 0;
	return size + options;
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
	write_options(w, rule);
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

// The part of a rule that candidates counts: its identity and database patterns.
bool patterns_match(const detail::RuleRecord &rule, std::string_view identity,
                    std::string_view database) noexcept {
	return glob_match(rule.identity, identity) && glob_match(rule.database, database);
}

bool cert_ou_matches(const detail::RuleRecord &rule, AttrList attrs) noexcept {
	if (!rule.has_cert_ou)
		return true;
	for (std::size_t i = 0; i < attrs.count; ++i)
		if (detail::as_view(attrs.items[i].name) == kOuAttr &&
		    detail::as_view(attrs.items[i].value) == rule.cert_ou)
			return true;
	return false;
}

ExpandStatus expand_rule(const detail::RuleRecord &rule, AttrList attrs,
                         std::vector<ExpandedRole> &roles, ExpandedRole &bad) {
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

char flag_byte(const ExpandedRole &role) noexcept {
	return static_cast<char>(role.from_template ? AUTOUSER_CORE_EVAL_FROM_TEMPLATE : 0);
}

// Sorts bytewise by name (std::string compares as unsigned char) and keeps one entry per name.
// For equal names the literal entry sorts first and is the one kept: a role that any matching
// rule names literally is not held to the template policy, whoever else also expands to it.
void sort_and_merge(std::vector<ExpandedRole> &roles) {
	std::sort(roles.begin(), roles.end(), [](const ExpandedRole &a, const ExpandedRole &b) {
		return std::tie(a.name, a.from_template) < std::tie(b.name, b.from_template);
	});
	auto same_name = [](const ExpandedRole &a, const ExpandedRole &b) { return a.name == b.name; };
	roles.erase(std::unique(roles.begin(), roles.end(), same_name), roles.end());
}

// The one entry of a bad expansion, cut to fit: flag byte, as much of the name as fits, NUL.
void write_bad_entry(const ExpandedRole &bad, char *out, std::size_t out_cap) noexcept {
	if (out_cap < 2)
		return;
	std::size_t n = std::min(bad.name.size(), out_cap - 2);
	out[0] = flag_byte(bad);
	std::memcpy(out + 1, bad.name.data(), n);
	out[n + 1] = '\0';
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
                                    char *out, std::size_t out_cap,
                                    autouser_core_eval_result &result) {
	result = autouser_core_eval_result{};
	std::uint32_t n_rules = 0;
	std::string_view body;
	if (!login_is_well_formed(login) || !detail::read_blob_header(blob, n_rules, body))
		return AUTOUSER_CORE_INVALID_INPUT;

	const std::string_view identity = detail::as_view(login.identity);
	const std::string_view database = detail::as_view(login.database);
	const AttrList attrs{login.attrs, login.n_attrs};
	detail::Reader reader(body);
	autouser_core_eval_result r{};
	bool matched = false;
	std::vector<ExpandedRole> roles;
	OptionMerge options;
	ExpandedRole bad{};
	bool has_bad = false; // once set, later rules are only validated and counted, not expanded

	for (std::uint32_t i = 0; i < n_rules; ++i) {
		detail::RuleRecord rule;
		if (!detail::read_rule_record(reader, rule))
			return AUTOUSER_CORE_INVALID_INPUT;
		if (!patterns_match(rule, identity, database))
			continue;
		++r.candidates; // at most n_rules, a u32: cannot overflow
		if (has_bad || !cert_ou_matches(rule, attrs))
			continue;
		if (!matched)
			r.matched_rule_id = rule.id;
		matched = true;
		ExpandStatus status = expand_rule(rule, attrs, roles, bad);
		if (status == ExpandStatus::Malformed || !options.add(rule))
			return AUTOUSER_CORE_INVALID_INPUT;
		has_bad = status != ExpandStatus::Ok;
	}
	if (!reader.at_end())
		return AUTOUSER_CORE_INVALID_INPUT;
	if (!matched) {
		result = r;
		return AUTOUSER_CORE_NO_MATCH;
	}

	if (has_bad) {
		write_bad_entry(bad, out, out_cap);
		r.needed = bad.name.size() + 2;
		r.n_roles = 1;
		result = r;
		return AUTOUSER_CORE_INVALID_INPUT;
	}

	sort_and_merge(roles);
	options.sort();
	for (const ExpandedRole &role : roles)
		r.needed += role.name.size() + 2; // flag byte, name, NUL
	r.needed += options.output_bytes();
	r.n_roles = roles.size();
	r.n_options = options.count();
	result = r;
	if (r.needed > out_cap)
		return AUTOUSER_CORE_BUFFER_TOO_SMALL;
	for (const ExpandedRole &role : roles) {
		*out++ = flag_byte(role);
		std::memcpy(out, role.name.data(), role.name.size());
		out += role.name.size();
		*out++ = '\0';
	}
	options.write(out);
	return AUTOUSER_CORE_OK;
}

} // namespace pg_autouser::core
