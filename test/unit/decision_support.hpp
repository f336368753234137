// decision_support.hpp -- builds autouser_core_decide inputs for the unit tests and compares
// decisions; goes through core_api.h only.
#ifndef PG_AUTOUSER_DECISION_SUPPORT_HPP
#define PG_AUTOUSER_DECISION_SUPPORT_HPP

#include "pg_autouser/core_api.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

// Global, so that gtest's EXPECT_EQ finds them by argument-dependent lookup on the C struct.
inline bool operator==(const autouser_core_decision &a, const autouser_core_decision &b) {
	return a.action == b.action && a.needs_write == b.needs_write && a.bad_role == b.bad_role &&
	       a.bad_ancestor == b.bad_ancestor && a.reason == b.reason;
}

inline void PrintTo(const autouser_core_decision &d, std::ostream *os) {
	*os << "{action " << d.action << ", needs_write " << d.needs_write << ", bad_role "
	    << d.bad_role << ", bad_ancestor " << d.bad_ancestor << ", reason " << d.reason << "}";
}

namespace decision_support {

struct Ancestor {
	std::string name;
	uint32_t flags = 0;
};

struct SetRole {
	std::string name;
	uint32_t flags = 0;
	std::vector<Ancestor> ancestors; // laid out one role after another, in set order
};

// Owns every string and array the C input points to; input() rebuilds the pointers.  The
// defaults are the fast path: a managed, active role whose set is unchanged (ADMIT).
struct Facts {
	int32_t rules_matched = 1;
	int32_t role_exists = 1;
	int32_t role_managed = 1;
	int32_t role_can_login = 1;
	int32_t set_equal = 1;
	int32_t options_equal = 1;
	int32_t other_sessions = 0;
	std::vector<SetRole> set{{"readers", 0, {}}};
	std::vector<std::string> forbidden_names;

	const autouser_core_decision_input *input() {
		c_set.clear();
		c_ancestors.clear();
		c_forbidden.clear();
		for (const SetRole &role : set) {
			c_set.push_back({{role.name.data(), role.name.size()},
			                 role.flags,
			                 c_ancestors.size(),
			                 role.ancestors.size()});
			for (const Ancestor &a : role.ancestors)
				c_ancestors.push_back({{a.name.data(), a.name.size()}, a.flags});
		}
		for (const std::string &name : forbidden_names)
			c_forbidden.push_back({name.data(), name.size()});
		in = {rules_matched,     role_exists,        role_managed,       role_can_login,
		      set_equal,         options_equal,      other_sessions,     c_set.data(),
		      c_set.size(),      c_ancestors.data(), c_ancestors.size(), c_forbidden.data(),
		      c_forbidden.size()};
		return &in;
	}

	std::vector<autouser_core_set_role> c_set;
	std::vector<autouser_core_ancestor> c_ancestors;
	std::vector<autouser_core_str> c_forbidden;
	autouser_core_decision_input in{};
};

// Garbage in every field, so a test sees whether decide() wrote all of them.  The enum values
// stay within their types' ranges (9 is no action; any reason is a real one, but the indices
// around it are garbage too), so reading them back is defined.
inline autouser_core_decision unset_decision() {
	return {static_cast<autouser_core_action>(9), 77, 77, 77,
	        AUTOUSER_CORE_FORBIDDEN_TEMPLATE_LOGIN};
}

// Decides raw input; the status must be `expected`.
inline autouser_core_decision decide_raw(const autouser_core_decision_input *in,
                                         autouser_core_status expected = AUTOUSER_CORE_OK) {
	autouser_core_decision out = unset_decision();
	EXPECT_EQ(autouser_core_decide(in, &out), expected);
	return out;
}

inline autouser_core_decision decide(Facts &facts) { return decide_raw(facts.input()); }

// What an accepted login or a role-less rejection looks like.
inline autouser_core_decision verdict(autouser_core_action action) {
	const int32_t writes =
	    action == AUTOUSER_CORE_ACTION_CREATE || action == AUTOUSER_CORE_ACTION_REACTIVATE;
	return {action, writes, -1, -1, AUTOUSER_CORE_FORBIDDEN_NONE};
}

inline autouser_core_decision missing(int32_t role) {
	return {AUTOUSER_CORE_ACTION_REJECT_ROLE_MISSING, 0, role, -1, AUTOUSER_CORE_FORBIDDEN_NONE};
}

inline autouser_core_decision forbidden(int32_t role, int32_t ancestor,
                                        autouser_core_forbidden_reason reason) {
	return {AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN, 0, role, ancestor, reason};
}

// Malformed input, or an exception inside: a rejection naming nothing and writing nothing.
inline autouser_core_decision invalid() {
	return verdict(AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID);
}

} // namespace decision_support

#endif
