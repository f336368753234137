// decision_test.cpp -- autouser_core_decide: every row of SPEC 5's table, missing roles, the order
// in which the set is walked, needs_write, and malformed input failing closed.  Which fact makes
// one role forbidden is forbidden_test.cpp's.
#include "decision_support.hpp"

#include <cstdint>
#include <limits>

namespace {

using namespace decision_support;

// --- No matching rule (step 2) ---

TEST(Decide, NoRuleAndNoRoleIsNone) {
	Facts f;
	f.rules_matched = 0;
	f.role_exists = 0;
	f.role_managed = 0;
	f.set.clear();
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_NONE));
}

TEST(Decide, NoRuleAndUnmanagedRoleIsNone) {
	Facts f;
	f.rules_matched = 0;
	f.role_managed = 0;
	f.set.clear();
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_NONE));
}

TEST(Decide, NoRuleAndManagedRoleIsRejectNoRule) {
	Facts f;
	f.rules_matched = 0;
	f.set.clear();
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REJECT_NO_RULE));
}

TEST(Decide, NoRuleAndInactiveManagedRoleIsRejectNoRule) {
	Facts f;
	f.rules_matched = 0;
	f.role_can_login = 0;
	f.set.clear();
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REJECT_NO_RULE));
}

TEST(Decide, NoRuleManagedFlagWithoutRoleIsNone) {
	Facts f;
	f.rules_matched = 0;
	f.role_exists = 0; // "managed" means nothing without a role
	f.set.clear();
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_NONE));
}

TEST(Decide, NoRuleIgnoresTheSet) {
	Facts f;
	f.rules_matched = 0;
	f.role_exists = 0;
	f.set = {{"gone", AUTOUSER_CORE_ROLE_MISSING, {}}, {"root", AUTOUSER_CORE_ROLE_SUPERUSER, {}}};
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_NONE));
}

// --- Existing role that pg_autouser does not manage (step 3) ---

TEST(Decide, ExistingUnmanagedRoleIsRejectUnmanaged) {
	Facts f;
	f.role_managed = 0;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REJECT_UNMANAGED));
}

TEST(Decide, UnmanagedComesBeforeAMissingRole) {
	Facts f;
	f.role_managed = 0;
	f.set = {{"gone", AUTOUSER_CORE_ROLE_MISSING, {}}};
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REJECT_UNMANAGED));
}

TEST(Decide, UnmanagedComesBeforeAForbiddenRole) {
	Facts f;
	f.role_managed = 0;
	f.set = {{"root", AUTOUSER_CORE_ROLE_SUPERUSER, {}}};
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REJECT_UNMANAGED));
}

// --- Missing roles (step 4) ---

TEST(Decide, MissingRoleIsRejectRoleMissing) {
	Facts f;
	f.set = {{"readers", 0, {}}, {"gone", AUTOUSER_CORE_ROLE_MISSING, {}}};
	EXPECT_EQ(decide(f), missing(1));
}

TEST(Decide, MissingRoleComesBeforeCreate) {
	Facts f;
	f.role_exists = 0;
	f.role_managed = 0;
	f.set = {{"gone", AUTOUSER_CORE_ROLE_MISSING, {}}};
	EXPECT_EQ(decide(f), missing(0));
}

TEST(Decide, MissingRoleIgnoresItsOtherFlags) {
	Facts f;
	f.set = {{"gone", AUTOUSER_CORE_ROLE_MISSING | AUTOUSER_CORE_ROLE_SUPERUSER, {}}};
	EXPECT_EQ(decide(f), missing(0));
}

TEST(Decide, MissingTemplateRoleIsMissingEvenWithPgPrefix) {
	Facts f;
	f.set = {{"pg_nosuch", AUTOUSER_CORE_ROLE_MISSING | AUTOUSER_CORE_ROLE_FROM_TEMPLATE, {}}};
	EXPECT_EQ(decide(f), missing(0));
}

TEST(Decide, MissingRoleIgnoresItsAncestors) {
	Facts f;
	f.set = {{"gone", AUTOUSER_CORE_ROLE_MISSING, {{"root", AUTOUSER_CORE_ROLE_SUPERUSER}}}};
	EXPECT_EQ(decide(f), missing(0));
}

// --- The set is walked in the order given; the first role with a problem names it ---

TEST(Decide, EarlierMissingRoleBeatsLaterForbiddenRole) {
	Facts f;
	f.set = {{"gone", AUTOUSER_CORE_ROLE_MISSING, {}}, {"root", AUTOUSER_CORE_ROLE_SUPERUSER, {}}};
	EXPECT_EQ(decide(f), missing(0));
}

TEST(Decide, EarlierForbiddenRoleBeatsLaterMissingRole) {
	Facts f;
	f.set = {{"root", AUTOUSER_CORE_ROLE_SUPERUSER, {}}, {"gone", AUTOUSER_CORE_ROLE_MISSING, {}}};
	EXPECT_EQ(decide(f), forbidden(0, -1, AUTOUSER_CORE_FORBIDDEN_SUPERUSER));
}

TEST(Decide, EarlierRolesInheritedProblemBeatsLaterRolesOwn) {
	Facts f;
	f.set = {{"a", 0, {{"root", AUTOUSER_CORE_ROLE_SUPERUSER}}},
	         {"b", AUTOUSER_CORE_ROLE_CREATEROLE, {}}};
	EXPECT_EQ(decide(f), forbidden(0, 0, AUTOUSER_CORE_FORBIDDEN_SUPERUSER));
}

TEST(Decide, CleanRolesBeforeTheProblemAreSkipped) {
	Facts f;
	f.set = {{"a", 0, {{"x"}}}, {"b", 0, {}}, {"c", 0, {{"y"}, {"z", AUTOUSER_CORE_ROLE_ADMIN}}}};
	EXPECT_EQ(decide(f), forbidden(2, 2, AUTOUSER_CORE_FORBIDDEN_ADMIN));
}

// bad_ancestor indexes the whole ancestors array, not the role's own range.
TEST(Decide, BadAncestorIsAnIndexIntoTheAncestorsArray) {
	Facts f;
	f.set = {{"a", 0, {{"x"}, {"y"}}}, {"b", 0, {{"z"}, {"root", AUTOUSER_CORE_ROLE_SUPERUSER}}}};
	EXPECT_EQ(decide(f), forbidden(1, 3, AUTOUSER_CORE_FORBIDDEN_SUPERUSER));
}

TEST(Decide, OnlyTheRolesOwnAncestorRangeIsChecked) {
	autouser_core_set_role role{{"a", 1}, 0, 0, 1};
	autouser_core_ancestor ancestors[] = {{{"x", 1}, 0},
	                                      {{"root", 4}, AUTOUSER_CORE_ROLE_SUPERUSER}};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, &role, 1, ancestors, 2, nullptr, 0};
	EXPECT_EQ(decide_raw(&in), verdict(AUTOUSER_CORE_ACTION_ADMIT));
}

TEST(Decide, RolesMayShareAnAncestorRange) {
	autouser_core_set_role roles[] = {{{"a", 1}, 0, 0, 2}, {{"b", 1}, 0, 0, 2}};
	autouser_core_ancestor ancestors[] = {{{"x", 1}, 0},
	                                      {{"own", 3}, AUTOUSER_CORE_ROLE_EXT_OWNER}};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, roles, 2, ancestors, 2, nullptr, 0};
	EXPECT_EQ(decide_raw(&in), forbidden(0, 1, AUTOUSER_CORE_FORBIDDEN_EXT_OWNER));
}

// --- Accepted logins (steps 5-7) ---

TEST(Decide, NewRoleIsCreate) {
	Facts f;
	f.role_exists = 0;
	f.role_managed = 0;
	f.role_can_login = 0;
	f.set_equal = 0;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_CREATE));
}

TEST(Decide, NewRoleWithEmptySetIsCreate) {
	Facts f;
	f.role_exists = 0;
	f.role_managed = 0;
	f.set.clear();
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_CREATE));
}

TEST(Decide, NewRoleIgnoresLaterFacts) {
	Facts f;
	f.role_exists = 0;
	f.role_managed = 1;   // meaningless without a role
	f.other_sessions = 4; // likewise
	f.set_equal = 1;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_CREATE));
}

TEST(Decide, InactiveRoleIsReactivate) {
	Facts f;
	f.role_can_login = 0;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REACTIVATE));
}

TEST(Decide, InactiveRoleIsReactivatedWhateverItsSessionsAndSet) {
	Facts f;
	f.role_can_login = 0;
	f.set_equal = 0;
	f.other_sessions = 3; // "set changed" applies to active roles only
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REACTIVATE));
}

TEST(Decide, EqualSetIsAdmit) {
	Facts f;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_ADMIT));
}

TEST(Decide, EqualSetIsAdmitWithOtherSessions) {
	Facts f;
	f.other_sessions = 5;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_ADMIT));
}

TEST(Decide, EmptyEqualSetIsAdmit) {
	Facts f;
	f.set.clear();
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_ADMIT));
}

TEST(Decide, ChangedSetWithOtherSessionsIsRejectSetChanged) {
	Facts f;
	f.set_equal = 0;
	f.other_sessions = 1;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED));
}

TEST(Decide, ChangedSetWithoutOtherSessionsIsReactivate) {
	Facts f;
	f.set_equal = 0;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REACTIVATE));
}

// Options count like the set: only an active role whose options are the rules' is admitted.
TEST(Decide, ChangedOptionsAreLikeAChangedSet) {
	struct Case {
		int32_t exists, can_login, other_sessions;
		autouser_core_action action;
	};
	for (const Case &c : {Case{1, 1, 2, AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED},
	                      Case{1, 1, 0, AUTOUSER_CORE_ACTION_REACTIVATE},
	                      Case{1, 0, 1, AUTOUSER_CORE_ACTION_REACTIVATE},
	                      Case{0, 0, 0, AUTOUSER_CORE_ACTION_CREATE}}) {
		Facts f;
		f.role_exists = c.exists;
		f.role_managed = c.exists;
		f.role_can_login = c.can_login;
		f.other_sessions = c.other_sessions;
		f.options_equal = 0;
		EXPECT_EQ(decide(f), verdict(c.action)) << c.exists << c.can_login << c.other_sessions;
	}
}

TEST(Decide, ForbiddenRoleWinsOverChangedOptions) {
	Facts f;
	f.options_equal = 0;
	f.other_sessions = 1;
	f.set = {{"boss", AUTOUSER_CORE_ROLE_SUPERUSER, {}}};
	EXPECT_EQ(decide(f).action, AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN);
}

TEST(Decide, NegativeOtherSessionsCountAsNone) {
	Facts f;
	f.set_equal = 0;
	f.other_sessions = -1;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_REACTIVATE));
}

TEST(Decide, NonZeroFactsCountAsTrue) {
	Facts f;
	f.rules_matched = 2;
	f.role_exists = -1;
	f.role_managed = 7;
	f.role_can_login = std::numeric_limits<int32_t>::min();
	f.set_equal = 42;
	f.options_equal = -3;
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_ADMIT));
}

TEST(Decide, AFineSetWithAncestorsIsAdmitted) {
	Facts f;
	f.set = {{"readers",
	          AUTOUSER_CORE_ROLE_LOGIN,
	          {{"base"}, {"pg_monitor", AUTOUSER_CORE_ROLE_PREDEFINED}}},
	         {"team_ops", AUTOUSER_CORE_ROLE_FROM_TEMPLATE, {{"lead", AUTOUSER_CORE_ROLE_LOGIN}}}};
	EXPECT_EQ(decide(f), verdict(AUTOUSER_CORE_ACTION_ADMIT));
}

// --- needs_write ---

TEST(Decide, CreateNeedsWrite) {
	Facts f;
	f.role_exists = 0;
	EXPECT_EQ(decide(f).needs_write, 1);
}

TEST(Decide, ReactivateNeedsWrite) {
	Facts f;
	f.role_can_login = 0;
	EXPECT_EQ(decide(f).needs_write, 1);
}

TEST(Decide, NothingElseNeedsWrite) {
	Facts none, admit, no_rule, unmanaged, gone, root, changed;
	none.rules_matched = 0;
	none.role_exists = 0;
	no_rule.rules_matched = 0;
	unmanaged.role_managed = 0;
	gone.set = {{"gone", AUTOUSER_CORE_ROLE_MISSING, {}}};
	root.set = {{"root", AUTOUSER_CORE_ROLE_SUPERUSER, {}}};
	changed.set_equal = 0;
	changed.other_sessions = 1;
	for (Facts *f : {&none, &admit, &no_rule, &unmanaged, &gone, &root, &changed}) {
		autouser_core_decision d = decide(*f);
		EXPECT_EQ(d.needs_write, 0) << d.action;
	}
	EXPECT_EQ(decide_raw(nullptr, AUTOUSER_CORE_INVALID_INPUT).needs_write, 0);
}

// --- Malformed input: INVALID_INPUT and a rejection, never NONE or an admitting action ---

TEST(Decide, NullInputIsRejectRoleInvalid) {
	EXPECT_EQ(decide_raw(nullptr, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, NullOutputIsInvalidInput) {
	Facts f;
	EXPECT_EQ(autouser_core_decide(f.input(), nullptr), AUTOUSER_CORE_INVALID_INPUT);
	EXPECT_EQ(autouser_core_decide(nullptr, nullptr), AUTOUSER_CORE_INVALID_INPUT);
}

TEST(Decide, NullSetWithCountIsInvalid) {
	Facts f;
	autouser_core_decision_input in = *f.input();
	in.set = nullptr;
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, NullAncestorsWithCountIsInvalid) {
	Facts f;
	f.set = {{"a", 0, {{"x"}}}};
	autouser_core_decision_input in = *f.input();
	in.ancestors = nullptr;
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, NullForbiddenNamesWithCountIsInvalid) {
	Facts f;
	autouser_core_decision_input in = *f.input();
	in.n_forbidden_names = 2;
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, NullArraysWithZeroCountsAreFine) {
	autouser_core_decision_input in{1, 0, 0, 0, 0, 1, 0, nullptr, 0, nullptr, 0, nullptr, 0};
	EXPECT_EQ(decide_raw(&in), verdict(AUTOUSER_CORE_ACTION_CREATE));
}

TEST(Decide, AncestorRangePastTheEndIsInvalid) {
	autouser_core_set_role role{{"a", 1}, 0, 0, 2};
	autouser_core_ancestor ancestor{{"x", 1}, 0};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, &role, 1, &ancestor, 1, nullptr, 0};
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, AncestorRangeStartingPastTheEndIsInvalid) {
	autouser_core_set_role role{{"a", 1}, 0, 2, 0};
	autouser_core_ancestor ancestor{{"x", 1}, 0};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, &role, 1, &ancestor, 1, nullptr, 0};
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, AncestorRangeThatWrapsAroundIsInvalid) {
	autouser_core_set_role role{{"a", 1}, 0, std::numeric_limits<size_t>::max(), 2};
	autouser_core_ancestor ancestor{{"x", 1}, 0};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, &role, 1, &ancestor, 1, nullptr, 0};
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, EmptyAncestorRangeAtTheEndIsFine) {
	autouser_core_set_role role{{"a", 1}, 0, 1, 0};
	autouser_core_ancestor ancestor{{"x", 1}, 0};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, &role, 1, &ancestor, 1, nullptr, 0};
	EXPECT_EQ(decide_raw(&in), verdict(AUTOUSER_CORE_ACTION_ADMIT));
}

TEST(Decide, MoreSetRolesThanAnInt32CanNameIsInvalid) {
	autouser_core_set_role role{{"a", 1}, 0, 0, 0};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, &role, 1, nullptr, 0, nullptr, 0};
	in.n_set = size_t{1} << 31; // never read: the count is refused first
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, MoreAncestorsThanAnInt32CanNameIsInvalid) {
	autouser_core_ancestor ancestor{{"x", 1}, 0};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, nullptr, 0, &ancestor, 1, nullptr, 0};
	in.n_ancestors = size_t{1} << 31;
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, NullSetRoleNameWithLengthIsInvalid) {
	autouser_core_set_role role{{nullptr, 3}, 0, 0, 0};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, &role, 1, nullptr, 0, nullptr, 0};
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

// Set roles come from rules_evaluate, which only yields valid role names.
TEST(Decide, SetRoleNameThatIsNoRoleNameIsInvalid) {
	for (std::string bad : {std::string(), std::string(64, 'r'), std::string("a\nb"),
	                        std::string("a\0b", 3), std::string("\xc3")}) {
		Facts f;
		f.set = {{bad, 0, {}}};
		EXPECT_EQ(decide_raw(f.input(), AUTOUSER_CORE_INVALID_INPUT), invalid()) << bad;
	}
}

TEST(Decide, NullAncestorNameWithLengthIsInvalid) {
	autouser_core_set_role role{{"a", 1}, 0, 0, 1};
	autouser_core_ancestor ancestor{{nullptr, 1}, 0};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, &role, 1, &ancestor, 1, nullptr, 0};
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, NullForbiddenNameWithLengthIsInvalid) {
	Facts f;
	autouser_core_str name{nullptr, 3};
	autouser_core_decision_input in = *f.input();
	in.forbidden_names = &name;
	in.n_forbidden_names = 1;
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, NullStringsWithZeroLengthAreEmptyNames) {
	autouser_core_set_role role{{"a", 1}, 0, 0, 1};
	autouser_core_ancestor ancestor{{nullptr, 0}, 0};
	autouser_core_str name{nullptr, 0};
	autouser_core_decision_input in{1, 1, 1, 1, 1, 1, 0, &role, 1, &ancestor, 1, &name, 1};
	EXPECT_EQ(decide_raw(&in), forbidden(0, 0, AUTOUSER_CORE_FORBIDDEN_LISTED));
}

// A bit the core does not know is a fact it cannot judge: refused, not ignored.
TEST(Decide, UnknownSetRoleFlagIsInvalid) {
	Facts f;
	f.set = {{"a", 0x8000, {}}};
	EXPECT_EQ(decide_raw(f.input(), AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, UnknownAncestorFlagIsInvalid) {
	Facts f;
	f.set = {{"a", 0, {{"x", 0x80000000u}}}};
	EXPECT_EQ(decide_raw(f.input(), AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, MissingFlagOnAncestorIsInvalid) {
	Facts f;
	f.set = {{"a", 0, {{"x", AUTOUSER_CORE_ROLE_MISSING}}}};
	EXPECT_EQ(decide_raw(f.input(), AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, FromTemplateFlagOnAncestorIsInvalid) {
	Facts f;
	f.set = {{"a", 0, {{"x", AUTOUSER_CORE_ROLE_FROM_TEMPLATE}}}};
	EXPECT_EQ(decide_raw(f.input(), AUTOUSER_CORE_INVALID_INPUT), invalid());
}

// The input is checked whole before any step, so no step can answer NONE for it.
TEST(Decide, MalformedInputWithoutMatchingRuleIsStillInvalid) {
	Facts f;
	f.rules_matched = 0;
	f.role_exists = 0;
	autouser_core_decision_input in = *f.input();
	in.set = nullptr;
	EXPECT_EQ(decide_raw(&in, AUTOUSER_CORE_INVALID_INPUT), invalid());
}

TEST(Decide, MalformedInputForAnUnmanagedRoleIsStillInvalid) {
	Facts f;
	f.role_managed = 0;
	f.set = {{"a", 0x10000, {}}};
	EXPECT_EQ(decide_raw(f.input(), AUTOUSER_CORE_INVALID_INPUT), invalid());
}

} // namespace
