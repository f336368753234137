// cli_admin_grants_test.cpp -- what pg_autouser.admin_role needs per server version
// (admin_grants): no grant on 15, ADMIN OPTION on the group role and every literal rule role from
// 16 on, templates reported as uncheckable, a superuser warned about.  (What standbys need:
// cli_standby_grants_test.cpp.)  The server version is an input, so 16, 17 and 18 are covered on
// any machine.
#include "admin_grants.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace pg_autouser::cli;

// A non-superuser CREATEROLE admin role, rules naming reader, team_{{cert.OU}} and writer.
AdminRoleFacts facts_for(int version) {
	AdminRoleFacts f;
	f.server_version = version;
	f.admin_role = "provisioner";
	f.admin_exists = true;
	f.admin_createrole = true;
	f.group_role = "auto_user";
	f.rules_known = true;
	f.rule_roles = {"reader", "team_{{cert.OU}}", "writer", "reader"};
	f.existing_roles = {"auto_user", "reader", "writer"};
	return f;
}

std::vector<Finding> with_status(const std::vector<Finding> &all, CheckStatus status) {
	std::vector<Finding> out;
	for (const auto &f : all)
		if (f.status == status)
			out.push_back(f);
	return out;
}

std::vector<std::string> fixes(const std::vector<Finding> &findings) {
	std::vector<std::string> out;
	for (const auto &f : findings)
		out.push_back(f.fix);
	return out;
}

TEST(CliAdminGrants, VersionsFrom16NeedAdminOption) {
	EXPECT_FALSE(needs_admin_option_grants(150000));
	EXPECT_FALSE(needs_admin_option_grants(150014));
	EXPECT_TRUE(needs_admin_option_grants(160000));
	EXPECT_TRUE(needs_admin_option_grants(170002));
	EXPECT_TRUE(needs_admin_option_grants(180000));
	EXPECT_EQ(version_name(150014), "PostgreSQL 15");
	EXPECT_EQ(version_name(180001), "PostgreSQL 18");
}

TEST(CliAdminGrants, StatementQuotesBothNames) {
	EXPECT_EQ(
	    admin_grant_statement("auto_user", "provisioner"),
	    "GRANT \"auto_user\" TO \"provisioner\" WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;");
	EXPECT_EQ(admin_grant_statement("we\"ird role", "Admin"),
	          "GRANT \"we\"\"ird role\" TO \"Admin\" WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;");
	EXPECT_EQ(quote_ident("o'brien\"; drop role x; --"), "\"o'brien\"\"; drop role x; --\"");
}

TEST(CliAdminGrants, TemplatesAreSeparatedFromLiterals) {
	std::vector<std::string> roles{"b", "team_{{cert.OU}}", "a", "b", "{{cert.CN}}_x", "c{x}"};
	EXPECT_EQ(literal_rule_roles(roles), (std::vector<std::string>{"a", "b", "c{x}"}));
	EXPECT_EQ(template_rule_entries(roles),
	          (std::vector<std::string>{"team_{{cert.OU}}", "{{cert.CN}}_x"}));
}

TEST(CliAdminGrants, Pg15NeedsNoGrant) {
	AdminRoleFacts f = facts_for(150014);
	EXPECT_TRUE(required_admin_option_roles(f).empty());
	auto findings = admin_role_findings(f);
	EXPECT_TRUE(with_status(findings, CheckStatus::kMissing).empty());
	EXPECT_TRUE(with_status(findings, CheckStatus::kSkipped).empty()); // templates don't matter
	bool said_so = false;
	for (const auto &finding : findings)
		said_so = said_so || (finding.check == "admin grants" &&
		                      finding.detail.find("PostgreSQL 15: CREATEROLE alone") == 0);
	EXPECT_TRUE(said_so);
}

TEST(CliAdminGrants, From16TheGroupAndEveryLiteralRoleNeedAdminOption) {
	for (int version : {160000, 170002, 180000}) {
		AdminRoleFacts f = facts_for(version);
		EXPECT_EQ(required_admin_option_roles(f),
		          (std::vector<std::string>{"auto_user", "reader", "writer"}))
		    << version;
		auto missing = with_status(admin_role_findings(f), CheckStatus::kMissing);
		EXPECT_EQ(fixes(missing),
		          (std::vector<std::string>{
		              "GRANT \"auto_user\" TO \"provisioner\" WITH ADMIN OPTION, INHERIT FALSE, "
		              "SET FALSE;",
		              "GRANT \"reader\" TO \"provisioner\" WITH ADMIN OPTION, INHERIT FALSE, SET "
		              "FALSE;",
		              "GRANT \"writer\" TO \"provisioner\" WITH ADMIN OPTION, INHERIT FALSE, SET "
		              "FALSE;"}))
		    << version;
		EXPECT_NE(missing[0].detail.find("lacks ADMIN OPTION on \"auto_user\" (the group role)"),
		          std::string::npos);
		EXPECT_NE(missing[1].detail.find("(named by an enabled rule)"), std::string::npos);
	}
}

TEST(CliAdminGrants, HeldGrantsAreOk) {
	AdminRoleFacts f = facts_for(170002);
	f.admin_option_on = {"auto_user", "reader"};
	auto findings = admin_role_findings(f);
	auto missing = with_status(findings, CheckStatus::kMissing);
	ASSERT_EQ(missing.size(), 1u);
	EXPECT_NE(missing[0].fix.find("GRANT \"writer\""), std::string::npos);
	EXPECT_EQ(with_status(findings, CheckStatus::kOk).size(), 3u); // role + two grants
}

TEST(CliAdminGrants, TemplatesCannotBeCheckedAndSaySo) {
	auto skipped = with_status(admin_role_findings(facts_for(160000)), CheckStatus::kSkipped);
	ASSERT_EQ(skipped.size(), 1u);
	EXPECT_EQ(skipped[0].check, "admin grants (templates)");
	EXPECT_NE(skipped[0].detail.find("team_{{cert.OU}} name roles only known at login and cannot "
	                                 "be checked here"),
	          std::string::npos);
	EXPECT_NE(skipped[0].detail.find("GRANT <role> TO \"provisioner\" WITH ADMIN OPTION"),
	          std::string::npos);
}

TEST(CliAdminGrants, SuperuserNeedsNoGrantButIsWarnedAbout) {
	AdminRoleFacts f = facts_for(170002);
	f.admin_superuser = true;
	EXPECT_TRUE(required_admin_option_roles(f).empty());
	auto findings = admin_role_findings(f);
	EXPECT_TRUE(with_status(findings, CheckStatus::kMissing).empty());
	auto warnings = with_status(findings, CheckStatus::kWarning);
	ASSERT_EQ(warnings.size(), 1u);
	EXPECT_NE(warnings[0].detail.find("is a superuser"), std::string::npos);
	EXPECT_EQ(warnings[0].fix.find("ALTER ROLE \"provisioner\" NOSUPERUSER CREATEROLE"), 0u);

	f.admin_role = ""; // the bootstrap superuser: nothing to warn about, nothing to grant
	findings = admin_role_findings(f);
	EXPECT_TRUE(with_status(findings, CheckStatus::kWarning).empty());
	EXPECT_TRUE(with_status(findings, CheckStatus::kMissing).empty());
}

TEST(CliAdminGrants, MissingOrWeakAdminRole) {
	AdminRoleFacts f = facts_for(160000);
	f.admin_exists = false;
	auto findings = admin_role_findings(f);
	EXPECT_EQ(fixes(with_status(findings, CheckStatus::kMissing)),
	          (std::vector<std::string>{"CREATE ROLE \"provisioner\" LOGIN CREATEROLE"}));
	EXPECT_EQ(with_status(findings, CheckStatus::kSkipped).front().detail,
	          "PostgreSQL 16: the admin role does not exist yet, so its ADMIN OPTION grants "
	          "cannot be checked");

	f = facts_for(150000);
	f.admin_createrole = false;
	EXPECT_EQ(fixes(with_status(admin_role_findings(f), CheckStatus::kMissing)),
	          (std::vector<std::string>{"ALTER ROLE \"provisioner\" CREATEROLE"}));
}

TEST(CliAdminGrants, RoleARuleNamesMustExist) {
	for (int version : {150000, 170000}) {
		AdminRoleFacts f = facts_for(version);
		f.existing_roles.erase("writer");
		auto missing = with_status(admin_role_findings(f), CheckStatus::kMissing);
		bool found = false;
		for (const auto &m : missing) {
			EXPECT_EQ(m.fix.find("GRANT \"writer\""), std::string::npos) << "grant on a ghost";
			found =
			    found || (m.check == "rule roles" &&
			              m.detail == "role \"writer\", named by an enabled rule, does not exist");
		}
		EXPECT_TRUE(found) << version;
	}
}

TEST(CliAdminGrants, UnreadableRulesCheckOnlyTheGroupRole) {
	AdminRoleFacts f = facts_for(160000);
	f.rules_known = false;
	f.rule_roles.clear();
	EXPECT_EQ(required_admin_option_roles(f), (std::vector<std::string>{"auto_user"}));
	auto skipped = with_status(admin_role_findings(f), CheckStatus::kSkipped);
	ASSERT_EQ(skipped.size(), 1u);
	EXPECT_NE(skipped[0].detail.find("only the group role was checked"), std::string::npos);
}

TEST(CliAdminGrants, MissingGroupRoleIsLeftToItsOwnCheck) {
	AdminRoleFacts f = facts_for(160000);
	f.existing_roles.erase("auto_user");
	for (const auto &m : with_status(admin_role_findings(f), CheckStatus::kMissing))
		EXPECT_EQ(m.fix.find("GRANT \"auto_user\""), std::string::npos);
}

} // namespace
