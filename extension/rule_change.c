/*
 * rule_change.c -- applies a committed change of autouser.rules to one
 * managed role that has sessions (SPEC 7 "Rule changes apply at once"):
 * its set and options are computed again from its newest session's
 * database and certificate subject; added roles are granted, removed ones
 * revoked, options set or cleared (which ends no session), and with
 * pg_autouser.on_revoke = terminate its sessions are ended when a role was
 * removed (an open session may already have used SET ROLE).  When no rule
 * admits it any more, its sessions are ended (or, with revoke_only, it is
 * deactivated at once).  A change that leaves its set and options alone
 * touches nothing.  The cleanup worker calls this for every such role once
 * per change; one role, one transaction.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"

#include "cleanup.h"
#include "events.h"
#include "guc.h"
#include "managed.h"
#include "plan.h"
#include "role_ddl.h"
#include "role_lock.h"
#include "rule_change.h"
#include "rules_cache.h"
#include "terminate.h"
#include "worker_runtime.h"

typedef struct RuleChangeWork
{
	Oid  role;
	bool locked;       /* another transaction holds the role: try again */
	bool end_sessions; /* after the commit */
} RuleChangeWork;

/* on_revoke = revoke_only: strip the role now, its sessions go on. */
static void
deactivate_in_use(Oid role, const char *name, const char *why)
{
	Oid       group = autouser_group_role_oid();
	List     *granted = NIL;
	ListCell *lc;

	foreach(lc, autouser_role_parents(role))
		if (lfirst_oid(lc) != group)
			granted = lappend(granted, autouser_role_name(lfirst_oid(lc)));
	autouser_ddl_deactivate(name, granted);
	autouser_event_record(AUTOUSER_EVENT_DEACTIVATE, name, name, NULL, granted,
						  why, MyProcPid);
}

static void
apply_step(void *arg)
{
	RuleChangeWork     *work = arg;
	char               *name = autouser_role_name(work->role);
	AutouserRequest    *request = palloc0(sizeof(AutouserRequest));
	AutouserRulesOwners owners;
	AutouserEval        eval;
	AutouserDecision    decision;
	AutouserChanges     changes;
	char               *blob;
	Size                len;

	pgstat_report_activity(STATE_RUNNING,
						   "pg_autouser: applying a rule change");
	if (!autouser_extension_exists())
		return;
	if (!autouser_lock_role(name, ExclusiveLock, false))
	{
		work->locked = true;
		return;
	}
	if (autouser_role_is_exempt(work->role) ||
		!autouser_role_is_recorded(work->role))
		return;
	strlcpy(request->identity, name, NAMEDATALEN);
	if (!autouser_sessions_newest(work->role, request))
		return; /* its last session ended meanwhile: cleanup's job */
	blob = autouser_rules_read(AUTOUSER_AS_OWNER, false, &len);
	autouser_rules_evaluate(blob, len, request->identity, request->database,
							request->attrs, request->attrs_len, &eval);
	autouser_rules_owners_now(&owners);
	autouser_plan(request, &eval, &owners, true, &decision, &changes);
	switch (decision.outcome)
	{
		case AUTOUSER_ADMIT:
		case AUTOUSER_REACTIVATE: /* made NOLOGIN by hand: its next login's */
			return;
		case AUTOUSER_UPDATE:
			autouser_ddl_provision(name, AUTOUSER_UPDATE, &changes);
			autouser_event_record(
				AUTOUSER_EVENT_UPDATE, name, name, request->database,
				changes.set, autouser_changes_detail(&changes), MyProcPid);
			work->end_sessions =
				changes.revoke != NIL &&
				autouser_on_revoke == AUTOUSER_ON_REVOKE_TERMINATE;
			return;
		default:
			/* No rule admits it any more, or what they give cannot be granted. */
			if (autouser_on_revoke == AUTOUSER_ON_REVOKE_TERMINATE)
				work->end_sessions = true;
			else
				deactivate_in_use(
					work->role, name,
					"rule change: no rule admits the role any more;"
					" its sessions go on (on_revoke = revoke_only)");
			return;
	}
}

static void
revoke_step(void *arg)
{
	RuleChangeWork *work = arg;
	char           *name = autouser_role_name(work->role);

	pgstat_report_activity(STATE_RUNNING,
						   "pg_autouser: stripping a revoked role");
	if (!autouser_lock_role(name, ExclusiveLock, false))
	{
		work->locked = true;
		return;
	}
	if (!autouser_role_is_exempt(work->role) &&
		autouser_role_is_recorded(work->role))
		deactivate_in_use(
			work->role, name,
			"certificate revoked; its sessions go on (on_revoke = revoke_only)");
}

/*
 * A session's certificate was revoked and on_revoke = revoke_only: the
 * role is stripped and made NOLOGIN at once, its sessions go on.  False
 * when another transaction holds the role (try again later).
 */
bool
autouser_strip_revoked(Oid role)
{
	RuleChangeWork work = {role, false, false};
	char           failure[AUTOUSER_DETAIL_BYTES];

	return autouser_run_in_transaction(revoke_step, &work, failure,
									   sizeof(failure), NULL) &&
		   !work.locked;
}

/*
 * Applies the rules as they are now to role; false when another
 * transaction holds the role (try again later) or the step failed.
 */
bool
autouser_apply_rule_change(Oid role)
{
	RuleChangeWork work = {role, false, false};
	char           failure[AUTOUSER_DETAIL_BYTES];

	if (!autouser_run_in_transaction(apply_step, &work, failure,
									 sizeof(failure), NULL) ||
		work.locked)
		return false;
	if (work.end_sessions)
		(void) autouser_terminate_sessions(role, AUTOUSER_END_RULE_CHANGE, 0,
										   0);
	return true;
}
