/*
 * report.c -- words every decision: refusals (28000) and logins that cannot
 * be provisioned now (57P03), FATAL at login and ERROR in preview.  The
 * client gets the message SPEC 5 fixes; rule ids, worker errors and the
 * reasons behind a forbidden role go to errdetail_log, the server log only.
 * Each message is one whole sentence with a literal format.  Decides
 * nothing.
 */
#include "postgres.h"

#include "guc.h"
#include "report.h"
#include "core_bridge.h"

/* Why decision->bad_role may not be granted, as a whole sentence. */
char *
autouser_forbidden_detail(const AutouserDecision *d)
{
	const char *role = d->bad_role;
	const char *via = d->via_role;

	if (via[0] == '\0')
	{
		switch ((AutouserForbiddenReason) d->reason)
		{
			case AUTOUSER_FORBIDDEN_SUPERUSER:
				return psprintf("Role \"%s\" has SUPERUSER.", role);
			case AUTOUSER_FORBIDDEN_REPLICATION:
				return psprintf("Role \"%s\" has REPLICATION.", role);
			case AUTOUSER_FORBIDDEN_BYPASSRLS:
				return psprintf("Role \"%s\" has BYPASSRLS.", role);
			case AUTOUSER_FORBIDDEN_CREATEROLE:
				return psprintf("Role \"%s\" has CREATEROLE.", role);
			case AUTOUSER_FORBIDDEN_BUILTIN:
				return psprintf(
					"Role \"%s\" gives access to the server's files or programs, or write access to every table.",
					role);
			case AUTOUSER_FORBIDDEN_GROUP:
				return psprintf("Role \"%s\" is the pg_autouser group role.",
								role);
			case AUTOUSER_FORBIDDEN_ADMIN:
				return psprintf("Role \"%s\" is pg_autouser.admin_role.",
								role);
			case AUTOUSER_FORBIDDEN_MANAGED:
				return psprintf(
					"Role \"%s\" is another role managed by pg_autouser.",
					role);
			case AUTOUSER_FORBIDDEN_SELF:
				return psprintf("Role \"%s\" is the login role itself.", role);
			case AUTOUSER_FORBIDDEN_DB_OWNER:
				return psprintf("Role \"%s\" owns pg_autouser.database.",
								role);
			case AUTOUSER_FORBIDDEN_EXT_OWNER:
				return psprintf("Role \"%s\" owns the pg_autouser extension.",
								role);
			case AUTOUSER_FORBIDDEN_WRITES_RULES:
				return psprintf("Role \"%s\" may change autouser.rules.",
								role);
			case AUTOUSER_FORBIDDEN_LISTED:
				return psprintf(
					"Role \"%s\" is listed in pg_autouser.forbidden_roles.",
					role);
			case AUTOUSER_FORBIDDEN_TEMPLATE_PREDEFINED:
				return psprintf(
					"Certificate text named role \"%s\", a predefined role; only a rule naming it literally may grant it.",
					role);
			case AUTOUSER_FORBIDDEN_TEMPLATE_LOGIN:
				return psprintf(
					"Certificate text named role \"%s\", which can log in; templates may name only group roles.",
					role);
			case AUTOUSER_FORBIDDEN_NONE:
				break;
		}
		return psprintf("Role \"%s\" may not be granted.", role);
	}
	switch ((AutouserForbiddenReason) d->reason)
	{
		case AUTOUSER_FORBIDDEN_SUPERUSER:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which has SUPERUSER.",
				role, via);
		case AUTOUSER_FORBIDDEN_REPLICATION:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which has REPLICATION.",
				role, via);
		case AUTOUSER_FORBIDDEN_BYPASSRLS:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which has BYPASSRLS.",
				role, via);
		case AUTOUSER_FORBIDDEN_CREATEROLE:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which has CREATEROLE.",
				role, via);
		case AUTOUSER_FORBIDDEN_BUILTIN:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which gives access to the server's files or programs, or write access to every table.",
				role, via);
		case AUTOUSER_FORBIDDEN_GROUP:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", the pg_autouser group role.",
				role, via);
		case AUTOUSER_FORBIDDEN_ADMIN:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which is pg_autouser.admin_role.",
				role, via);
		case AUTOUSER_FORBIDDEN_MANAGED:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", another role managed by pg_autouser.",
				role, via);
		case AUTOUSER_FORBIDDEN_SELF:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", the login role itself.",
				role, via);
		case AUTOUSER_FORBIDDEN_DB_OWNER:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which owns pg_autouser.database.",
				role, via);
		case AUTOUSER_FORBIDDEN_EXT_OWNER:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which owns the pg_autouser extension.",
				role, via);
		case AUTOUSER_FORBIDDEN_WRITES_RULES:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which may change autouser.rules.",
				role, via);
		case AUTOUSER_FORBIDDEN_LISTED:
			return psprintf(
				"Role \"%s\" inherits from role \"%s\", which is listed in pg_autouser.forbidden_roles.",
				role, via);
		default:
			break;
	}
	return psprintf(
		"Role \"%s\" inherits from role \"%s\", which may not be granted.",
		role, via);
}

/* What the server log (and the audit trail) says about a decision. */
char *
autouser_decision_detail(const AutouserRequest  *request,
						 const AutouserDecision *d)
{
	switch (d->outcome)
	{
		case AUTOUSER_REJECT_UNMANAGED:
			return psprintf("The role is not a member of group role \"%s\".",
							autouser_group_role);
		case AUTOUSER_REJECT_NO_RULE:
			return pstrdup(
				"No enabled rule matches this identity, database and certificate.");
		case AUTOUSER_REJECT_ROLE_MISSING:
			return psprintf(
				"The rules matching this login (the first is rule %lld) grant role \"%s\", which does not exist.",
				(long long) d->rule_id, d->bad_role);
		case AUTOUSER_REJECT_ROLE_FORBIDDEN:
			return autouser_forbidden_detail(d);
		case AUTOUSER_REJECT_ROLE_INVALID:
			return psprintf(
				"A rule template expanded to \"%s\", which cannot be a role name.",
				d->bad_role);
		case AUTOUSER_REJECT_SET_CHANGED:
			return psprintf(
				"The role has %d other session(s) logged in with another certificate subject or to another database, for which the rules give a different role set or different role options.",
				d->other_sessions);
		case AUTOUSER_REJECT_SUBJECT_UNREADABLE:
			return psprintf(
				"The subject is over %d bytes, holds a value that is not text, or has a common name whose text differs from the bytes PostgreSQL matched against the user name.",
				AUTOUSER_ATTRS_BYTES);
		case AUTOUSER_REJECT_AMBIGUOUS_CN:
			return pstrdup(
				"The subject has more than one CN attribute, or a CN in a multi-valued RDN.");
		case AUTOUSER_UNAVAILABLE_TIMEOUT:
			return psprintf("No pg_autouser worker answered within %d ms.",
							autouser_provision_timeout);
		case AUTOUSER_UNAVAILABLE_BUSY:
			return d->detail[0] != '\0' ? pstrdup(d->detail) : NULL;
		case AUTOUSER_UNAVAILABLE_FAILED:
		case AUTOUSER_UNAVAILABLE_PRIMARY:
		case AUTOUSER_UNAVAILABLE_LAG:
			return pstrdup(d->detail);
		default:
			break;
	}
	return NULL;
}

/*
 * A CN that cannot be a role name: 28000 at login, 22023 for a bad argument
 * of preview.  Never truncated into a role.
 */
void
autouser_report_identity(int elevel, int sqlstate,
						 AutouserIdentityProblem problem, const char *cn)
{
	switch (problem)
	{
		case AUTOUSER_IDENTITY_OK:
			return;
		case AUTOUSER_IDENTITY_EMPTY:
			ereport(
				elevel,
				(errcode(sqlstate),
				 errmsg(
					 "certificate common name is empty and cannot be a role name")));
			break;
		case AUTOUSER_IDENTITY_TOO_LONG:
			ereport(
				elevel,
				(errcode(sqlstate),
				 errmsg(
					 "certificate common name is longer than 63 bytes and cannot be a role name"),
				 errdetail_log("Certificate CN \"%s\" has %zu bytes.", cn,
							   strlen(cn))));
			break;
		case AUTOUSER_IDENTITY_CONTROL_CHAR:
			ereport(
				elevel,
				(errcode(sqlstate),
				 errmsg(
					 "certificate common name contains control characters and cannot be a role name")));
			break;
		case AUTOUSER_IDENTITY_BAD_UTF8:
			ereport(
				elevel,
				(errcode(sqlstate),
				 errmsg(
					 "certificate common name is not valid UTF-8 and cannot be a role name")));
			break;
		case AUTOUSER_IDENTITY_RESERVED:
			ereport(
				elevel,
				(errcode(sqlstate),
				 errmsg(
					 "certificate common name starts with the reserved prefix \"pg_\" and cannot be a role name"),
				 errdetail_log("Certificate CN \"%s\".", cn)));
			break;
		case AUTOUSER_IDENTITY_RESERVED_NAME:
			ereport(
				elevel,
				(errcode(sqlstate),
				 errmsg(
					 "certificate common name is a name PostgreSQL reserves and cannot be a role name"),
				 errdetail_log("Certificate CN \"%s\".", cn)));
			break;
	}
}

static void
report_unavailable(int elevel, const AutouserRequest *request,
				   const AutouserDecision *d, const char *detail)
{
	const char *identity = request->identity;

	switch (d->outcome)
	{
		case AUTOUSER_UNAVAILABLE_NO_WORKERS:
			ereport(
				elevel,
				(errcode(ERRCODE_CANNOT_CONNECT_NOW),
				 errmsg("cannot provision role \"%s\" now", identity),
				 errhint(
					 "The pg_autouser workers are not running; see the server log.")));
			break;
		case AUTOUSER_UNAVAILABLE_NO_DATABASE:
			ereport(
				elevel,
				(errcode(ERRCODE_CANNOT_CONNECT_NOW),
				 errmsg("cannot provision role \"%s\" now", identity),
				 errhint(
					 "The pg_autouser workers cannot connect to database \"%s\" (pg_autouser.database).",
					 autouser_database)));
			break;
		case AUTOUSER_UNAVAILABLE_NO_EXTENSION:
			ereport(
				elevel,
				(errcode(ERRCODE_CANNOT_CONNECT_NOW),
				 errmsg("cannot provision role \"%s\" now", identity),
				 errhint(
					 "Run CREATE EXTENSION pg_autouser in database \"%s\".",
					 autouser_database)));
			break;
		case AUTOUSER_UNAVAILABLE_STANDBY:
			ereport(
				elevel,
				(errcode(ERRCODE_CANNOT_CONNECT_NOW),
				 errmsg("cannot provision role \"%s\" now", identity),
				 errhint(
					 "This server is a standby and pg_autouser.primary_conninfo is not set; connect to the primary once to be provisioned.")));
			break;
		case AUTOUSER_UNAVAILABLE_PRIMARY:
			ereport(
				elevel,
				(errcode(ERRCODE_CANNOT_CONNECT_NOW),
				 errmsg("cannot provision role \"%s\" now", identity),
				 errdetail_log("%s", detail),
				 errhint(
					 "This server is a standby and cannot reach its primary %s through pg_autouser.primary_conninfo.",
					 d->primary)));
			break;
		case AUTOUSER_UNAVAILABLE_LAG:
			ereport(
				elevel,
				(errcode(ERRCODE_CANNOT_CONNECT_NOW),
				 errmsg("cannot provision role \"%s\" now", identity),
				 errdetail_log("%s", detail),
				 errhint(
					 "The primary provisioned the role, but this standby did not replay it within pg_autouser.provision_timeout; try again.")));
			break;
		case AUTOUSER_UNAVAILABLE_TIMEOUT:
			ereport(
				elevel,
				(errcode(ERRCODE_CANNOT_CONNECT_NOW),
				 errmsg("cannot provision role \"%s\" now", identity),
				 errdetail_log("%s", detail),
				 errhint(
					 "Provisioning did not finish within pg_autouser.provision_timeout; try again.")));
			break;
		case AUTOUSER_UNAVAILABLE_BUSY:
			ereport(
				elevel,
				(errcode(ERRCODE_CANNOT_CONNECT_NOW),
				 errmsg("cannot provision role \"%s\" now", identity),
				 detail ? errdetail_log("%s", detail) : 0,
				 errhint(
					 "Another transaction holds role \"%s\" locked; try again.",
					 identity)));
			break;
		default:
			ereport(
				elevel,
				(errcode(ERRCODE_CANNOT_CONNECT_NOW),
				 errmsg("cannot provision role \"%s\" now", identity),
				 detail ? errdetail_log("%s", detail) : 0,
				 errhint("Provisioning failed; the server log says why.")));
			break;
	}
}

/*
 * Raises the refusal or unavailability a decision stands for (FATAL at
 * login, ERROR in preview).  Returns for any other outcome.
 */
void
autouser_report(int elevel, const AutouserRequest *request,
				const AutouserDecision *d)
{
	const char *identity = request->identity;
	char       *detail = autouser_decision_detail(request, d);

	switch (d->outcome)
	{
		case AUTOUSER_REJECT_UNMANAGED:
			ereport(
				elevel,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("role \"%s\" exists and is not managed by pg_autouser",
						identity),
				 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_REJECT_NO_RULE:
			ereport(
				elevel,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg(
					 "no pg_autouser rule admits role \"%s\" to database \"%s\"",
					 identity, request->database),
				 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_REJECT_ROLE_MISSING:
			ereport(
				elevel,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg(
					 "role \"%s\" granted by pg_autouser rules does not exist",
					 d->bad_role),
				 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_REJECT_ROLE_FORBIDDEN:
			ereport(elevel,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("role \"%s\" may not be granted by pg_autouser",
							d->bad_role),
					 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_REJECT_ROLE_INVALID:
			ereport(
				elevel,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg(
					 "pg_autouser rules give \"%s\", which is not a valid role name",
					 d->bad_role),
				 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_REJECT_SET_CHANGED:
			ereport(
				elevel,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg(
					 "role \"%s\" has other sessions holding a different role set",
					 identity),
				 errdetail_log("%s", detail),
				 errhint(
					 "Close the other sessions of role \"%s\" and connect again.",
					 identity)));
			break;
		case AUTOUSER_REJECT_SUBJECT_UNREADABLE:
			ereport(
				elevel,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg(
					 "certificate subject of \"%s\" cannot be read by pg_autouser",
					 identity),
				 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_REJECT_AMBIGUOUS_CN:
			ereport(
				elevel,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("certificate of \"%s\" has more than one common name",
						identity),
				 errdetail_log("%s", detail)));
			break;
		default:
			if (AutouserOutcomeIsUnavailable(d->outcome))
				report_unavailable(elevel, request, d, detail);
			break;
	}
}
