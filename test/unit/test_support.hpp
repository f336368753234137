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
	std::vector<autouser_core_rule> c_rules;
	for (std::size_t i = 0; i < rules.size(); ++i) {
		for (const std::string &r : rules[i].roles)
			role_strs[i].push_back(str(r));
		autouser_core_str ou = rules[i].has_ou ? str(rules[i].ou) : autouser_core_str{nullptr, 0};
		c_rules.push_back({rules[i].id, str(rules[i].identity), str(rules[i].database), ou,
		                   role_strs[i].data(), role_strs[i].size()});
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

struct Eval {
	autouser_core_status status;
	std::vector<std::string> roles; // parsed from out (one entry for a bad expansion)
	size_t n_roles;
	size_t needed;
	int64_t matched_id; // -999 if not written
};

inline std::vector<std::string> split_names(const char *out, size_t n) {
	std::vector<std::string> names;
	for (size_t i = 0; i < n; ++i) {
		names.emplace_back(out);
		out += names.back().size() + 1;
	}
	return names;
}

inline Eval evaluate(const std::vector<char> &blob, const std::string &cn, const std::string &db,
                     const std::vector<Attr> &attrs, size_t cap = 1 << 16) {
	std::vector<autouser_core_attr> c_attrs;
	for (const Attr &a : attrs)
		c_attrs.push_back({str(a.name), str(a.value)});
	autouser_core_login login{str(cn), str(db), c_attrs.data(), c_attrs.size()};
	std::vector<char> out(cap + 1, '\x55'); // one guard byte past the capacity
	Eval e{AUTOUSER_CORE_INTERNAL, {}, 12345, 12345, -999};
	e.status = autouser_core_rules_evaluate(blob.data(), blob.size(), &login, out.data(), cap,
	                                        &e.needed, &e.n_roles, &e.matched_id);
	EXPECT_EQ(out[cap], '\x55') << "wrote past out_cap";
	if (e.status == AUTOUSER_CORE_OK ||
	    (e.status == AUTOUSER_CORE_INVALID_INPUT && e.n_roles == 1 && cap > 0))
		e.roles = split_names(out.data(), e.n_roles);
	return e;
}

using Names = std::vector<std::string>;

} // namespace test_support

#endif
