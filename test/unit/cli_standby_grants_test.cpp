// cli_standby_grants_test.cpp -- what standbys need of the admin role and of their link
// (standby_grants): LOGIN and the grants on the primary (a warning until a server replicates from
// it, missing after), the same read on a standby with fixes for the primary, the GRANT
// statements for what is missing only, and the link findings: unreachable, a standby instead of
// the primary, the wrong role, a key this user may not read.
#include "standby_grants.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace pg_autouser::cli;

// A primary with a LOGIN CREATEROLE admin role holding everything standbys need.
AdminRoleFacts ready_primary() {
	AdminRoleFacts f;
	f.server_version = 150000;
	f.admin_role = "provisioner";
	f.admin_exists = true;
	f.admin_createrole = true;
	f.admin_login = true;
	f.group_role = "auto_user";
	f.rules_database = "postgres";
	f.extension_exists = true;
	f.standby_functions_exist = true;
	f.admin_schema_usage = true;
	f.admin_can_provision = true;
	f.admin_can_renew = true;
	return f;
}

const Finding *find_check(const std::vector<Finding> &findings, const std::string &check) {
	for (const auto &f : findings)
		if (f.check == check)
			return &f;
	return nullptr;
}

TEST(CliStandbyGrants, ReadyPrimaryIsAllOk) {
	auto findings = standby_findings(ready_primary());
	ASSERT_EQ(findings.size(), 3u);
	for (const auto &f : findings)
		EXPECT_EQ(f.status, CheckStatus::kOk) << f.check << ": " << f.detail;
	EXPECT_NE(findings[0].detail.find("is a primary"), std::string::npos);
	EXPECT_NE(findings[0].detail.find("no server replicates from this one yet"), std::string::npos);
	EXPECT_TRUE(standby_grant_statements(ready_primary()).empty());
}

TEST(CliStandbyGrants, StatementsGrantOnlyWhatIsMissing) {
	AdminRoleFacts f = ready_primary();
	f.admin_schema_usage = f.admin_can_provision = f.admin_can_renew = false;
	EXPECT_EQ(standby_grant_statements(f),
	          (std::vector<std::string>{
	              "GRANT USAGE ON SCHEMA autouser TO \"provisioner\";",
	              "GRANT EXECUTE ON FUNCTION autouser._provision_for_standby(text, text, text, "
	              "text[]), autouser._renew_leases(text, jsonb) TO \"provisioner\";"}));
	f.admin_schema_usage = f.admin_can_provision = true;
	EXPECT_EQ(standby_grant_statements(f),
	          (std::vector<std::string>{"GRANT EXECUTE ON FUNCTION autouser._renew_leases(text, "
	                                    "jsonb) TO \"provisioner\";"}));
	f.admin_role = "we\"ird";
	EXPECT_EQ(standby_grant_statements(f),
	          (std::vector<std::string>{"GRANT EXECUTE ON FUNCTION autouser._renew_leases(text, "
	                                    "jsonb) TO \"we\"\"ird\";"}));
}

TEST(CliStandbyGrants, NothingToGrantWhereGrantsCannotApply) {
	AdminRoleFacts f = ready_primary();
	f.admin_schema_usage = f.admin_can_provision = f.admin_can_renew = false;
	AdminRoleFacts superuser = f;
	superuser.admin_superuser = true;
	AdminRoleFacts bootstrap = f;
	bootstrap.admin_role = "";
	AdminRoleFacts ghost = f;
	ghost.admin_exists = false;
	AdminRoleFacts no_extension = f;
	no_extension.extension_exists = false;
	AdminRoleFacts old_extension = f;
	old_extension.standby_functions_exist = false;
	for (const auto &facts : {superuser, bootstrap, ghost, no_extension, old_extension})
		EXPECT_TRUE(standby_grant_statements(facts).empty());

	auto of_superuser = standby_findings(superuser);
	EXPECT_EQ(find_check(of_superuser, "standby grants")->status, CheckStatus::kOk);
	EXPECT_EQ(find_check(standby_findings(ghost), "standby grants"), nullptr)
	    << "the admin role check reports a missing role";
	auto of_no_extension = standby_findings(no_extension);
	const Finding *skipped = find_check(of_no_extension, "standby grants");
	ASSERT_NE(skipped, nullptr);
	EXPECT_EQ(skipped->status, CheckStatus::kSkipped);
	EXPECT_NE(skipped->detail.find("not created in database \"postgres\""), std::string::npos);
	auto of_old_extension = standby_findings(old_extension);
	const Finding *old = find_check(of_old_extension, "standby grants");
	ASSERT_NE(old, nullptr);
	EXPECT_EQ(old->status, CheckStatus::kWarning);
	EXPECT_NE(old->fix.find("ALTER EXTENSION pg_autouser UPDATE"), std::string::npos);
}

TEST(CliStandbyGrants, PrimaryGapsWarnUntilAServerReplicates) {
	AdminRoleFacts f = ready_primary();
	f.admin_login = false;
	f.admin_can_provision = false;
	auto findings = standby_findings(f);
	const Finding *login = find_check(findings, "standby admin login");
	const Finding *grants = find_check(findings, "standby grants");
	ASSERT_NE(login, nullptr);
	ASSERT_NE(grants, nullptr);
	EXPECT_EQ(login->status, CheckStatus::kWarning);
	EXPECT_EQ(login->fix.find("ALTER ROLE \"provisioner\" LOGIN"), 0u);
	EXPECT_EQ(grants->status, CheckStatus::kWarning);
	EXPECT_EQ(grants->detail,
	          "admin role \"provisioner\" (pg_autouser.admin_role) lacks EXECUTE on "
	          "autouser._provision_for_standby(text, text, text, text[]), so standbys cannot "
	          "provision through this server (no server replicates from this one yet)");
	EXPECT_EQ(grants->fix, "in database \"postgres\": GRANT EXECUTE ON FUNCTION "
	                       "autouser._provision_for_standby(text, text, text, text[]) TO "
	                       "\"provisioner\";");

	f.replicas = 2;
	findings = standby_findings(f);
	EXPECT_EQ(find_check(findings, "standby admin login")->status, CheckStatus::kMissing);
	EXPECT_EQ(find_check(findings, "standby grants")->status, CheckStatus::kMissing);
	EXPECT_NE(find_check(findings, "standby grants")->detail.find("(2 servers replicate"),
	          std::string::npos);
}

TEST(CliStandbyGrants, StandbyNeedsPrimaryConninfoALoginAdminAndTheGrants) {
	AdminRoleFacts f = ready_primary();
	f.in_recovery = true;
	f.admin_login = false;
	f.admin_schema_usage = false;
	auto findings = standby_findings(f);
	std::vector<Finding> missing;
	for (const auto &finding : findings)
		if (finding.status == CheckStatus::kMissing)
			missing.push_back(finding);
	ASSERT_EQ(missing.size(), 3u);
	EXPECT_NE(missing[0].detail.find("pg_autouser.primary_conninfo is not set"), std::string::npos);
	EXPECT_NE(missing[0].fix.find("user=provisioner target_session_attrs=read-write"),
	          std::string::npos);
	EXPECT_EQ(missing[1].fix.find("on the primary: ALTER ROLE \"provisioner\" LOGIN"), 0u);
	EXPECT_EQ(missing[2].fix, "on the primary, in database \"postgres\": GRANT USAGE ON SCHEMA "
	                          "autouser TO \"provisioner\";");

	f.primary_conninfo = "host=db1,db2 user=provisioner target_session_attrs=read-write";
	f.admin_login = true;
	f.admin_schema_usage = true;
	findings = standby_findings(f);
	EXPECT_EQ(findings.size(), 3u);
	for (const auto &finding : findings)
		EXPECT_EQ(finding.status, CheckStatus::kOk) << finding.check;

	f.admin_role = ""; // bootstrap superuser: it can log in and needs no grant
	for (const auto &finding : standby_findings(f))
		EXPECT_EQ(finding.status, CheckStatus::kOk) << finding.check;
}

TEST(CliStandbyGrants, LinkFindings) {
	PrimaryProbe probe;
	probe.connected = true;
	probe.current_user = probe.acts_for = "provisioner";
	auto ok = primary_link_findings(probe);
	ASSERT_EQ(ok.size(), 1u);
	EXPECT_EQ(ok[0].status, CheckStatus::kOk);
	EXPECT_EQ(ok[0].check, "standby link");

	PrimaryProbe standby = probe;
	standby.in_recovery = true;
	auto f = primary_link_findings(standby);
	EXPECT_EQ(f[0].status, CheckStatus::kMissing);
	EXPECT_NE(f[0].fix.find("target_session_attrs=read-write"), std::string::npos);

	PrimaryProbe other = probe;
	other.acts_for = "it's";
	f = primary_link_findings(other);
	EXPECT_EQ(f[0].status, CheckStatus::kMissing);
	EXPECT_EQ(f[0].fix.find("set pg_autouser.admin_role = 'it''s' on this standby"), 0u);

	PrimaryProbe down;
	down.error = "connection to server at \"127.0.0.1\", port 1 failed: Connection refused";
	f = primary_link_findings(down);
	EXPECT_EQ(f[0].status, CheckStatus::kMissing);
	EXPECT_NE(f[0].detail.find("Connection refused"), std::string::npos);

	PrimaryProbe unreadable = down;
	unreadable.unreadable_file = true;
	EXPECT_EQ(primary_link_findings(unreadable)[0].status, CheckStatus::kSkipped);
}

} // namespace
