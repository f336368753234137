/*
 * standby_rule_change.c -- SPEC 7 "rule changes apply at once" for the
 * sessions a standby holds, whose certificates the primary never sees.
 * When the rules this standby replayed change, every role with sessions
 * here is judged again from its newest session's attributes, under the
 * rules before and after: a set that moved is brought to the new one by
 * asking the primary, as a login would (it grants and revokes, and the
 * standby replays that); with pg_autouser.on_revoke = terminate the
 * sessions end when anything was taken away, and in any case when no rule
 * admits the role any more (the primary then cleans it once the standby
 * reports them gone).  Run by the standby's cleanup worker.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "utils/memutils.h"

#include "core_bridge.h"
#include "guc.h"
#include "plan.h"
#include "primary_link.h"
#include "rules_cache.h"
#include "sessions.h"
#include "standby_rule_change.h"
#include "terminate.h"
#include "worker_runtime.h"

static char *rules_before = NULL; /* in TopMemoryContext */
static Size  rules_before_len = 0;

typedef struct StandbyJudgement
{
	Oid  role;
	bool end_sessions; /* after the transaction */
	bool ask_primary;  /* its memberships differ from what the rules give */
	AutouserRequest *newest;
	const char      *blob;
	Size             len;
} StandbyJudgement;

static List *
role_names(const AutouserEval *eval)
{
	List     *names = NIL;
	ListCell *lc;

	if (eval->result != AUTOUSER_EVAL_MATCH)
		return NIL;
	foreach(lc, eval->roles)
		names = lappend(names, ((AutouserEvalRole *) lfirst(lc))->name);
	return names;
}

static bool
contains_name(List *names, const char *name)
{
	ListCell *lc;

	foreach(lc, names)
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	return false;
}

/* In a transaction: what the rules before and after give this role. */
static void
judge_step(void *arg)
{
	StandbyJudgement *j = arg;
	AutouserRequest  *r = j->newest;
	AutouserEval      before;
	AutouserEval      after;
	List             *had;
	List             *gets;
	List             *holds = NIL;
	ListCell         *lc;
	Oid               group = autouser_group_role_oid();

	pgstat_report_activity(STATE_RUNNING,
						   "pg_autouser: applying a replayed rule change");
	strlcpy(r->identity, autouser_role_name(j->role), NAMEDATALEN);
	autouser_rules_evaluate(rules_before, rules_before_len, r->identity,
							r->database, r->attrs, r->attrs_len, &before);
	autouser_rules_evaluate(j->blob, j->len, r->identity, r->database,
							r->attrs, r->attrs_len, &after);
	had = role_names(&before);
	gets = role_names(&after);
	if (after.result != AUTOUSER_EVAL_MATCH)
	{
		j->end_sessions = true;
		return;
	}
	foreach(lc, had)
		if (!contains_name(gets, lfirst(lc)) &&
			autouser_on_revoke == AUTOUSER_ON_REVOKE_TERMINATE)
			j->end_sessions = true;
	foreach(lc, autouser_role_parents(j->role))
		if (lfirst_oid(lc) != group)
			holds = lappend(holds, autouser_role_name(lfirst_oid(lc)));
	foreach(lc, gets)
		if (!contains_name(holds, lfirst(lc)))
			j->ask_primary = true;
	foreach(lc, holds)
		if (!contains_name(gets, lfirst(lc)))
			j->ask_primary = true;
}

static void
apply_to_role(Oid role, const char *blob, Size len)
{
	StandbyJudgement    j = {role, false, false, NULL, blob, len};
	AutouserDecision    answer;
	AutouserLinkFailure failure;
	XLogRecPtr          lsn;
	char                error[AUTOUSER_DETAIL_BYTES];

	j.newest = palloc0(sizeof(AutouserRequest));
	if (!autouser_sessions_newest(role, j.newest) ||
		!autouser_run_in_transaction(judge_step, &j, error, sizeof(error),
									 NULL))
		return;
	if (j.ask_primary && !j.end_sessions)
	{
		j.newest->deadline = TimestampTzPlusMilliseconds(
			GetCurrentTimestamp(), autouser_provision_timeout);
		if (!autouser_primary_provision(j.newest, j.newest->deadline, &answer,
										&lsn, &failure))
			ereport(
				LOG,
				(errmsg(
					 "pg_autouser could not ask the primary %s to apply a rule change to role \"%s\"",
					 failure.primary, j.newest->identity),
				 errdetail_internal("%s", failure.detail)));
	}
	if (j.end_sessions)
		(void) autouser_terminate_sessions(role, AUTOUSER_END_RULE_CHANGE, 0,
										   0);
}

/*
 * Looks whether the published rules changed since the last call, and if so
 * applies the change to every role with sessions here.
 */
void
autouser_standby_apply_rule_change(void)
{
	Size      len;
	char     *blob = autouser_rules_copy_published(TopMemoryContext, &len);
	ListCell *lc;

	if (blob == NULL)
		return;
	if (rules_before != NULL && len == rules_before_len &&
		memcmp(blob, rules_before, len) == 0)
	{
		pfree(blob);
		return;
	}
	if (rules_before != NULL)
		foreach(lc, autouser_sessions_roles())
			apply_to_role(lfirst_oid(lc), blob, len);
	if (rules_before != NULL)
		pfree(rules_before);
	rules_before = blob;
	rules_before_len = len;
	pgstat_report_activity(STATE_IDLE, NULL);
}
