// forbidden_test.cpp -- SPEC 6 through autouser_core_decide: every forbidden reason on a set role
// and through an ancestor, their precedence, the template policy, builtin and listed names.
#include "decision_support.hpp"

#include <string>
#include <vector>

namespace {

using namespace decision_support;

// The set [readers, <name, flags>]: a problem there is named as set index 1.
Facts with_role(const std::string &name, uint32_t flags) {
	Facts f;
	f.set = {{"readers", 0, {{"base"}}}, {name, flags, {}}};
	return f;
}

// The set [readers, team] where team inherits from [base2, <name, flags>]: a problem there is
// named as set index 1, ancestors index 2 (readers' one ancestor comes first).
Facts inheriting(const std::string &name, uint32_t flags) {
	Facts f;
	f.set = {{"readers", 0, {{"base"}}}, {"team", 0, {{"base2"}, {name, flags}}}};
	return f;
}

autouser_core_decision own(autouser_core_forbidden_reason reason) {
	return forbidden(1, -1, reason);
}

autouser_core_decision inherited(autouser_core_forbidden_reason reason) {
	return forbidden(1, 2, reason);
}

const autouser_core_decision kAdmit = verdict(AUTOUSER_CORE_ACTION_ADMIT);

// --- Role attributes ---

TEST(Forbidden, RejectsSuperuserRole) {
	Facts f = with_role("boss", AUTOUSER_CORE_ROLE_SUPERUSER);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_SUPERUSER));
}

TEST(Forbidden, RejectsRoleInheritingSuperuser) {
	Facts f = inheriting("boss", AUTOUSER_CORE_ROLE_SUPERUSER);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_SUPERUSER));
}

TEST(Forbidden, RejectsReplicationRole) {
	Facts f = with_role("repl", AUTOUSER_CORE_ROLE_REPLICATION);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_REPLICATION));
}

TEST(Forbidden, RejectsRoleInheritingReplication) {
	Facts f = inheriting("repl", AUTOUSER_CORE_ROLE_REPLICATION);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_REPLICATION));
}

TEST(Forbidden, RejectsBypassrlsRole) {
	Facts f = with_role("auditor", AUTOUSER_CORE_ROLE_BYPASSRLS);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_BYPASSRLS));
}

TEST(Forbidden, RejectsRoleInheritingBypassrls) {
	Facts f = inheriting("auditor", AUTOUSER_CORE_ROLE_BYPASSRLS);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_BYPASSRLS));
}

TEST(Forbidden, RejectsCreateroleRole) {
	Facts f = with_role("hr", AUTOUSER_CORE_ROLE_CREATEROLE);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_CREATEROLE));
}

TEST(Forbidden, RejectsRoleInheritingCreaterole) {
	Facts f = inheriting("hr", AUTOUSER_CORE_ROLE_CREATEROLE);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_CREATEROLE));
}

// --- Builtin predefined roles, by name ---

TEST(Forbidden, RejectsExecuteServerProgram) {
	Facts f = with_role("pg_execute_server_program", AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_BUILTIN));
}

TEST(Forbidden, RejectsReadServerFiles) {
	Facts f = with_role("pg_read_server_files", AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_BUILTIN));
}

TEST(Forbidden, RejectsWriteServerFiles) {
	Facts f = with_role("pg_write_server_files", AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_BUILTIN));
}

TEST(Forbidden, RejectsWriteAllData) {
	Facts f = with_role("pg_write_all_data", AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_BUILTIN));
}

TEST(Forbidden, RejectsBuiltinNameWithoutThePredefinedFlag) {
	Facts f = with_role("pg_write_server_files", 0);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_BUILTIN));
}

TEST(Forbidden, RejectsRoleInheritingExecuteServerProgram) {
	Facts f = inheriting("pg_execute_server_program", AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_BUILTIN));
}

TEST(Forbidden, RejectsRoleInheritingWriteAllData) {
	Facts f = inheriting("pg_write_all_data", AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_BUILTIN));
}

TEST(Forbidden, BuiltinNamesCompareBytewise) {
	for (std::string name : {"PG_WRITE_ALL_DATA", "pg_write_all_dat", "pg_write_all_data ",
	                         "pg_read_server_files2", "xpg_read_server_files"}) {
		Facts f = with_role(name, 0);
		EXPECT_EQ(decide(f), kAdmit) << name;
	}
}

TEST(Forbidden, AllowsOtherPredefinedRolesNamedLiterally) {
	for (std::string name : {"pg_read_all_data", "pg_monitor", "pg_signal_backend"}) {
		Facts f = with_role(name, AUTOUSER_CORE_ROLE_PREDEFINED);
		EXPECT_EQ(decide(f), kAdmit) << name;
	}
}

TEST(Forbidden, AllowsInheritingOtherPredefinedRoles) {
	Facts f = inheriting("pg_read_all_data", AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), kAdmit);
}

// --- What a role is to pg_autouser and its database ---

TEST(Forbidden, RejectsGroupRole) {
	Facts f = with_role("auto_user", AUTOUSER_CORE_ROLE_GROUP);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_GROUP));
}

TEST(Forbidden, RejectsRoleInheritingGroupRole) {
	Facts f = inheriting("auto_user", AUTOUSER_CORE_ROLE_GROUP);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_GROUP));
}

TEST(Forbidden, RejectsAdminRole) {
	Facts f = with_role("autouser_admin", AUTOUSER_CORE_ROLE_ADMIN);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_ADMIN));
}

TEST(Forbidden, RejectsRoleInheritingAdminRole) {
	Facts f = inheriting("autouser_admin", AUTOUSER_CORE_ROLE_ADMIN);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_ADMIN));
}

TEST(Forbidden, RejectsAnotherManagedRole) {
	Facts f = with_role("bob", AUTOUSER_CORE_ROLE_MANAGED);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_MANAGED));
}

TEST(Forbidden, RejectsRoleInheritingAnotherManagedRole) {
	Facts f = inheriting("bob", AUTOUSER_CORE_ROLE_MANAGED);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_MANAGED));
}

TEST(Forbidden, RejectsTheLoginsOwnRole) {
	Facts f = with_role("alice", AUTOUSER_CORE_ROLE_SELF);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_SELF));
}

TEST(Forbidden, RejectsRoleInheritingTheLoginsOwnRole) {
	Facts f = inheriting("alice", AUTOUSER_CORE_ROLE_SELF);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_SELF));
}

TEST(Forbidden, RejectsDatabaseOwner) {
	Facts f = with_role("dbowner", AUTOUSER_CORE_ROLE_DB_OWNER);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_DB_OWNER));
}

TEST(Forbidden, RejectsRoleInheritingDatabaseOwner) {
	Facts f = inheriting("dbowner", AUTOUSER_CORE_ROLE_DB_OWNER);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_DB_OWNER));
}

TEST(Forbidden, RejectsExtensionOwner) {
	Facts f = with_role("extowner", AUTOUSER_CORE_ROLE_EXT_OWNER);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_EXT_OWNER));
}

TEST(Forbidden, RejectsRoleInheritingExtensionOwner) {
	Facts f = inheriting("extowner", AUTOUSER_CORE_ROLE_EXT_OWNER);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_EXT_OWNER));
}

TEST(Forbidden, RejectsRoleThatWritesRules) {
	Facts f = with_role("rule_editor", AUTOUSER_CORE_ROLE_WRITES_RULES);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_WRITES_RULES));
}

TEST(Forbidden, RejectsRoleInheritingRoleThatWritesRules) {
	Facts f = inheriting("rule_editor", AUTOUSER_CORE_ROLE_WRITES_RULES);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_WRITES_RULES));
}

// --- pg_autouser.forbidden_roles ---

TEST(Forbidden, RejectsListedRole) {
	Facts f = with_role("dba", 0);
	f.forbidden_names = {"replicator", "dba"};
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_LISTED));
}

TEST(Forbidden, RejectsRoleInheritingListedRole) {
	Facts f = inheriting("dba", 0);
	f.forbidden_names = {"dba"};
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_LISTED));
}

TEST(Forbidden, ListedNamesCompareBytewise) {
	for (std::string name : {"DBA", "dba ", "db", "dbadmin", " dba"}) {
		Facts f = with_role(name, 0);
		f.forbidden_names = {"dba"};
		EXPECT_EQ(decide(f), kAdmit) << name;
	}
}

TEST(Forbidden, ListedNamesHonourTheirLength) {
	Facts f = with_role("dba", 0);
	const char listed[] = "dbadmin"; // only its first three bytes are the name
	autouser_core_str name{listed, 3};
	autouser_core_decision_input in = *f.input();
	in.forbidden_names = &name;
	in.n_forbidden_names = 1;
	EXPECT_EQ(decide_raw(&in), own(AUTOUSER_CORE_FORBIDDEN_LISTED));
}

TEST(Forbidden, ListedNameMayBeALiteralPredefinedRole) {
	Facts f = with_role("pg_read_all_data", AUTOUSER_CORE_ROLE_PREDEFINED);
	f.forbidden_names = {"pg_read_all_data"};
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_LISTED));
}

TEST(Forbidden, EmptyListForbidsNothingExtra) {
	Facts f = with_role("dba", 0);
	EXPECT_EQ(decide(f), kAdmit);
}

// --- Template policy: certificate text names only ordinary group roles ---

TEST(Forbidden, RejectsTemplateNamingPredefinedRole) {
	Facts f = with_role("pg_read_all_data",
	                    AUTOUSER_CORE_ROLE_FROM_TEMPLATE | AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_TEMPLATE_PREDEFINED));
}

// Defence in depth: a predefined role the glue's server version does not flag is still refused.
TEST(Forbidden, RejectsTemplateNamingPgPrefixedRoleWithoutThePredefinedFlag) {
	Facts f = with_role("pg_future_role", AUTOUSER_CORE_ROLE_FROM_TEMPLATE);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_TEMPLATE_PREDEFINED));
}

TEST(Forbidden, RejectsTemplateNamingRoleFlaggedPredefinedWithoutThePrefix) {
	Facts f =
	    with_role("monitor", AUTOUSER_CORE_ROLE_FROM_TEMPLATE | AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_TEMPLATE_PREDEFINED));
}

TEST(Forbidden, RejectsTemplateNamingLoginRole) {
	Facts f = with_role("carol", AUTOUSER_CORE_ROLE_FROM_TEMPLATE | AUTOUSER_CORE_ROLE_LOGIN);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_TEMPLATE_LOGIN));
}

TEST(Forbidden, TemplatePgPrefixIsCaseSensitive) {
	Facts f = with_role("PG_team", AUTOUSER_CORE_ROLE_FROM_TEMPLATE);
	EXPECT_EQ(decide(f), kAdmit);
}

TEST(Forbidden, AllowsTemplateNamingOrdinaryGroupRole) {
	Facts f = with_role("team_ops", AUTOUSER_CORE_ROLE_FROM_TEMPLATE);
	EXPECT_EQ(decide(f), kAdmit);
}

TEST(Forbidden, AllowsLiteralPgPrefixedRole) {
	Facts f = with_role("pg_monitor", AUTOUSER_CORE_ROLE_PREDEFINED);
	EXPECT_EQ(decide(f), kAdmit);
}

TEST(Forbidden, AllowsLiteralLoginRole) {
	Facts f = with_role("svc", AUTOUSER_CORE_ROLE_LOGIN);
	EXPECT_EQ(decide(f), kAdmit);
}

// The template policy is about the name certificate text produced, not about inheritance.
TEST(Forbidden, AllowsTemplateRoleInheritingPredefinedRole) {
	Facts f;
	f.set = {{"team_ops",
	          AUTOUSER_CORE_ROLE_FROM_TEMPLATE,
	          {{"pg_read_all_data", AUTOUSER_CORE_ROLE_PREDEFINED}}}};
	EXPECT_EQ(decide(f), kAdmit);
}

TEST(Forbidden, AllowsTemplateRoleInheritingLoginRole) {
	Facts f;
	f.set = {{"team_ops", AUTOUSER_CORE_ROLE_FROM_TEMPLATE, {{"lead", AUTOUSER_CORE_ROLE_LOGIN}}}};
	EXPECT_EQ(decide(f), kAdmit);
}

TEST(Forbidden, TemplateRoleIsStillCheckedForEveryOtherReason) {
	Facts f = with_role("bob", AUTOUSER_CORE_ROLE_FROM_TEMPLATE | AUTOUSER_CORE_ROLE_MANAGED);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_MANAGED));
}

TEST(Forbidden, TemplateRolesAncestorsAreChecked) {
	Facts f;
	f.set = {
	    {"team_ops", AUTOUSER_CORE_ROLE_FROM_TEMPLATE, {{"boss", AUTOUSER_CORE_ROLE_SUPERUSER}}}};
	EXPECT_EQ(decide(f), forbidden(0, 0, AUTOUSER_CORE_FORBIDDEN_SUPERUSER));
}

// --- Precedence among one role's problems ---

TEST(Forbidden, TemplatePredefinedComesBeforeTemplateLogin) {
	Facts f = with_role("pg_x", AUTOUSER_CORE_ROLE_FROM_TEMPLATE | AUTOUSER_CORE_ROLE_LOGIN);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_TEMPLATE_PREDEFINED));
}

TEST(Forbidden, TemplateReasonsComeBeforeAttributes) {
	Facts f = with_role("carol", AUTOUSER_CORE_ROLE_FROM_TEMPLATE | AUTOUSER_CORE_ROLE_LOGIN |
	                                 AUTOUSER_CORE_ROLE_SUPERUSER);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_TEMPLATE_LOGIN));
}

TEST(Forbidden, TemplatePredefinedComesBeforeBuiltinName) {
	Facts f = with_role("pg_write_server_files", AUTOUSER_CORE_ROLE_FROM_TEMPLATE);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_TEMPLATE_PREDEFINED));
}

TEST(Forbidden, SuperuserComesBeforeBuiltinName) {
	Facts f = with_role("pg_write_all_data", AUTOUSER_CORE_ROLE_SUPERUSER);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_SUPERUSER));
}

TEST(Forbidden, BuiltinNameComesBeforeGroup) {
	Facts f = with_role("pg_read_server_files", AUTOUSER_CORE_ROLE_GROUP);
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_BUILTIN));
}

TEST(Forbidden, WritesRulesComesBeforeListed) {
	Facts f = with_role("editor", AUTOUSER_CORE_ROLE_WRITES_RULES);
	f.forbidden_names = {"editor"};
	EXPECT_EQ(decide(f), own(AUTOUSER_CORE_FORBIDDEN_WRITES_RULES));
}

// A role with every problem at once: taking away the reason reported each time walks the whole
// documented order, SUPERUSER (1) to LISTED (13).
TEST(Forbidden, OwnReasonsFollowTheEnumOrder) {
	struct Step {
		uint32_t flag; // 0 for the name-based reasons
		autouser_core_forbidden_reason reason;
	};
	const std::vector<Step> order = {
	    {AUTOUSER_CORE_ROLE_SUPERUSER, AUTOUSER_CORE_FORBIDDEN_SUPERUSER},
	    {AUTOUSER_CORE_ROLE_REPLICATION, AUTOUSER_CORE_FORBIDDEN_REPLICATION},
	    {AUTOUSER_CORE_ROLE_BYPASSRLS, AUTOUSER_CORE_FORBIDDEN_BYPASSRLS},
	    {AUTOUSER_CORE_ROLE_CREATEROLE, AUTOUSER_CORE_FORBIDDEN_CREATEROLE},
	    {0, AUTOUSER_CORE_FORBIDDEN_BUILTIN},
	    {AUTOUSER_CORE_ROLE_GROUP, AUTOUSER_CORE_FORBIDDEN_GROUP},
	    {AUTOUSER_CORE_ROLE_ADMIN, AUTOUSER_CORE_FORBIDDEN_ADMIN},
	    {AUTOUSER_CORE_ROLE_MANAGED, AUTOUSER_CORE_FORBIDDEN_MANAGED},
	    {AUTOUSER_CORE_ROLE_SELF, AUTOUSER_CORE_FORBIDDEN_SELF},
	    {AUTOUSER_CORE_ROLE_DB_OWNER, AUTOUSER_CORE_FORBIDDEN_DB_OWNER},
	    {AUTOUSER_CORE_ROLE_EXT_OWNER, AUTOUSER_CORE_FORBIDDEN_EXT_OWNER},
	    {AUTOUSER_CORE_ROLE_WRITES_RULES, AUTOUSER_CORE_FORBIDDEN_WRITES_RULES},
	    {0, AUTOUSER_CORE_FORBIDDEN_LISTED},
	};
	uint32_t flags = 0;
	for (const Step &step : order)
		flags |= step.flag;
	std::string name = "pg_write_all_data"; // builtin, and listed below
	for (std::size_t i = 0; i < order.size(); ++i) {
		EXPECT_EQ(static_cast<int>(order[i].reason), static_cast<int>(i + 1));
		Facts f = with_role(name, flags);
		f.forbidden_names = {"pg_write_all_data", "renamed"};
		EXPECT_EQ(decide(f), own(order[i].reason)) << "step " << i;
		flags &= ~order[i].flag;
		if (order[i].reason == AUTOUSER_CORE_FORBIDDEN_BUILTIN)
			name = "renamed"; // no longer builtin, still listed
	}
	Facts clean = with_role("fine", 0);
	EXPECT_EQ(decide(clean), kAdmit);
}

TEST(Forbidden, OwnProblemComesBeforeAnAncestorsProblem) {
	Facts f;
	f.set = {{"team", AUTOUSER_CORE_ROLE_CREATEROLE, {{"boss", AUTOUSER_CORE_ROLE_SUPERUSER}}}};
	EXPECT_EQ(decide(f), forbidden(0, -1, AUTOUSER_CORE_FORBIDDEN_CREATEROLE));
}

TEST(Forbidden, FirstAncestorInTheGivenOrderNamesTheProblem) {
	Facts f;
	f.set = {{"team",
	          0,
	          {{"base"},
	           {"auditor", AUTOUSER_CORE_ROLE_BYPASSRLS},
	           {"boss", AUTOUSER_CORE_ROLE_SUPERUSER}}}};
	EXPECT_EQ(decide(f), forbidden(0, 1, AUTOUSER_CORE_FORBIDDEN_BYPASSRLS));
}

TEST(Forbidden, AnAncestorsReasonsFollowTheEnumOrderToo) {
	Facts f = inheriting("pg_execute_server_program",
	                     AUTOUSER_CORE_ROLE_PREDEFINED | AUTOUSER_CORE_ROLE_CREATEROLE);
	EXPECT_EQ(decide(f), inherited(AUTOUSER_CORE_FORBIDDEN_CREATEROLE));
}

} // namespace
