// standby_grants.cpp -- doctor's findings on what standbys need of the admin role and of their
// link to the primary, and the GRANT statements server setup runs and doctor prints.  Every name
// in a statement goes through quote_ident.
#include "standby_grants.hpp"

#include "conf_edit.hpp"

namespace pg_autouser::cli {

namespace {

constexpr const char *kStandbyCheck = "standby";
constexpr const char *kLoginCheck = "standby admin login";
constexpr const char *kGrantCheck = "standby grants";
constexpr const char *kLinkCheck = "standby link";

// On a primary, what standbys need is missing once a server replicates from it, and only
// advisable before that.
CheckStatus primary_need(const AdminRoleFacts &facts) {
	return facts.replicas > 0 ? CheckStatus::kMissing : CheckStatus::kWarning;
}

std::string replicas_text(const AdminRoleFacts &facts) {
	if (facts.replicas == 0)
		return "no server replicates from this one yet";
	return std::to_string(facts.replicas) +
	       (facts.replicas == 1 ? " server replicates" : " servers replicate") + " from this one";
}

std::string in_database(const AdminRoleFacts &facts) {
	return "database \"" + facts.rules_database + "\"";
}

// The standby finds the primary's catalog replicated here, but can change nothing: fixes are
// for the primary.
std::string where_to_fix(const AdminRoleFacts &facts) {
	return facts.in_recovery ? "on the primary, in " + in_database(facts) + ": "
	                         : "in " + in_database(facts) + ": ";
}

Finding conninfo_finding(const AdminRoleFacts &facts) {
	if (!facts.primary_conninfo.empty())
		return {CheckStatus::kOk, kStandbyCheck,
		        "this server is a standby and pg_autouser.primary_conninfo is set", ""};
	return {CheckStatus::kMissing, kStandbyCheck,
	        "this server is a standby and pg_autouser.primary_conninfo is not set: first logins "
	        "and reactivations here are refused (57P03)",
	        "set pg_autouser.primary_conninfo in this standby's postgresql.conf to reach the "
	        "primary as the admin role, e.g. 'host=db1,db2 dbname=postgres user=" +
	            (facts.admin_role.empty() ? std::string("postgres") : facts.admin_role) +
	            " target_session_attrs=read-write' (plus its certificate or a passfile entry), "
	            "then reload"};
}

std::vector<Finding> login_findings(const AdminRoleFacts &facts) {
	bool standby = facts.in_recovery;
	if (facts.admin_role.empty())
		return {{CheckStatus::kOk, kLoginCheck,
		         standby ? "the workers reach the primary as the bootstrap superuser, which can "
		                   "log in"
		                 : "standbys log in to this server as the bootstrap superuser, which can "
		                   "log in",
		         ""}};
	if (!facts.admin_exists)
		return {}; // the admin role check reports it
	std::string label = admin_role_label(facts);
	if (facts.admin_login)
		return {{CheckStatus::kOk, kLoginCheck,
		         standby ? label + " can log in to reach the primary"
		                 : label + " can log in, as standbys do to provision through this server",
		         ""}};
	std::string fix =
	    "ALTER ROLE " + quote_ident(facts.admin_role) +
	    " LOGIN (and give it a certificate or a passfile entry for pg_autouser.primary_conninfo)";
	if (standby)
		return {{CheckStatus::kMissing, kLoginCheck,
		         label + " cannot log in, so this standby's workers cannot reach the primary",
		         "on the primary: " + fix}};
	return {{primary_need(facts), kLoginCheck,
	         label + " cannot log in, so standbys cannot provision through this server (" +
	             replicas_text(facts) + ")",
	         fix}};
}

std::vector<Finding> grant_findings(const AdminRoleFacts &facts) {
	CheckStatus need = facts.in_recovery ? CheckStatus::kMissing : primary_need(facts);
	std::string consequence =
	    facts.in_recovery
	        ? "so this standby cannot provision through the primary"
	        : "so standbys cannot provision through this server (" + replicas_text(facts) + ")";
	if (admin_acts_as_superuser(facts))
		return {{CheckStatus::kOk, kGrantCheck,
		         "the workers act as a superuser, which needs no grant to serve standbys", ""}};
	if (!facts.admin_exists)
		return {}; // the admin role check reports it
	if (!facts.extension_exists)
		return {{CheckStatus::kSkipped, kGrantCheck,
		         "pg_autouser is not created in " + in_database(facts) +
		             ", so the grants standbys need cannot be checked",
		         ""}};
	if (!facts.standby_functions_exist)
		return {{need, kGrantCheck,
		         "pg_autouser in " + in_database(facts) +
		             " predates the functions standbys call (" + kProvisionFunction + ", " +
		             kRenewFunction + "), " + consequence,
		         where_to_fix(facts) +
		             "ALTER EXTENSION pg_autouser UPDATE; then run pg_autouser "
		             "server setup --admin-role " +
		             facts.admin_role + " (or doctor) again"}};
	std::vector<std::string> statements = standby_grant_statements(facts);
	std::string label = admin_role_label(facts);
	if (statements.empty())
		return {{CheckStatus::kOk, kGrantCheck,
		         label + " may use schema autouser and call the functions standbys call", ""}};
	std::string lacks;
	if (!facts.admin_schema_usage)
		lacks += "USAGE on schema autouser";
	if (!facts.admin_can_provision)
		lacks += (lacks.empty() ? "" : ", ") + std::string("EXECUTE on ") + kProvisionFunction;
	if (!facts.admin_can_renew)
		lacks += (lacks.empty() ? "" : ", ") + std::string("EXECUTE on ") + kRenewFunction;
	std::string fix = where_to_fix(facts);
	for (std::size_t i = 0; i < statements.size(); ++i)
		fix += (i ? " " : "") + statements[i];
	return {{need, kGrantCheck, label + " lacks " + lacks + ", " + consequence, fix}};
}

} // namespace

std::vector<std::string> standby_grant_statements(const AdminRoleFacts &facts) {
	std::vector<std::string> out;
	if (admin_acts_as_superuser(facts) || !facts.admin_exists || !facts.extension_exists ||
	    !facts.standby_functions_exist)
		return out;
	std::string admin = quote_ident(facts.admin_role);
	if (!facts.admin_schema_usage)
		out.push_back("GRANT USAGE ON SCHEMA autouser TO " + admin + ";");
	std::string functions;
	if (!facts.admin_can_provision)
		functions = kProvisionFunction;
	if (!facts.admin_can_renew)
		functions += (functions.empty() ? "" : ", ") + std::string(kRenewFunction);
	if (!functions.empty())
		out.push_back("GRANT EXECUTE ON FUNCTION " + functions + " TO " + admin + ";");
	return out;
}

std::vector<Finding> standby_findings(const AdminRoleFacts &facts) {
	std::vector<Finding> out;
	if (facts.in_recovery)
		out.push_back(conninfo_finding(facts));
	else
		out.push_back({CheckStatus::kOk, kStandbyCheck,
		               "this server is a primary (pg_autouser.primary_conninfo is used only on "
		               "standbys); " +
		                   replicas_text(facts),
		               ""});
	for (auto &finding : login_findings(facts))
		out.push_back(std::move(finding));
	for (auto &finding : grant_findings(facts))
		out.push_back(std::move(finding));
	return out;
}

std::vector<Finding> primary_link_findings(const PrimaryProbe &probe) {
	if (!probe.connected && probe.unreadable_file)
		return {{CheckStatus::kSkipped, kLinkCheck,
		         "a connection made from pg_autouser.primary_conninfo cannot read a file the "
		         "string names as this operating system user (" +
		             probe.error + "); run doctor as the user the server runs as to check the link",
		         ""}};
	if (!probe.connected)
		return {{CheckStatus::kMissing, kLinkCheck,
		         "a connection made from pg_autouser.primary_conninfo, as this standby's workers "
		         "make it, fails: " +
		             probe.error,
		         "check the hosts, ports and the certificate (or passfile entry) in "
		         "pg_autouser.primary_conninfo, and that the primary's pg_hba.conf lets the "
		         "admin role in from this standby; doctor connects as the operating system user "
		         "it runs as, so run it as the server's"}};
	if (probe.in_recovery)
		return {{CheckStatus::kMissing, kLinkCheck,
		         "pg_autouser.primary_conninfo reaches a standby, not a writable primary",
		         "list every node in pg_autouser.primary_conninfo and add "
		         "target_session_attrs=read-write, e.g. 'host=db1,db2,db3 "
		         "target_session_attrs=read-write ...', then reload"}};
	if (probe.current_user != probe.acts_for)
		return {{CheckStatus::kMissing, kLinkCheck,
		         "pg_autouser.primary_conninfo logs in to the primary as \"" + probe.current_user +
		             "\", but the primary acts for standbys only as \"" + probe.acts_for +
		             "\" (its pg_autouser.admin_role)",
		         "set pg_autouser.admin_role = " + quote_conf_value(probe.acts_for) +
		             " on this standby too (every node carries the same value), then reload"}};
	return {{CheckStatus::kOk, kLinkCheck,
	         "pg_autouser.primary_conninfo reaches a writable primary as \"" + probe.current_user +
	             "\", the role it acts for standbys as",
	         ""}};
}

} // namespace pg_autouser::cli
