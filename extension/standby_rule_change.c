/*
 * standby_rule_change.c -- SPEC 7 "rule changes apply at once" for the
 * sessions a standby holds, whose certificates the primary never sees.
 * When the rules this standby replayed change, every role with sessions
 * here is judged again from its newest session's attributes, under the
 * rules before and after: a set that moved is brought to the new one by
 * asking the primary, as a login would (it grants and revokes, and the
 * standby replays that), and so are options that moved; with pg_autouser.on_revoke = terminate the
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
#include "role_options.h"
#include "rules_cache.h"
#include "sessions.h"
#include "standby_rule_change.h"
#include "terminate.h"
#include "worker_runtime.h"

static char *rules_before = NULL; /* in TopMemoryContext */
static Size  rules_before_len = 0;

typedef struct StandbyJudgement
{
	Oid         role;
	const char *blob;
	Size        len;
	pid_t      *end_pids; /* after the transaction */
	int         n_end_pids;
	/* The session whose set the primary must bring the role to, or NULL. */
	AutouserRequest *ask;
	MemoryContext    into; /* end_pids and ask outlive the transaction */
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

/* Whether every name of a is in b. */
static bool
all_in(List *a, List *b)
{
	ListCell *la;
	ListCell *lb;

	foreach(la, a)
	{
		bool found = false;

		foreach(lb, b)
			found = found || strcmp(lfirst(la), lfirst(lb)) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* Whether role holds the options the rules give it under eval. */
static bool
options_held(Oid role, const AutouserEval *eval)
{
	AutouserRoleOptions given;
	AutouserRoleOptions held;

	autouser_role_options_given(eval->options, &given);
	autouser_role_options_held(role, &held);
	autouser_role_options_target(&given, &held, &given);
	return autouser_role_options_equal(&given, &held);
}

/*
 * In a transaction: each session of the role judged by what it logged in
 * with, under the rules before and after.  A session the rules no longer
 * admit ends; so does one that lost a role, with on_revoke = terminate.
 * The newest session still admitted decides what the role should hold.
 */
static void
judge_step(void *arg)
{
	StandbyJudgement *j = arg;
	char             *name = autouser_role_name(j->role);
	pid_t            *pids;
	AutouserRequest  *sessions;
	int               n = autouser_sessions_of_role(j->role, &pids, &sessions);
	List             *holds = NIL;
	ListCell         *lc;
	Oid               group = autouser_group_role_oid();

	pgstat_report_activity(STATE_RUNNING,
						   "pg_autouser: applying a replayed rule change");
	foreach(lc, autouser_role_parents(j->role))
		if (lfirst_oid(lc) != group)
			holds = lappend(holds, autouser_role_name(lfirst_oid(lc)));
	j->end_pids = MemoryContextAlloc(j->into, sizeof(pid_t) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		AutouserRequest *r = &sessions[i];
		AutouserEval     before;
		AutouserEval     after;
		List            *had;
		List            *gets;

		strlcpy(r->identity, name, NAMEDATALEN);
		autouser_rules_evaluate(rules_before, rules_before_len, name,
								r->database, r->attrs, r->attrs_len, &before);
		autouser_rules_evaluate(j->blob, j->len, name, r->database, r->attrs,
								r->attrs_len, &after);
		had = role_names(&before);
		gets = role_names(&after);
		if (after.result != AUTOUSER_EVAL_MATCH ||
			(!all_in(had, gets) &&
			 autouser_on_revoke == AUTOUSER_ON_REVOKE_TERMINATE))
			j->end_pids[j->n_end_pids++] = pids[i];
		else if (j->ask == NULL &&
				 (!(all_in(gets, holds) && all_in(holds, gets)) ||
				  !options_held(j->role, &after)))
		{
			j->ask = MemoryContextAlloc(j->into, sizeof(AutouserRequest));
			memcpy(j->ask, r, sizeof(AutouserRequest));
		}
	}
}

static void
apply_to_role(Oid role, const char *blob, Size len)
{
	StandbyJudgement j = {
		role, blob, len, NULL, 0, NULL, CurrentMemoryContext};
	AutouserDecision    answer;
	AutouserLinkFailure failure;
	XLogRecPtr          lsn;
	char                error[AUTOUSER_DETAIL_BYTES];

	if (!autouser_run_in_transaction(judge_step, &j, error, sizeof(error),
									 NULL))
		return;
	if (j.n_end_pids > 0)
		autouser_terminate_pids(j.end_pids, j.n_end_pids,
								AUTOUSER_END_RULE_CHANGE);
	if (j.ask != NULL)
	{
		j.ask->deadline = TimestampTzPlusMilliseconds(
			GetCurrentTimestamp(), autouser_provision_timeout);
		if (!autouser_primary_provision(j.ask, j.ask->deadline, &answer, &lsn,
										&failure))
			ereport(
				LOG,
				(errmsg(
					 "pg_autouser could not ask the primary %s to apply a rule change to role \"%s\"",
					 failure.primary, j.ask->identity),
				 errdetail_internal("%s", failure.detail)));
	}
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
