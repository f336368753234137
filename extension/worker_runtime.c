/*
 * worker_runtime.c -- the process side shared by the provisioning workers
 * and the cleanup worker: signal handling, registration, the connect
 * back-off (exponential up to 30 s, one log line a minute), its settings
 * around connecting (worker_settings.c), and the transaction around each
 * unit of work, whose failure is logged and never ends the worker.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "guc.h"
#include "queue.h"
#include "rules_cache.h"
#include "worker_runtime.h"
#include "worker_settings.h"
#include "workers.h"

static bool               connecting = false;
static bool               database_missing = false;
static emit_log_hook_type prev_emit_log_hook = NULL;

/*
 * While connecting: a worker whose database does not exist fails with FATAL
 * and is restarted; log that at most once a minute, saying what it means.
 */
static void
connect_failure_log(ErrorData *edata)
{
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
	if (!connecting || edata->elevel < FATAL)
		return;
	database_missing = edata->sqlerrcode == ERRCODE_UNDEFINED_DATABASE;
	if (!autouser_worker_failure_log_due())
	{
		edata->output_to_server = false;
		return;
	}
	edata->hint = MemoryContextStrdup(
		ErrorContext,
		"The pg_autouser workers cannot connect to pg_autouser.database, so certificate logins are not provisioned; they retry with back-off and log this at most once a minute.");
}

/*
 * At the exit of a worker that found pg_autouser.database gone: no login
 * may be judged by rules published from it any more.
 */
static void
withdraw_rules_if_database_missing(int code, Datum arg)
{
	if (database_missing)
		autouser_rules_publish(AUTOUSER_RULES_NO_DATABASE, NULL, 0, NULL,
							   autouser_rules_change_count());
}

/*
 * Waits out the back-off after failed connects, unless told the database
 * is back; SIGTERM still ends it.
 */
static void
back_off(void)
{
	long        delay = autouser_worker_connect_delay_ms();
	TimestampTz until =
		TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);

	while (delay > 0)
	{
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (autouser_worker_connect_failures() == 0)
			break; /* autouser_workers_retry_connect() */
		delay = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);
		if (delay > 0)
			(void) WaitLatch(MyLatch,
							 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 delay, PG_WAIT_EXTENSION);
	}
}

/*
 * Everything a worker does before its loop: returns the memory context to
 * reset after each unit of work.
 */
MemoryContext
autouser_worker_start(int index, const char *appname)
{
	MemoryContext loop_cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	autouser_worker_attach(index);
	/* What a dead incarnation of this worker held goes to the others now. */
	if (index != AUTOUSER_CLEANUP_WORKER)
		autouser_queue_requeue_worker(index);
	back_off();

	/* Bypass datallowconn: the database's owner may not switch us off. */
	before_shmem_exit(withdraw_rules_if_database_missing, (Datum) 0);
	connecting = true;
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = connect_failure_log;
	autouser_settings_note();
	BackgroundWorkerInitializeConnection(autouser_database, NULL,
										 BGWORKER_BYPASS_ALLOWCONN);
	emit_log_hook = prev_emit_log_hook;
	connecting = false;

	autouser_settings_shed();
	autouser_settings_pin();
	autouser_worker_set_connected(index);
	pgstat_report_appname(appname);
	loop_cxt = AllocSetContextCreate(
		TopMemoryContext, "pg_autouser worker loop", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(loop_cxt);
	return loop_cxt;
}

/*
 * The cleanup worker's start while pg_autouser.database cannot be reached:
 * connected to database (or to none, when it is NULL), so that it still
 * cleans managed roles.  Does not count as a connect: the provisioning
 * workers keep backing off.
 */
MemoryContext
autouser_worker_start_elsewhere(int index, const char *database,
								const char *appname)
{
	MemoryContext loop_cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	autouser_worker_attach(index);
	autouser_settings_note();
	BackgroundWorkerInitializeConnection(database, NULL, 0);
	autouser_settings_shed();
	autouser_settings_pin();
	autouser_worker_set_running(index);
	pgstat_report_appname(appname);
	loop_cxt = AllocSetContextCreate(
		TopMemoryContext, "pg_autouser worker loop", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(loop_cxt);
	return loop_cxt;
}

/* A worker's lock_timeout: one short try (see worker_runtime.h). */
int
autouser_lock_try_ms(void)
{
	return Min(autouser_lock_timeout, AUTOUSER_LOCK_TRY_MS);
}

/* Processes a pending reload; returns whether there was one. */
bool
autouser_worker_reload_if_asked(void)
{
	if (!ConfigReloadPending)
		return false;
	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
	autouser_settings_pin();
	return true;
}

/*
 * One unit of work in its own transaction, connected to SPI.  An error is
 * logged with its SQLSTATE and copied to failure (and *sqlstate, if not
 * NULL); the transaction is rolled back and the worker goes on.  A lock try
 * that failed (55P03) is logged at DEBUG1 only: the caller tries again and
 * reports a job that stays blocked.
 */
bool
autouser_run_in_transaction(AutouserWorkStep step, void *arg, char *failure,
							size_t cap, int *sqlstate)
{
	MemoryContext outer = CurrentMemoryContext;
	volatile bool ok = true;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "pg_autouser: SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		step(arg);
		PopActiveSnapshot();
		SPI_finish();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData *edata;

		MemoryContextSwitchTo(outer);
		edata = CopyErrorData();
		FlushErrorState();
		/* Every level: a step may have failed inside a subtransaction. */
		AbortOutOfAnyTransaction();
		ereport(edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ? DEBUG1 : LOG,
				(errcode(edata->sqlerrcode),
				 errmsg("pg_autouser worker failed: %s (SQLSTATE %s)",
						edata->message, unpack_sql_state(edata->sqlerrcode)),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0));
		strlcpy(failure, edata->message, cap);
		if (sqlstate)
			*sqlstate = edata->sqlerrcode;
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(outer);
	return ok;
}
