// decision_test.cpp -- every row of the login decision table, and action_needs_write.
#include "pg_autouser/core_api.h"

#include <gtest/gtest.h>

namespace {

// A managed, existing, login-capable role whose memberships match: the ADMIT fast path.
autouser_core_login_facts admit_facts() {
	autouser_core_login_facts f{};
	f.rules_matched = 1;
	f.role_exists = 1;
	f.role_managed = 1;
	f.role_can_login = 1;
	f.other_sessions = 0;
	f.set_check = AUTOUSER_CORE_SET_OK;
	f.set_equal = 1;
	return f;
}

autouser_core_action decide(const autouser_core_login_facts &f) { return autouser_core_decide(&f); }

TEST(Decision, NullFactsIsNone) {
	EXPECT_EQ(autouser_core_decide(nullptr), AUTOUSER_CORE_ACTION_NONE);
}

TEST(Decision, NoRuleAndNoRoleIsNone) {
	autouser_core_login_facts f{};
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_NONE);
}

TEST(Decision, NoRuleAndUnmanagedRoleIsNone) {
	autouser_core_login_facts f{};
	f.role_exists = 1;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_NONE);
}

TEST(Decision, NoRuleAndManagedRoleIsRejectNoRule) {
	autouser_core_login_facts f = admit_facts();
	f.rules_matched = 0;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_NO_RULE);
}

TEST(Decision, NoRuleIgnoresLaterFacts) {
	autouser_core_login_facts f{};
	f.role_managed = 1; // managed flag without an existing role means nothing
	f.set_check = AUTOUSER_CORE_SET_FORBIDDEN;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_NONE);
}

TEST(Decision, ExistingUnmanagedRoleIsRejectUnmanaged) {
	autouser_core_login_facts f = admit_facts();
	f.role_managed = 0;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_UNMANAGED);
	f.set_check = AUTOUSER_CORE_SET_MISSING; // unmanaged comes first
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_UNMANAGED);
}

TEST(Decision, MissingRoleInSetIsRejectRoleMissing) {
	autouser_core_login_facts f = admit_facts();
	f.set_check = AUTOUSER_CORE_SET_MISSING;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_ROLE_MISSING);
	f.role_exists = 0; // comes before CREATE
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_ROLE_MISSING);
}

TEST(Decision, ForbiddenRoleInSetIsRejectRoleForbidden) {
	autouser_core_login_facts f = admit_facts();
	f.set_check = AUTOUSER_CORE_SET_FORBIDDEN;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN);
}

TEST(Decision, InvalidSetIsRejectRoleInvalid) {
	autouser_core_login_facts f = admit_facts();
	f.set_check = AUTOUSER_CORE_SET_INVALID;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID);
}

TEST(Decision, UnknownSetCheckFailsClosed) {
	autouser_core_login_facts f = admit_facts();
	f.set_check = 42;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID);
	f.set_check = -1;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID);
}

TEST(Decision, NewRoleIsCreate) {
	autouser_core_login_facts f{};
	f.rules_matched = 1;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_CREATE);
}

TEST(Decision, DisabledRoleIsReactivate) {
	autouser_core_login_facts f = admit_facts();
	f.role_can_login = 0;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REACTIVATE);
	f.other_sessions = 3;
	f.set_equal = 0; // disabled wins over "set changed"
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REACTIVATE);
}

TEST(Decision, EqualSetIsAdmit) {
	autouser_core_login_facts f = admit_facts();
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_ADMIT);
	f.other_sessions = 5; // other sessions do not matter when nothing changes
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_ADMIT);
}

TEST(Decision, ChangedSetWithOtherSessionsIsRejectSetChanged) {
	autouser_core_login_facts f = admit_facts();
	f.set_equal = 0;
	f.other_sessions = 1;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED);
}

TEST(Decision, ChangedSetWithoutOtherSessionsIsReactivate) {
	autouser_core_login_facts f = admit_facts();
	f.set_equal = 0;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REACTIVATE);
	f.other_sessions = -1; // never positive: treated as none
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_REACTIVATE);
}

TEST(Decision, NonZeroFlagsCountAsTrue) {
	autouser_core_login_facts f = admit_facts();
	f.rules_matched = 2;
	f.role_exists = -1;
	f.role_managed = 7;
	EXPECT_EQ(decide(f), AUTOUSER_CORE_ACTION_ADMIT);
}

TEST(Decision, OnlyCreateAndReactivateNeedWrite) {
	EXPECT_EQ(autouser_core_action_needs_write(AUTOUSER_CORE_ACTION_CREATE), 1);
	EXPECT_EQ(autouser_core_action_needs_write(AUTOUSER_CORE_ACTION_REACTIVATE), 1);
	for (autouser_core_action a :
	     {AUTOUSER_CORE_ACTION_NONE, AUTOUSER_CORE_ACTION_ADMIT,
	      AUTOUSER_CORE_ACTION_REJECT_UNMANAGED, AUTOUSER_CORE_ACTION_REJECT_NO_RULE,
	      AUTOUSER_CORE_ACTION_REJECT_ROLE_MISSING, AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN,
	      AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID, AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED})
		EXPECT_EQ(autouser_core_action_needs_write(a), 0) << a;
}

} // namespace
