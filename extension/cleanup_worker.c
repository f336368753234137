/*
 * cleanup_worker.c -- the cleanup worker (bgw_type "pg_autouser cleanup"):
 * connected to pg_autouser.database, it cleans roles whose last session
 * ended (after pg_autouser.cleanup_delay), sweeps at start and every
 * pg_autouser.sweep_interval, and writes the events logins queued.  Each
 * unit of work is its own transaction; one failure never ends the worker.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "access/xlog.h"

#include "catalog/pg_authid.h"
#include "access/htup_details.h"

#include "cleanup.h"
#include "rules_cache.h"
#include "events.h"
#include "queue_worker.h"
#include "worker.h"

#define AUTOUSER_CLEANUP_BATCH 64
/* A just-ended session may linger in the proc array; look again soon. */
#define AUTOUSER_RETRY_MS 20
#define AUTOUSER_MAX_RETRIES 100

static void
cleanup_worker_exit(int code, Datum arg)
{
	LWLockAcquire(autouser_shared->queue_lock, LW_EXCLUSIVE);
	autouser_shared->cleanup_worker.pid = 0;
	autouser_shared->cleanup_worker.connected = false;
	autouser_shared->cleanup_worker.latch = NULL;
	LWLockRelease(autouser_shared->queue_lock);
}

typedef struct CleanupWork
{
	AutouserPendingCleanup entry;
	AutouserCleanupResult result;
} CleanupWork;

static void
cleanup_step(void *arg)
{
	CleanupWork *work = arg;
	HeapTuple	tuple;
	char	   *name;

	pgstat_report_activity(STATE_RUNNING, "pg_autouser: cleaning up a role");
	if (!autouser_extension_exists())
	{
		work->result = AUTOUSER_CLEANUP_NOT_MANAGED;
		return;
	}
	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(work->entry.role));
	if (!HeapTupleIsValid(tuple))
	{
		work->result = AUTOUSER_CLEANUP_NOT_MANAGED;
		return;
	}
	name = pstrdup(NameStr(((Form_pg_authid) GETSTRUCT(tuple))->rolname));
	ReleaseSysCache(tuple);
	work->result = autouser_cleanup_role(name, work->entry.exited_pid, work->entry.ended_at,
										 autouser_cleanup, "last session ended");
}

static void
sweep_step(void *arg)
{
	pgstat_report_activity(STATE_RUNNING, "pg_autouser: sweep");
	if (autouser_extension_exists())
		*(int *) arg = autouser_sweep();
}

static void
drain_step(void *arg)
{
	pgstat_report_activity(STATE_RUNNING, "pg_autouser: writing events");
	if (autouser_extension_exists())
		(void) autouser_events_drain();
}

/* Cleans what is due; returns when the next pending entry is due (or 0). */
static TimestampTz
clean_due(bool *overflow)
{
	AutouserPendingCleanup due[AUTOUSER_CLEANUP_BATCH];
	TimestampTz next_due;
	char		failure[AUTOUSER_DETAIL_BYTES];
	int			n;

	n = autouser_cleanup_take_due(GetCurrentTimestamp(), autouser_cleanup_delay, due,
								  AUTOUSER_CLEANUP_BATCH, &next_due, overflow);
	for (int i = 0; i < n; i++)
	{
		CleanupWork work;

		work.entry = due[i];
		work.result = AUTOUSER_CLEANUP_NOTHING;
		if (autouser_run_in_transaction(cleanup_step, &work, failure, sizeof(failure)) &&
			work.result == AUTOUSER_CLEANUP_BUSY_UNCOUNTED)
		{
			/* Retried briefly; past that the sweep takes over. */
			if (++work.entry.attempts < AUTOUSER_MAX_RETRIES)
			{
				TimestampTz retry = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
																AUTOUSER_RETRY_MS);

				autouser_cleanup_retry(&work.entry, retry);
				/* next_due was computed before this entry went back. */
				if (next_due == 0 || retry < next_due)
					next_due = retry;
			}
		}
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	if (n == AUTOUSER_CLEANUP_BATCH)
		return GetCurrentTimestamp();
	return next_due;
}

void
autouser_cleanup_main(Datum arg)
{
	AutouserShared *sh = autouser_shared;
	MemoryContext loop_cxt;
	char		failure[AUTOUSER_DETAIL_BYTES];
	TimestampTz next_sweep = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	before_shmem_exit(cleanup_worker_exit, (Datum) 0);
	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	sh->cleanup_worker.pid = MyProcPid;
	sh->cleanup_worker.latch = MyLatch;
	LWLockRelease(sh->queue_lock);

	/* The provisioning workers report a missing database and back off. */
	if (sh->connect_failures > 0)
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 60000L, PG_WAIT_EXTENSION);
	BackgroundWorkerInitializeConnection(autouser_database, NULL, 0);
	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	sh->cleanup_worker.connected = true;
	LWLockRelease(sh->queue_lock);
	pgstat_report_appname("pg_autouser cleanup");

	loop_cxt = AllocSetContextCreate(TopMemoryContext, "pg_autouser cleanup",
									 ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(loop_cxt);

	for (;;)
	{
		bool		overflow = false;
		TimestampTz next_due;
		TimestampTz now;
		long		sleep_ms;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (RecoveryInProgress())
			next_due = 0;		/* a standby writes nothing; its primary cleans */
		else
		{
			if (autouser_events_pending())
				(void) autouser_run_in_transaction(drain_step, NULL, failure, sizeof(failure));
			next_due = clean_due(&overflow);
			now = GetCurrentTimestamp();
			if (overflow || next_sweep == 0 || now >= next_sweep)
			{
				int			cleaned = 0;

				(void) autouser_run_in_transaction(sweep_step, &cleaned, failure, sizeof(failure));
				next_sweep = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
														 autouser_sweep_interval * 1000L);
			}
		}
		MemoryContextReset(loop_cxt);

		now = GetCurrentTimestamp();
		sleep_ms = next_sweep != 0 ? TimestampDifferenceMilliseconds(now, next_sweep) : 1000;
		if (next_due != 0)
			sleep_ms = Min(sleep_ms, TimestampDifferenceMilliseconds(now, next_due));
		sleep_ms = Max(Min(sleep_ms, 5000L), 1L);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 sleep_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
