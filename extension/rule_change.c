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
	Oid           role;
	bool          locked; /* another transaction holds the role: try again */
	bool          end_sessions; /* all of them, after the commit */
	pid_t        *end_pids;     /* ... or just these (in into) */
	int           n_end_pids;
	MemoryContext into; /* outlives the transaction */
} RuleChangeWork;

/* Whether two evaluations give the same roles (their lists are sorted). */
static bool
same_set(const AutouserEval *a, const AutouserEval *b)
{
	ListCell *la;
	ListCell *lb;

	if (list_length(a->roles) != list_length(b->roles))
		return false;
	forboth(la, a->roles, lb,
			b->roles) if (strcmp(((AutouserEvalRole *) lfirst(la))->name,
								 ((AutouserEvalRole *) lfirst(lb))->name) !=
						  0) return false;
	return true;
}

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
	pid_t              *pids;
	AutouserRequest    *sessions;
	AutouserEval       *evals;
	int                 n;
	int                 chosen = -1;

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
	n = autouser_sessions_of_role(work->role, &pids, &sessions);
	if (n == 0)
		return; /* its last session ended meanwhile: cleanup's job */
	/*
	 * Each session is judged by what it logged in with (its database and
	 * certificate): the newest one the rules still admit decides the role's
	 * set; a session they no longer admit ends, and so does one that would
	 * now get another set (it would be refused as a login), unless
	 * on_revoke = revoke_only.
	 */
	blob = autouser_rules_read(AUTOUSER_AS_OWNER, false, &len);
	evals = palloc0(sizeof(AutouserEval) * n);
	for (int i = 0; i < n; i++)
	{
		autouser_rules_evaluate(blob, len, name, sessions[i].database,
								sessions[i].attrs, sessions[i].attrs_len,
								&evals[i]);
		if (chosen < 0 && evals[i].result == AUTOUSER_EVAL_MATCH)
			chosen = i;
	}
	work->end_pids = MemoryContextAlloc(work->into, sizeof(pid_t) * n);
	for (int i = 0; i < n && chosen >= 0; i++)
		if (i != chosen &&
			(evals[i].result != AUTOUSER_EVAL_MATCH ||
			 (!same_set(&evals[i], &evals[chosen]) &&
			  autouser_on_revoke == AUTOUSER_ON_REVOKE_TERMINATE)))
			work->end_pids[work->n_end_pids++] = pids[i];
	memcpy(request, &sessions[chosen >= 0 ? chosen : 0],
		   sizeof(AutouserRequest));
	strlcpy(request->identity, name, NAMEDATALEN);
	eval = evals[chosen >= 0 ? chosen : 0];
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
 * transaction holds the role or a lock wait ran out (try again later).  A
 * change that cannot be applied for any other reason (what the rules give
 * can no longer be granted or set, say) must not leave the role holding
 * what the rules took away: its sessions are ended, and cleanup then strips
 * it as after any last session.
 */
bool
autouser_apply_rule_change(Oid role)
{
	RuleChangeWork work = {role, false, false, NULL, 0, CurrentMemoryContext};
	char           failure[AUTOUSER_DETAIL_BYTES];
	int            sqlstate = 0;

	if (!autouser_run_in_transaction(apply_step, &work, failure,
									 sizeof(failure), &sqlstate))
	{
		if (sqlstate == ERRCODE_LOCK_NOT_AVAILABLE ||
			sqlstate == ERRCODE_T_R_DEADLOCK_DETECTED ||
			sqlstate == ERRCODE_T_R_SERIALIZATION_FAILURE ||
			sqlstate == ERRCODE_QUERY_CANCELED)
			return false;
		ereport(LOG,
				(errmsg("pg_autouser could not apply a rule change to role "
						"with OID %u; its sessions are ended",
						role),
				 errdetail("%s", failure)));
		(void) autouser_terminate_sessions(role, AUTOUSER_END_RULE_CHANGE, 0,
										   0);
		return true;
	}
	if (work.locked)
		return false;
	if (work.end_sessions)
		(void) autouser_terminate_sessions(role, AUTOUSER_END_RULE_CHANGE, 0,
										   0);
	else if (work.n_end_pids > 0)
		autouser_terminate_pids(work.end_pids, work.n_end_pids,
								AUTOUSER_END_RULE_CHANGE);
	return true;
}
