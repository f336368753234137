/*
 * cleanup_worker.c -- the cleanup worker (bgw_type "pg_autouser cleanup"):
 * cleans roles whose last session ended (after pg_autouser.cleanup_delay),
 * sweeps at start and every pg_autouser.sweep_interval, and writes the
 * events others queued.  Each unit of work is its own transaction, a sweep
 * one role per transaction; a role locked by another transaction is
 * retried later with back-off, never waited for past one short lock try,
 * and roles no lock blocked go first; one failure never ends the worker.
 * Managed roles are recorded in the shared catalogs, so it goes on cleaning
 * them when the extension is dropped, and even when pg_autouser.database is
 * gone: role statements need some database's catalogs, so it then picks
 * another one ("postgres" if it can), connecting to none just long enough
 * to choose, works there without an audit trail, and restarts to reconnect
 * once its database is back.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/xlog.h"
#include "catalog/pg_database.h"
#include "storage/ipc.h"
#include "utils/rel.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "utils/memutils.h"

#include "cleanup.h"
#include "events.h"
#include "guc.h"
#include "plan.h"
#include "primary_link.h"
#include "replica_duty.h"
#include "rule_change.h"
#include "rules_cache.h"
#include "standby_rule_change.h"
#include "sessions.h"
#include "terminate.h"
#include "worker.h"
#include "worker_runtime.h"
#include "workers.h"

#define AUTOUSER_CLEANUP_BATCH 64
/* A just-ended session may linger in the proc array; look again soon. */
#define AUTOUSER_RETRY_MS    20
#define AUTOUSER_MAX_RETRIES 100
/*
 * A role locked by another transaction, or a statement whose lock try
 * failed: tried again after half the time it has been blocked, within
 * these bounds.  A rule change some role's lock held up is applied again
 * after the last.
 */
#define AUTOUSER_RETRY_LOCKED_MS      100
#define AUTOUSER_RETRY_LOCKED_MAX_MS  5000
#define AUTOUSER_RULE_CHANGE_RETRY_MS 1000
#define AUTOUSER_MAX_SLEEP_MS         5000
/* Without its database: how often to look whether it is back. */
#define AUTOUSER_DATABASE_CHECK_MS 10000

typedef struct CleanupWork
{
	AutouserPendingCleanup entry;
	AutouserCleanupResult  result;
	char                   name[NAMEDATALEN]; /* the role's, for the log */
} CleanupWork;

/* Roles the sweep under way has yet to clean (TopMemoryContext). */
static List *sweep_pending = NIL;
static int   sweep_cleaned = 0;

static void
cleanup_step(void *arg)
{
	CleanupWork *work = arg;

	pgstat_report_activity(STATE_RUNNING, "pg_autouser: cleaning up a role");
	strlcpy(work->name, autouser_role_name(work->entry.role), NAMEDATALEN);
	work->result = autouser_cleanup_role(
		work->entry.role, work->entry.exited_pid, work->entry.ended_at,
		autouser_cleanup, false, false,
		work->entry.swept ? "sweep" : "provisioned for logins that gave up");
}

/* A sweep starts: what it is to clean, one role per transaction. */
static void
sweep_step(void *arg)
{
	List         *roles;
	MemoryContext old;

	pgstat_report_activity(STATE_RUNNING, "pg_autouser: sweep");
	roles = autouser_sweep_candidates();
	old = MemoryContextSwitchTo(TopMemoryContext);
	list_free(sweep_pending);
	sweep_pending = list_copy(roles);
	MemoryContextSwitchTo(old);
}

static void
sweep_done_step(void *arg)
{
	autouser_sweep_record(*(int *) arg);
}

static void
drain_step(void *arg)
{
	pgstat_report_activity(STATE_RUNNING, "pg_autouser: writing events");
	if (autouser_extension_exists())
		(void) autouser_events_drain();
}

/*
 * Another transaction blocks the cleanup (or, for a role deactivated
 * instead, its drop): after half the time it has been blocked.  A role still
 * active after pg_autouser.lock_timeout of that is logged, once.
 */
static long
blocked_delay(CleanupWork *work, const char *failure)
{
	AutouserPendingCleanup *entry = &work->entry;
	TimestampTz             now = GetCurrentTimestamp();
	long                    blocked;

	if (entry->blocked_since == 0)
		entry->blocked_since = now;
	blocked =
		(long) TimestampDifferenceMilliseconds(entry->blocked_since, now);
	if (blocked >= autouser_lock_timeout && !entry->reported &&
		work->result != AUTOUSER_CLEANED_DROP_BLOCKED)
	{
		entry->reported = true;
		ereport(
			LOG,
			(errmsg(
				 "pg_autouser cannot clean up role \"%s\" yet: another transaction has held it locked for %ld ms",
				 work->name, blocked),
			 failure ? errdetail("The last try failed: %s.", failure) : 0,
			 errhint(
				 "The cleanup is retried with back-off; pg_locks and pg_prepared_xacts show the transactions holding locks.")));
	}
	return Min(Max(blocked / 2, AUTOUSER_RETRY_LOCKED_MS),
			   AUTOUSER_RETRY_LOCKED_MAX_MS);
}

/* When to look at a pending cleanup again, or 0 to leave it to the sweep. */
static TimestampTz
retry_time(CleanupWork *work, bool ok, int sqlstate, const char *failure)
{
	long delay;

	if (!ok && sqlstate != ERRCODE_LOCK_NOT_AVAILABLE)
		return 0;
	if (ok && work->result == AUTOUSER_CLEANUP_BUSY_UNCOUNTED)
		delay = AUTOUSER_RETRY_MS;
	else if (!ok)
		delay = blocked_delay(work, failure);
	else if (work->result == AUTOUSER_CLEANUP_LOCKED ||
			 work->result == AUTOUSER_CLEANED_DROP_BLOCKED)
		delay = blocked_delay(work, NULL);
	else
		return 0;
	if (++work->entry.attempts >= AUTOUSER_MAX_RETRIES)
		return 0;
	return TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
}

/* One pending cleanup, or one role of the sweep; false if a lock try failed. */
static bool
clean_one(AutouserPendingCleanup *entry, TimestampTz *next_due)
{
	CleanupWork work;
	char        failure[AUTOUSER_DETAIL_BYTES];
	int         sqlstate = 0;
	bool        ok;
	TimestampTz retry;

	memset(&work, 0, sizeof(work));
	work.entry = *entry;
	work.result = AUTOUSER_CLEANUP_NOTHING;
	ok = autouser_run_in_transaction(cleanup_step, &work, failure,
									 sizeof(failure), &sqlstate);
	if (ok && entry->swept && entry->attempts == 0 &&
		(work.result == AUTOUSER_CLEANED ||
		 work.result == AUTOUSER_CLEANED_DROP_BLOCKED))
		sweep_cleaned++;
	retry = retry_time(&work, ok, sqlstate, ok ? NULL : failure);
	if (retry != 0)
	{
		autouser_cleanup_retry(&work.entry, retry);
		/* next_due was computed before this entry went back. */
		if (*next_due == 0 || retry < *next_due)
			*next_due = retry;
	}
	pgstat_report_activity(STATE_IDLE, NULL);
	return ok || sqlstate != ERRCODE_LOCK_NOT_AVAILABLE;
}

/* Entries no other transaction blocked before first. */
static int
unblocked_first(const void *a, const void *b)
{
	return (((const AutouserPendingCleanup *) a)->blocked_since != 0) -
		   (((const AutouserPendingCleanup *) b)->blocked_since != 0);
}

/*
 * Cleans what is due; returns when to look again.  After a lock try that
 * failed, the rest goes back: what came meanwhile is looked at before the
 * next retry.  Having cleaned anything, it asks to be called again at once:
 * a statement that waited for a lock reset the latch, so a session that
 * ended meanwhile woke nobody.
 */
static TimestampTz
clean_due(bool *overflow)
{
	AutouserPendingCleanup due[AUTOUSER_CLEANUP_BATCH];
	TimestampTz            next_due;
	int                    n;

	n = autouser_cleanup_take_due(GetCurrentTimestamp(),
								  autouser_cleanup_delay, due,
								  AUTOUSER_CLEANUP_BATCH, &next_due, overflow);
	qsort(due, n, sizeof(AutouserPendingCleanup), unblocked_first);
	for (int i = 0; i < n; i++)
		if (!clean_one(&due[i], &next_due))
		{
			for (int j = i + 1; j < n; j++)
				autouser_cleanup_retry(&due[j], due[j].not_before);
			break;
		}
	return n > 0 ? GetCurrentTimestamp() : next_due;
}

/*
 * The next role of the sweep under way, unless its last session ended
 * meanwhile (its pending cleanup has it, grace period and all); one that
 * another transaction blocks goes to the pending cleanups, retried there.
 * The sweep event comes after the last.  Returns when to look again: at
 * once, as clean_due() does.
 */
static TimestampTz
sweep_one(void)
{
	AutouserPendingCleanup entry;
	TimestampTz            next_due = 0;
	char                   failure[AUTOUSER_DETAIL_BYTES];

	memset(&entry, 0, sizeof(entry));
	entry.role = linitial_oid(sweep_pending);
	entry.swept = true;
	sweep_pending = list_delete_first(sweep_pending);
	if (!autouser_cleanup_is_pending(entry.role, autouser_cleanup_delay))
		(void) clean_one(&entry, &next_due);
	if (sweep_pending == NIL)
	{
		(void) autouser_run_in_transaction(sweep_done_step, &sweep_cleaned,
										   failure, sizeof(failure), NULL);
		sweep_cleaned = 0;
	}
	return GetCurrentTimestamp();
}

/* Where the cleanup worker runs (see the comment at the top). */
typedef enum CleanupPlace
{
	CLEANUP_HOME,     /* pg_autouser.database */
	CLEANUP_CHOOSING, /* no database: choosing where to go */
	CLEANUP_ELSEWHERE /* another database, while its own is missing */
} CleanupPlace;

/*
 * Reads pg_database (a shared catalog, readable with or without a
 * database): whether pg_autouser.database exists, and where else to run --
 * "postgres" if it allows connections, else the first database that does
 * and is no template (template1 would block CREATE DATABASE).
 */
static void
look_at_databases_step(void *arg)
{
	char         *choice = arg; /* NAMEDATALEN: where to go next */
	Relation      rel = table_open(DatabaseRelationId, AccessShareLock);
	TableScanDesc scan = table_beginscan_catalog(rel, 0, NULL);
	HeapTuple     tuple;
	bool          home = false;

	choice[0] = '\0';
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);

		if (strcmp(NameStr(db->datname), autouser_database) == 0)
			home = true;
		else if (db->datallowconn && !db->datistemplate &&
				 (choice[0] == '\0' ||
				  strcmp(NameStr(db->datname), "postgres") == 0))
			strlcpy(choice, NameStr(db->datname), NAMEDATALEN);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	if (home)
		strlcpy(choice, autouser_database, NAMEDATALEN);
}

/*
 * A committed change of the rules: applied to every role with sessions.
 * On success *applied becomes the count it reflects; a role another
 * transaction holds is tried again at the time returned (or 0).
 */
static TimestampTz
apply_rule_change(uint64 *applied)
{
	uint64    changes = autouser_rules_change_count();
	bool      all = true;
	ListCell *lc;

	foreach(lc, autouser_sessions_roles())
		all &= autouser_apply_rule_change(lfirst_oid(lc));
	pgstat_report_activity(STATE_IDLE, NULL);
	if (all)
	{
		*applied = changes;
		return 0;
	}
	return TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
									   AUTOUSER_RULE_CHANGE_RETRY_MS);
}

/* Sessions whose certificate is revoked now; false to try again later. */
static bool
revoked_sessions_handled(bool standby)
{
	List     *strip;
	bool      done = true;
	ListCell *lc;

	(void) autouser_terminate_revoked(&strip);
	/* A standby cannot strip a role; its sessions were ended or go on. */
	if (standby)
		return true;
	foreach(lc, strip)
		done &= autouser_strip_revoked(lfirst_oid(lc));
	return done;
}

static TimestampTz
earliest(TimestampTz a, TimestampTz b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return Min(a, b);
}

void
autouser_cleanup_main(Datum arg)
{
	MemoryContext loop_cxt;
	char          failure[AUTOUSER_DETAIL_BYTES];
	TimestampTz   next_sweep = 0;
	TimestampTz   next_database_check = 0;
	int           sweep_interval;
	CleanupPlace  place;
	char          elsewhere[NAMEDATALEN];
	bool          check_revocations = true;
	uint64        applied = 0;     /* the rule change count last applied */
	TimestampTz   next_report = 0; /* standby: its next lease report */
	TimestampTz   next_lease_check = 0;    /* primary: lapsed leases */
	TimestampTz   next_inactive_check = 0; /* standby: roles made inactive */
	bool          was_standby = RecoveryInProgress();
	bool          standby;

	/* Connecting failed before: the database is gone, for now. */
	autouser_worker_fallback_database(elsewhere);
	if (autouser_worker_connect_failures() == 0 ||
		strcmp(elsewhere, autouser_database) == 0)
		place = CLEANUP_HOME;
	else
		place = elsewhere[0] ? CLEANUP_ELSEWHERE : CLEANUP_CHOOSING;
	if (place == CLEANUP_HOME)
		loop_cxt = autouser_worker_start(AUTOUSER_CLEANUP_WORKER,
										 "pg_autouser cleanup");
	else
		loop_cxt = autouser_worker_start_elsewhere(
			AUTOUSER_CLEANUP_WORKER,
			place == CLEANUP_ELSEWHERE ? elsewhere : NULL,
			"pg_autouser cleanup");
	sweep_interval = autouser_sweep_interval;

	for (;;)
	{
		bool        overflow = false;
		TimestampTz next_due = 0;
		TimestampTz next_event = 0;
		TimestampTz now;
		long        sleep_ms;

		CHECK_FOR_INTERRUPTS();
		if (autouser_worker_reload_if_asked())
			check_revocations = true;
		/* A new sweep_interval counts from the reload, not from the last sweep. */
		if (autouser_sweep_interval != sweep_interval && next_sweep != 0)
		{
			sweep_interval = autouser_sweep_interval;
			next_sweep = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													 sweep_interval * 1000L);
		}
		/* A provisioning worker got in, or CREATE EXTENSION ran: look now. */
		if (place != CLEANUP_HOME && autouser_worker_connect_failures() == 0)
			next_database_check = 0;
		if (place != CLEANUP_HOME &&
			GetCurrentTimestamp() >= next_database_check)
		{
			char choice[NAMEDATALEN];

			/* Restarted a second later, by the postmaster, where it belongs. */
			if (autouser_run_in_transaction(look_at_databases_step, choice,
											failure, sizeof(failure), NULL) &&
				choice[0] != '\0' &&
				(strcmp(choice, autouser_database) == 0 ||
				 place == CLEANUP_CHOOSING))
			{
				autouser_worker_set_fallback_database(choice);
				proc_exit(1);
			}
			next_database_check = TimestampTzPlusMilliseconds(
				GetCurrentTimestamp(), AUTOUSER_DATABASE_CHECK_MS);
		}
		/* Connected to no database, nothing can be cleaned: it only chooses. */
		if (place == CLEANUP_CHOOSING)
			next_database_check = 0;
		/* Ending sessions writes nothing: a standby does it too. */
		else if ((standby = RecoveryInProgress()))
		{
			if (check_revocations)
				check_revocations = !revoked_sessions_handled(true);
			(void) autouser_terminate_expired();
			/* It cleans nothing; it tells its primary what it holds. */
			if (place == CLEANUP_HOME)
				next_report = autouser_report_sessions(next_report);
			next_inactive_check =
				autouser_end_sessions_of_inactive_roles(next_inactive_check);
			/* Its events are the primary's to write; the log has them. */
			(void) autouser_events_discard();
			if (place == CLEANUP_HOME)
				autouser_standby_apply_rule_change();
			next_event = earliest(earliest(next_event, next_report),
								  next_inactive_check);
			was_standby = true;
		}
		else
		{
			/* Promoted: sweep what died with the old primary, now. */
			if (was_standby)
			{
				was_standby = false;
				next_sweep = 0;
				autouser_primary_disconnect();
			}
			if (place == CLEANUP_HOME &&
				autouser_events_drain_due(true, &next_event))
				(void) autouser_run_in_transaction(drain_step, NULL, failure,
												   sizeof(failure), NULL);
			if (check_revocations)
				check_revocations = !revoked_sessions_handled(false);
			(void) autouser_terminate_expired();
			if (place == CLEANUP_HOME)
			{
				next_lease_check = autouser_expire_leases(next_lease_check);
				next_event = earliest(next_event, next_lease_check);
			}
			if (place == CLEANUP_HOME &&
				autouser_rules_change_count() != applied)
				next_event = earliest(next_event, apply_rule_change(&applied));
			next_due = clean_due(&overflow);
			now = GetCurrentTimestamp();
			/* A sweep under way goes on, unless pending cleanups were lost. */
			if (overflow || (sweep_pending == NIL &&
							 (next_sweep == 0 || now >= next_sweep)))
			{
				(void) autouser_run_in_transaction(sweep_step, NULL, failure,
												   sizeof(failure), NULL);
				next_sweep = TimestampTzPlusMilliseconds(
					GetCurrentTimestamp(), autouser_sweep_interval * 1000L);
			}
			if (sweep_pending != NIL)
				next_due = earliest(next_due, sweep_one());
		}
		MemoryContextReset(loop_cxt);

		now = GetCurrentTimestamp();
		sleep_ms = AUTOUSER_MAX_SLEEP_MS;
		next_due = earliest(earliest(next_due, next_event), next_sweep);
		if (next_due != 0)
			sleep_ms =
				Min(sleep_ms, TimestampDifferenceMilliseconds(now, next_due));
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Max(sleep_ms, 1L), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
