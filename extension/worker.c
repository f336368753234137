/*
 * worker.c -- the provisioning worker (bgw_type "pg_autouser worker"):
 * keeps the published rules current, and answers login requests, each in
 * its own transaction: take the role's lock (or put the request back for
 * later if another transaction holds it), decide again from the committed
 * catalogs and rules, CREATE or ALTER/GRANT/REVOKE as pg_autouser.admin_role,
 * count the waiting logins as sessions, commit, then wake them.  A statement
 * that finds another transaction's lock gives up after one short try and the
 * request goes back, retried with back-off while the worker serves others,
 * until it has been blocked for pg_autouser.lock_timeout: then the login is
 * told its role is locked.  One failing request is answered with a failure
 * and never ends the worker.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "events.h"
#include "forward.h"
#include "guc.h"
#include "leases.h"
#include "plan.h"
#include "queue.h"
#include "report.h"
#include "role_ddl.h"
#include "role_lock.h"
#include "rules_cache.h"
#include "run_as.h"
#include "schema_trust.h"
#include "sessions.h"
#include "terminate.h"
#include "worker.h"
#include "worker_runtime.h"
#include "workers.h"

/* A request whose role is locked by another transaction is tried again after this. */
#define AUTOUSER_RETRY_LOCKED_MS 50
/* ... and, blocked by a statement's lock, after half its time blocked, up to this. */
#define AUTOUSER_RETRY_LOCKED_MAX_MS 1000
/* A standby replays rule changes it is not told about: look this often. */
#define AUTOUSER_STANDBY_RELOAD_MS 1000
/* A primary counts every change; this only catches owners changing. */
#define AUTOUSER_PRIMARY_RELOAD_MS 60000

static int my_index = -1;

/*
 * Reads and publishes the rules if a change was counted since they were
 * published (or force).  The change count is read before the rules are:
 * every change it counts is visible to the read.  In a transaction.
 */
AutouserRulesState
autouser_refresh_rules(bool force)
{
	uint64              changes = autouser_rules_change_count();
	bool                stale;
	AutouserRulesState  state = autouser_rules_published_state(&stale);
	AutouserRulesOwners owners;
	char               *blob;
	Size                len;

	if (!force && !stale && state != AUTOUSER_RULES_UNKNOWN)
		return state;
	if (!autouser_extension_exists())
	{
		AutouserSchemaState why = autouser_schema_state(NULL);

		autouser_rules_publish(AUTOUSER_RULES_NO_EXTENSION, NULL, 0, NULL,
							   changes);
		/* Not created, or its schema is not its own (schema_trust.c). */
		if (autouser_rules_log_inert_once((int) why))
			autouser_schema_log_inert(why);
		return AUTOUSER_RULES_NO_EXTENSION;
	}
	autouser_rules_owners_now(&owners);
	blob = autouser_rules_read(AUTOUSER_AS_OWNER, false, &len);
	autouser_rules_publish(AUTOUSER_RULES_LOADED, blob, len, &owners, changes);
	return len > AUTOUSER_RULES_BYTES ? AUTOUSER_RULES_TOO_BIG
									  : AUTOUSER_RULES_LOADED;
}

static AutouserEventAction
provision_event(AutouserOutcome outcome)
{
	switch (outcome)
	{
		case AUTOUSER_CREATE:
			return AUTOUSER_EVENT_CREATE;
		case AUTOUSER_UPDATE:
			return AUTOUSER_EVENT_UPDATE;
		default:
			break;
	}
	return AUTOUSER_EVENT_REACTIVATE;
}

typedef struct ProvisionWork
{
	AutouserClaim   *claim;
	AutouserDecision answer;
	bool             deferred;      /* the role was locked: try again later */
	TimestampTz      blocked_since; /* a statement found a lock first, or 0 */
	bool             nobody_waits;  /* provisioned, but every login gave up */
	bool             forward; /* a standby's: the primary provisions it */
	bool end_others;     /* the rules took roles from sessions already open */
	TimestampTz started; /* sessions older than this are the others */
} ProvisionWork;

/* The rules for this request, current as of the role's lock. */
static void
evaluate(const AutouserRequest *request, AutouserEval *eval,
		 AutouserRulesOwners *owners)
{
	AutouserRulesState state;
	Size               len;
	char              *blob;

	if (autouser_refresh_rules(false) != AUTOUSER_RULES_TOO_BIG &&
		autouser_rules_evaluate_published(request, eval, owners, &state))
		return;
	/* Too big to publish, or changed again meanwhile: read them here. */
	autouser_rules_owners_now(owners);
	blob = autouser_rules_read(AUTOUSER_AS_OWNER, false, &len);
	autouser_rules_evaluate(blob, len, request->identity, request->database,
							request->attrs, request->attrs_len, eval);
}

static void
provision_step(void *arg)
{
	ProvisionWork         *work = arg;
	const AutouserRequest *request = &work->claim->request;
	AutouserDecision      *answer = &work->answer;
	AutouserEval           eval;
	AutouserRulesOwners    owners;
	AutouserChanges        changes;

	pgstat_report_activity(STATE_RUNNING, "pg_autouser: provisioning a login");
	/* Never wait for the role: other identities' logins must not wait behind it. */
	if (!autouser_lock_role(request->identity, ExclusiveLock, false))
	{
		work->deferred = true;
		return;
	}
	if (!autouser_extension_exists())
	{
		(void) autouser_refresh_rules(false);
		answer->outcome = AUTOUSER_UNAVAILABLE_NO_EXTENSION;
		return;
	}
	/*
	 * Authentication comes before the database is looked up: a login to a
	 * database that does not exist gets nothing from us, and PostgreSQL
	 * refuses it right after.
	 */
	if (!OidIsValid(get_database_oid(request->database, true)))
	{
		answer->outcome = AUTOUSER_NONE;
		return;
	}
	evaluate(request, &eval, &owners);
	if (eval.result == AUTOUSER_EVAL_BROKEN)
	{
		answer->outcome = AUTOUSER_UNAVAILABLE_FAILED;
		strlcpy(answer->detail, "The rules could not be decoded.",
				AUTOUSER_DETAIL_BYTES);
		return;
	}
	autouser_plan(request, &eval, &owners, true, answer, &changes);
	if (AutouserOutcomeIsReject(answer->outcome))
	{
		autouser_event_queue(AUTOUSER_EVENT_REJECT, request->identity,
							 request->database,
							 autouser_decision_detail(request, answer), NULL);
		return;
	}
	if (answer->outcome == AUTOUSER_NONE)
		return;
	if (AutouserOutcomeNeedsWrite(answer->outcome))
	{
		if (RecoveryInProgress())
		{
			if (autouser_primary_conninfo[0] == '\0')
				answer->outcome = AUTOUSER_UNAVAILABLE_STANDBY;
			else
				work->forward = true; /* after this transaction */
			return;
		}
		autouser_ddl_provision(request->identity, answer->outcome, &changes);
		answer->role = get_role_oid(request->identity, false);
		autouser_event_record(
			provision_event(answer->outcome), request->identity,
			request->identity, request->database, changes.set,
			autouser_changes_detail(&changes), work->claim->login_pid);
		autouser_user_state_login(request->identity,
								  answer->outcome == AUTOUSER_CREATE,
								  &request->cert, GetCurrentTimestamp());
		/* The other sessions may hold what was revoked (SET ROLE): end them. */
		work->end_others = answer->outcome == AUTOUSER_UPDATE &&
						   changes.revoke != NIL &&
						   autouser_on_revoke == AUTOUSER_ON_REVOKE_TERMINATE;
	}
	/* Asked by a standby: its login is in use here until the standby reports. */
	if (request->node[0] != '\0')
		autouser_lease_take(request->node, request->identity);
	/* Counted before commit, under the role's lock: no cleanup can undo it. */
	work->nobody_waits =
		autouser_queue_count_claim(work->claim, answer->role) == 0;
}

/*
 * A statement of the provisioning found another transaction's lock: put it
 * back, or, blocked for pg_autouser.lock_timeout by now, tell the login.
 */
static void
blocked(ProvisionWork *work, const char *failure)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz since =
		work->claim->blocked_since != 0 ? work->claim->blocked_since : now;
	long waited = (long) TimestampDifferenceMilliseconds(since, now);

	work->blocked_since = since;
	if (waited < autouser_lock_timeout)
	{
		work->deferred = true;
		return;
	}
	work->answer.outcome = AUTOUSER_UNAVAILABLE_BUSY;
	snprintf(
		work->answer.detail, sizeof(work->answer.detail),
		"Its provisioning found another transaction's lock for %ld ms: %s.",
		waited, failure);
}

static void
serve(ProvisionWork *work)
{
	char failure[AUTOUSER_DETAIL_BYTES];
	int  sqlstate = 0;

	XLogRecPtr committed_before = XactLastCommitEnd;

	if (!autouser_run_in_transaction(provision_step, work, failure,
									 sizeof(failure), &sqlstate))
	{
		memset(&work->answer, 0, sizeof(work->answer));
		if (sqlstate == ERRCODE_LOCK_NOT_AVAILABLE)
		{
			blocked(work, failure);
			return;
		}
		work->answer.outcome = AUTOUSER_UNAVAILABLE_FAILED;
		strlcpy(work->answer.detail, failure, sizeof(work->answer.detail));
		return;
	}
	if (work->deferred)
		return;
	if (work->forward)
	{
		autouser_forward_to_primary(work->claim, &work->answer);
		return;
	}
	/* What a standby asking for this login must replay before admitting it. */
	if (XactLastCommitEnd != committed_before)
		work->answer.commit_lsn = XactLastCommitEnd;
	if (work->end_others)
		(void) autouser_terminate_sessions(
			work->answer.role, AUTOUSER_END_RULE_CHANGE, 0, work->started);
	/* Provisioned for logins that all gave up: clean it as if they had logged out. */
	if (work->nobody_waits && OidIsValid(work->answer.role) &&
		work->answer.outcome != AUTOUSER_NONE)
		autouser_cleanup_enqueue(work->answer.role, 0, 0);
}

/* When to try a deferred request again. */
static TimestampTz
retry_time(const ProvisionWork *work)
{
	TimestampTz now = GetCurrentTimestamp();
	long        delay = AUTOUSER_RETRY_LOCKED_MS;

	if (work->blocked_since != 0)
		delay = Min(Max(delay, (long) TimestampDifferenceMilliseconds(
								   work->blocked_since, now) /
								   2),
					AUTOUSER_RETRY_LOCKED_MAX_MS);
	return TimestampTzPlusMilliseconds(now, delay);
}

/* Answers every due request; returns when the next deferred one is due (or 0). */
static TimestampTz
serve_requests(MemoryContext loop_cxt)
{
	AutouserClaim claim;
	TimestampTz   next_ready;

	while (autouser_queue_claim(my_index, &claim, &next_ready) > 0)
	{
		ProvisionWork work;

		memset(&work, 0, sizeof(work));
		work.claim = &claim;
		work.started = GetCurrentTimestamp();
		serve(&work);
		if (work.deferred)
			autouser_queue_defer(&claim, retry_time(&work),
								 work.blocked_since);
		else
			autouser_queue_answer(&claim, &work.answer);
		pgstat_report_activity(STATE_IDLE, NULL);
		MemoryContextReset(loop_cxt);
		CHECK_FOR_INTERRUPTS();
	}
	return next_ready;
}

static void
reload_step(void *arg)
{
	pgstat_report_activity(STATE_RUNNING, "pg_autouser: loading rules");
	(void) autouser_refresh_rules(*(bool *) arg);
}

static void
register_prepared_step(void *arg)
{
	if (autouser_extension_exists() && !RecoveryInProgress())
		autouser_rules_register_prepared();
}

static void
drain_step(void *arg)
{
	pgstat_report_activity(STATE_RUNNING, "pg_autouser: writing events");
	if (autouser_extension_exists())
		(void) autouser_events_drain();
}

void
autouser_worker_main(Datum arg)
{
	MemoryContext loop_cxt;
	char          failure[AUTOUSER_DETAIL_BYTES];
	bool          force = true;
	TimestampTz   last_reload = 0;

	my_index = DatumGetInt32(arg);
	loop_cxt = autouser_worker_start(my_index, "pg_autouser worker");
	(void) autouser_run_in_transaction(register_prepared_step, NULL, failure,
									   sizeof(failure), NULL);

	for (;;)
	{
		TimestampTz next_ready;
		TimestampTz next_event;
		long        timeout = RecoveryInProgress() ? AUTOUSER_STANDBY_RELOAD_MS
												   : AUTOUSER_PRIMARY_RELOAD_MS;
		bool        stale;

		CHECK_FOR_INTERRUPTS();
		if (autouser_worker_reload_if_asked())
			force = true;
		/* However busy: a standby is told of no change, it looks each second. */
		if (RecoveryInProgress() &&
			TimestampDifferenceExceeds(last_reload, GetCurrentTimestamp(),
									   AUTOUSER_STANDBY_RELOAD_MS))
			force = true;
		(void) autouser_rules_published_state(&stale);
		if (force || stale)
		{
			(void) autouser_run_in_transaction(reload_step, &force, failure,
											   sizeof(failure), NULL);
			last_reload = GetCurrentTimestamp();
		}
		force = false;
		MemoryContextReset(loop_cxt);
		next_ready = serve_requests(loop_cxt);
		/* The cleanup worker writes queued events; help when it falls behind. */
		if (!RecoveryInProgress() &&
			autouser_events_drain_due(false, &next_event))
			(void) autouser_run_in_transaction(drain_step, NULL, failure,
											   sizeof(failure), NULL);
		MemoryContextReset(loop_cxt);

		if (next_ready != 0)
			timeout = Min(timeout, Max(TimestampDifferenceMilliseconds(
										   GetCurrentTimestamp(), next_ready),
									   1));
		if (WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					  timeout, PG_WAIT_EXTENSION) &
			WL_TIMEOUT)
			force = next_ready == 0; /* a quiet spell: reload anyway */
		ResetLatch(MyLatch);
	}
}
