// test_support.hpp -- helpers for the unit tests: build rules, encode, evaluate, split output.
// Goes through core_api.h only; flags only helper failures and writes past out_cap.
#ifndef PG_AUTOUSER_TEST_SUPPORT_HPP
#define PG_AUTOUSER_TEST_SUPPORT_HPP

#include "pg_autouser/core_api.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace test_support {

inline autouser_core_str str(const std::string &s) { return {s.data(), s.size()}; }

// A rule option, as the glue would give it.
struct Option {
	autouser_core_option_kind kind;
	std::string name;
	std::string value;
	autouser_core_option_merge merge = AUTOUSER_CORE_MERGE_FIRST;
	int64_t rank = 0;
};

struct Rule {
	Rule(int64_t id_, std::string identity_, std::string database_, std::vector<std::string> roles_,
	     bool has_ou_ = false, std::string ou_ = "")
	    : id(id_), identity(std::move(identity_)), database(std::move(database_)),
	      roles(std::move(roles_)), has_ou(has_ou_), ou(std::move(ou_)) {}

	int64_t id;
	std::string identity;
	std::string database;
	std::vector<std::string> roles;
	bool has_ou;
	std::string ou;
	std::vector<Option> options;
};

inline Rule rule_ou(int64_t id, std::string identity, std::string database, std::string ou,
                    std::vector<std::string> roles) {
	return Rule(id, std::move(identity), std::move(database), std::move(roles), true,
	            std::move(ou));
}

struct Attr {
	std::string name;
	std::string value;
};

// Encodes rules; adds a test failure and returns an empty blob if encoding fails.
inline std::vector<char> encode(const std::vector<Rule> &rules) {
	std::vector<std::vector<autouser_core_str>> role_strs(rules.size());
	std::vector<std::vector<autouser_core_option>> option_structs(rules.size());
	std::vector<autouser_core_rule> c_rules;
	for (std::size_t i = 0; i < rules.size(); ++i) {
		for (const std::string &r : rules[i].roles)
			role_strs[i].push_back(str(r));
		for (const Option &o : rules[i].options)
			option_structs[i].push_back({o.kind, str(o.name), str(o.value), o.merge, o.rank});
		autouser_core_str ou = rules[i].has_ou ? str(rules[i].ou) : autouser_core_str{nullptr, 0};
		c_rules.push_back({rules[i].id, str(rules[i].identity), str(rules[i].database), ou,
		                   role_strs[i].data(), role_strs[i].size(), option_structs[i].data(),
		                   option_structs[i].size()});
	}
	size_t needed = 0;
	if (autouser_core_rules_encode(c_rules.data(), c_rules.size(), nullptr, 0, &needed) !=
	    AUTOUSER_CORE_BUFFER_TOO_SMALL) {
		ADD_FAILURE() << "size query failed";
		return {};
	}
	std::vector<char> blob(needed);
	size_t written = 0;
	if (autouser_core_rules_encode(c_rules.data(), c_rules.size(), blob.data(), blob.size(),
	                               &written) != AUTOUSER_CORE_OK ||
	    written != needed) {
		ADD_FAILURE() << "encode failed";
		return {};
	}
	return blob;
}

// Flag bytes in front of each evaluated role.
constexpr int kLiteral = 0;
constexpr int kFromTemplate = AUTOUSER_CORE_EVAL_FROM_TEMPLATE;

struct Eval {
	autouser_core_status status;
	std::vector<std::string> roles; // names parsed from out (one entry for a bad expansion)
	std::vector<int> flags;         // each entry's flag byte, parallel to roles
	size_t n_roles;                 // the fields of autouser_core_eval_result
	size_t needed;
	int64_t matched_id;
	uint32_t candidates;
	size_t n_options;
	std::vector<std::string> options; // "kind:name=value", after the roles
};

// Reads n entries (flag byte, NUL-terminated name) from out; returns the position after them.
inline const char *split_entries(const char *out, size_t n, Eval &e) {
	for (size_t i = 0; i < n; ++i) {
		e.flags.push_back(static_cast<unsigned char>(*out++));
		e.roles.emplace_back(out);
		out += e.roles.back().size() + 1;
	}
	return out;
}

// Reads n options (kind byte, NUL-terminated name and value) from out.
inline void split_options(const char *out, size_t n, Eval &e) {
	for (size_t i = 0; i < n; ++i) {
		std::string kind = std::to_string(static_cast<unsigned char>(*out++));
		std::string name(out);
		out += name.size() + 1;
		std::string value(out);
		out += value.size() + 1;
		e.options.push_back(kind + ":" + name + "=" + value);
	}
}

inline autouser_core_login make_login(const std::string &cn, const std::string &db,
                                      const std::vector<autouser_core_attr> &attrs) {
	return autouser_core_login{str(cn), str(db), attrs.data(), attrs.size()};
}

inline Eval evaluate(const std::vector<char> &blob, const std::string &cn, const std::string &db,
                     const std::vector<Attr> &attrs, size_t cap = 1 << 16) {
	std::vector<autouser_core_attr> c_attrs;
	for (const Attr &a : attrs)
		c_attrs.push_back({str(a.name), str(a.value)});
	autouser_core_login login = make_login(cn, db, c_attrs);
	std::vector<char> out(cap + 1, '\x55'); // one guard byte past the capacity
	autouser_core_eval_result r{12345, 12345, -999, 12345, 12345}; // every field must be written
	Eval e{};
	e.status = autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out.data(), cap, &r);
	EXPECT_EQ(out[cap], '\x55') << "wrote past out_cap";
	e.n_roles = r.n_roles;
	e.needed = r.needed;
	e.matched_id = r.matched_rule_id;
	e.candidates = r.candidates;
	e.n_options = r.n_options;
	if (e.status == AUTOUSER_CORE_OK)
		split_options(split_entries(out.data(), e.n_roles, e), e.n_options, e);
	else if (e.status == AUTOUSER_CORE_INVALID_INPUT && e.n_roles == 1 && cap >= 2)
		split_entries(out.data(), e.n_roles, e);
	return e;
}

using Names = std::vector<std::string>;
using Flags = std::vector<int>;

} // namespace test_support

#endif
