/*
 * plan.c -- decides what one login gets (SPEC 5 steps 2-7, SPEC 6) from the
 * rule blob and syscache look-ups of the shared catalogs only, so that it
 * works inside authentication, before a database is selected.  It changes
 * nothing; worker.c carries a plan out.  Never uses is_member_of_role-style
 * caches: they are not refreshed within the login's transaction.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_authid.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/syscache.h"

#include "guc.h"
#include "plan.h"
#include "queue_worker.h"

static Oid
role_oid_by_name(const char *name, bool *can_login)
{
	HeapTuple	tuple = SearchSysCache1(AUTHNAME, CStringGetDatum(name));
	Oid			oid;

	if (!HeapTupleIsValid(tuple))
		return InvalidOid;
	oid = ((Form_pg_authid) GETSTRUCT(tuple))->oid;
	if (can_login)
		*can_login = ((Form_pg_authid) GETSTRUCT(tuple))->rolcanlogin;
	ReleaseSysCache(tuple);
	return oid;
}

Oid
autouser_group_role_oid(void)
{
	return role_oid_by_name(autouser_group_role, NULL);
}

/* Roles that role is a direct member of (pg_auth_members.roleid). */
static List *
direct_parents(Oid role)
{
	CatCList   *members = SearchSysCacheList1(AUTHMEMMEMROLE, ObjectIdGetDatum(role));
	List	   *out = NIL;

	for (int i = 0; i < members->n_members; i++)
	{
		Form_pg_auth_members m = (Form_pg_auth_members) GETSTRUCT(&members->members[i]->tuple);

		out = lappend_oid(out, m->roleid);
	}
	ReleaseSysCacheList(members);
	return out;
}

bool
autouser_role_is_managed(Oid role, Oid group)
{
	return OidIsValid(group) && list_member_oid(direct_parents(role), group);
}

static char *
role_name(Oid role)
{
	HeapTuple	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	char	   *name;

	if (!HeapTupleIsValid(tuple))
		return psprintf("%u", role);
	name = pstrdup(NameStr(((Form_pg_authid) GETSTRUCT(tuple))->rolname));
	ReleaseSysCache(tuple);
	return name;
}

/* Why this one role (not what it inherits) may not be granted, or NULL. */
static const char *
own_forbidden_reason(Oid role, Oid login_role, Oid group)
{
	HeapTuple	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	Form_pg_authid form;
	const char *reason = NULL;

	if (!HeapTupleIsValid(tuple))
		return NULL;
	form = (Form_pg_authid) GETSTRUCT(tuple);
	if (form->rolsuper)
		reason = "has SUPERUSER";
	else if (form->rolreplication)
		reason = "has REPLICATION";
	else if (form->rolbypassrls)
		reason = "has BYPASSRLS";
	else if (form->rolcreaterole)
		reason = "has CREATEROLE";
	else if (role == login_role)
		reason = "is the login role itself";
	else if (role == group)
		reason = "is the pg_autouser group role";
	else if (autouser_forbidden_name(NameStr(form->rolname)))
		reason = "is forbidden by pg_autouser (built-in list, admin role or pg_autouser.forbidden_roles)";
	else if (autouser_role_is_managed(role, group))
		reason = "is another role managed by pg_autouser";
	ReleaseSysCache(tuple);
	return reason;
}

/*
 * Why role may not be granted, directly or through the roles it is a member
 * of (walked breadth-first, each once), or NULL when it may.
 */
const char *
autouser_forbidden_reason(Oid role, Oid login_role)
{
	Oid			group = autouser_group_role_oid();
	List	   *to_visit = list_make1_oid(role);
	List	   *seen = NIL;

	while (to_visit != NIL)
	{
		Oid			current = linitial_oid(to_visit);
		const char *reason;

		to_visit = list_delete_first(to_visit);
		if (list_member_oid(seen, current))
			continue;
		seen = lappend_oid(seen, current);
		reason = own_forbidden_reason(current, login_role, group);
		if (reason && current == role)
			return reason;
		if (reason)
			return psprintf("inherits from role \"%s\", which %s",
							role_name(current), reason);
		to_visit = list_concat(to_visit, direct_parents(current));
	}
	return NULL;
}

/* Steps 4's checks over the evaluated set; fills set oids on success. */
static AutouserSetCheck
check_set(AutouserPlan *plan, List **set_oids)
{
	ListCell   *lc;

	if (plan->eval.result == AUTOUSER_EVAL_INVALID_ROLE)
	{
		plan->bad_role = plan->eval.invalid_role;
		plan->detail = psprintf("A rule template expanded to \"%s\", which cannot be a role name.",
								plan->eval.invalid_role);
		return AUTOUSER_SET_INVALID;
	}
	foreach(lc, plan->eval.roles)
	{
		char	   *name = lfirst(lc);
		Oid			oid = role_oid_by_name(name, NULL);
		const char *reason;

		if (!OidIsValid(oid))
		{
			plan->bad_role = name;
			plan->detail = psprintf("Rule %lld grants role \"%s\", which does not exist.",
									(long long) plan->eval.rule_id, name);
			return AUTOUSER_SET_MISSING;
		}
		reason = autouser_forbidden_reason(oid, plan->role_oid);
		if (reason)
		{
			plan->bad_role = name;
			plan->detail = psprintf("Role \"%s\" %s.", name, reason);
			return AUTOUSER_SET_FORBIDDEN;
		}
		*set_oids = lappend_oid(*set_oids, oid);
	}
	return AUTOUSER_SET_OK;
}

void
autouser_plan_login(const AutouserRequest *request, const char *blob,
					Size blob_len, AutouserPlan *plan)
{
	AutouserEval eval;

	autouser_rules_evaluate(blob, blob_len, request->identity, request->database,
							request->attrs, request->attrs_len, &eval);
	autouser_plan_from_eval(request, &eval, plan);
}

/* The rest of the decision, once the rules have been evaluated. */
void
autouser_plan_from_eval(const AutouserRequest *request, const AutouserEval *eval,
						AutouserPlan *plan)
{
	AutouserFacts facts;
	Oid			group = autouser_group_role_oid();
	bool		can_login = false;
	List	   *set_oids = NIL;
	List	   *current = NIL;
	ListCell   *lc;

	memset(plan, 0, sizeof(AutouserPlan));
	memset(&facts, 0, sizeof(facts));
	plan->eval = *eval;
	if (plan->eval.result == AUTOUSER_EVAL_BROKEN)
	{
		plan->rules_broken = true;
		plan->action = AUTOUSER_ACTION_NONE;
		return;
	}

	plan->role_oid = role_oid_by_name(request->identity, &can_login);
	facts.rules_matched = plan->eval.result != AUTOUSER_EVAL_NO_MATCH;
	facts.role_exists = OidIsValid(plan->role_oid);
	facts.role_can_login = can_login;
	if (facts.role_exists)
	{
		foreach(lc, direct_parents(plan->role_oid))
		{
			if (lfirst_oid(lc) == group && OidIsValid(group))
				facts.role_managed = true;
			else
				current = lappend_oid(current, lfirst_oid(lc));
		}
	}
	if (facts.rules_matched)
		facts.set_check = check_set(plan, &set_oids);
	if (facts.set_check == AUTOUSER_SET_OK)
	{
		foreach(lc, set_oids)
			if (!list_member_oid(current, lfirst_oid(lc)))
				plan->grant = lappend(plan->grant, role_name(lfirst_oid(lc)));
		foreach(lc, current)
			if (!list_member_oid(set_oids, lfirst_oid(lc)))
				plan->revoke = lappend(plan->revoke, role_name(lfirst_oid(lc)));
		facts.set_equal = plan->grant == NIL && plan->revoke == NIL;
	}
	/* Only step 7 asks, and only for an active managed role whose set moved. */
	if (facts.role_managed && facts.role_can_login && facts.set_check == AUTOUSER_SET_OK &&
		!facts.set_equal)
		facts.other_sessions = autouser_count_sessions(plan->role_oid);
	plan->action = autouser_decide(&facts);

	switch (plan->action)
	{
		case AUTOUSER_ACTION_REJECT_UNMANAGED:
			plan->detail = psprintf("The role is not a member of group role \"%s\".",
									autouser_group_role);
			break;
		case AUTOUSER_ACTION_REJECT_NO_RULE:
			plan->detail = pstrdup("No enabled rule matches this identity, database and certificate.");
			break;
		case AUTOUSER_ACTION_REJECT_SET_CHANGED:
			plan->detail = psprintf("The role has %d other session(s); the rules now give it a different role set.",
									facts.other_sessions);
			break;
		default:
			break;
	}
}

/* Raises the rejection a plan stands for: FATAL at login, ERROR in preview. */
void
autouser_report_rejection(int elevel, const char *identity, const char *database,
						  const AutouserPlan *plan)
{
	const char *detail = plan->detail ? plan->detail : "";

	switch (plan->action)
	{
		case AUTOUSER_ACTION_REJECT_UNMANAGED:
			ereport(elevel,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("role \"%s\" exists and is not managed by pg_autouser", identity),
					 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_ACTION_REJECT_NO_RULE:
			ereport(elevel,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("no pg_autouser rule admits role \"%s\" to database \"%s\"",
							identity, database),
					 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_ACTION_REJECT_ROLE_MISSING:
			ereport(elevel,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("role \"%s\" granted by pg_autouser rules does not exist",
							plan->bad_role),
					 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_ACTION_REJECT_ROLE_FORBIDDEN:
			ereport(elevel,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("role \"%s\" may not be granted by pg_autouser", plan->bad_role),
					 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_ACTION_REJECT_ROLE_INVALID:
			ereport(elevel,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("pg_autouser rules give \"%s\", which is not a valid role name",
							plan->bad_role),
					 errdetail_log("%s", detail)));
			break;
		case AUTOUSER_ACTION_REJECT_SET_CHANGED:
			ereport(elevel,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("role \"%s\" has other sessions holding a different role set", identity),
					 errdetail_log("%s", detail),
					 errhint("Close the other sessions of role \"%s\" and connect again.", identity)));
			break;
		default:
			elog(elevel, "pg_autouser: action %d is not a rejection", (int) plan->action);
	}
}
