/*
 * workers.c -- owns the worker registry in shared memory: which background
 * workers run (pid, latch), which are connected to pg_autouser.database, and
 * how often connecting has failed in a row, which sets the back-off before
 * the next try and limits the log to one line a minute.  Registers the
 * workers at preload.  Runs no SQL.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"

#include "guc.h"
#include "shmem.h"
#include "workers.h"

#define AUTOUSER_MAX_CONNECT_DELAY_MS    30000
#define AUTOUSER_FAILURE_LOG_INTERVAL_MS 60000

typedef struct AutouserWorkerEntry
{
	pid_t  pid;       /* 0 = not running */
	bool   connected; /* connected to pg_autouser.database */
	Latch *latch;
} AutouserWorkerEntry;

typedef struct AutouserWorkers
{
	AutouserWorkerEntry entries[AUTOUSER_MAX_WORKERS + 1];
	int         connect_failures;  /* exits before connecting, in a row */
	TimestampTz failure_logged_at; /* last "cannot connect" log line */
	/* where the cleanup worker works while pg_autouser.database is missing */
	char fallback_database[NAMEDATALEN];
} AutouserWorkers;

static AutouserWorkers *registry = NULL;
static int              my_index = -1;
static bool             my_connected = false;

Size
autouser_workers_shmem_size(void)
{
	return sizeof(AutouserWorkers);
}

void
autouser_workers_shmem_startup(void)
{
	bool found;

	registry = ShmemInitStruct("pg_autouser workers", sizeof(AutouserWorkers),
							   &found);
	if (!found)
		memset(registry, 0, sizeof(AutouserWorkers));
}

static void
register_worker(const char *function, const char *name, const char *type,
				int arg)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags =
		BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* Consistent state: on a hot standby they load the rules for the fast path. */
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = 1;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_autouser");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker.bgw_name, BGW_MAXLEN, "%s", name);
	snprintf(worker.bgw_type, BGW_MAXLEN, "%s", type);
	worker.bgw_main_arg = Int32GetDatum(arg);
	RegisterBackgroundWorker(&worker);
}

void
autouser_workers_register(void)
{
	/* A worker that cannot register would leave logins waiting: refuse to start. */
	if (autouser_workers + 1 > max_worker_processes)
		ereport(
			ERROR,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg(
				 "pg_autouser needs %d background workers but max_worker_processes is %d",
				 autouser_workers + 1, max_worker_processes),
			 errhint(
				 "Raise max_worker_processes or lower pg_autouser.workers.")));

	for (int i = 0; i < autouser_workers; i++)
	{
		char name[BGW_MAXLEN];

		snprintf(name, sizeof(name), "pg_autouser worker %d", i);
		register_worker("autouser_worker_main", name, "pg_autouser worker", i);
	}
	register_worker("autouser_cleanup_main", "pg_autouser cleanup",
					"pg_autouser cleanup", AUTOUSER_CLEANUP_WORKER);
}

/* Any exit of a worker: unregister it, and count a failed connect. */
static void
worker_detach(int code, Datum arg)
{
	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_EXCLUSIVE);
	registry->entries[my_index].pid = 0;
	registry->entries[my_index].connected = false;
	registry->entries[my_index].latch = NULL;
	if (!my_connected)
		registry->connect_failures++;
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
}

/* Called first thing in a worker process. */
void
autouser_worker_attach(int index)
{
	Assert(index >= 0 && index <= AUTOUSER_CLEANUP_WORKER);
	my_index = index;
	before_shmem_exit(worker_detach, (Datum) 0);
	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_EXCLUSIVE);
	registry->entries[index].pid = MyProcPid;
	registry->entries[index].latch = MyLatch;
	registry->entries[index].connected = false;
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
}

void
autouser_worker_set_connected(int index)
{
	my_connected = true;
	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_EXCLUSIVE);
	registry->entries[index].connected = true;
	registry->connect_failures = 0;
	registry->fallback_database[0] = '\0';
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
}

/*
 * A worker that runs without its database (the cleanup worker, while
 * pg_autouser.database is missing): its exit is no failed connect, and it
 * is not a connected worker either.
 */
void
autouser_worker_set_running(int index)
{
	my_connected = true;
}

/*
 * The database the cleanup worker connects to while pg_autouser.database is
 * missing ("" = none chosen yet, or not needed); see cleanup_worker.c.
 */
void
autouser_worker_fallback_database(char *name)
{
	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_SHARED);
	strlcpy(name, registry->fallback_database, NAMEDATALEN);
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
}

void
autouser_worker_set_fallback_database(const char *name)
{
	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_EXCLUSIVE);
	strlcpy(registry->fallback_database, name, NAMEDATALEN);
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
}

/* Failed connects in a row so far (0 once a worker connected). */
int
autouser_worker_connect_failures(void)
{
	int failures;

	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_SHARED);
	failures = registry->connect_failures;
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
	return failures;
}

bool
autouser_worker_alive(int index)
{
	bool alive;

	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_SHARED);
	alive = registry->entries[index].pid != 0;
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
	return alive;
}

/*
 * How long a starting worker waits before connecting: nothing at first, then
 * exponentially longer after each failure in a row, up to 30 s.
 */
long
autouser_worker_connect_delay_ms(void)
{
	int  failures = autouser_worker_connect_failures();
	long delay = 1000;

	if (failures == 0)
		return 0;
	for (int i = 1; i < failures && delay < AUTOUSER_MAX_CONNECT_DELAY_MS; i++)
		delay *= 2;
	return Min(delay, AUTOUSER_MAX_CONNECT_DELAY_MS);
}

/* True at most once a minute: whether to log another failed connect. */
bool
autouser_worker_failure_log_due(void)
{
	TimestampTz now = GetCurrentTimestamp();
	bool        due;

	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_EXCLUSIVE);
	due = registry->failure_logged_at == 0 ||
		  TimestampDifferenceExceeds(registry->failure_logged_at, now,
									 AUTOUSER_FAILURE_LOG_INTERVAL_MS);
	if (due)
		registry->failure_logged_at = now;
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
	return due;
}

static void
wake_range(int first, int last)
{
	Latch *latches[AUTOUSER_MAX_WORKERS + 1];
	int    n = 0;

	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_SHARED);
	for (int i = first; i <= last; i++)
		if (registry->entries[i].pid != 0 && registry->entries[i].latch)
			latches[n++] = registry->entries[i].latch;
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
	for (int i = 0; i < n; i++)
		SetLatch(latches[i]);
}

/*
 * The database is there now (CREATE EXTENSION runs in it): workers backing
 * off after failed connects try again at once instead of after up to 30 s.
 */
void
autouser_workers_retry_connect(void)
{
	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_EXCLUSIVE);
	registry->connect_failures = 0;
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
	autouser_wake_all_workers();
}

void
autouser_wake_provisioners(void)
{
	wake_range(0, AUTOUSER_MAX_WORKERS - 1);
}

void
autouser_wake_cleanup(void)
{
	wake_range(AUTOUSER_CLEANUP_WORKER, AUTOUSER_CLEANUP_WORKER);
}

void
autouser_wake_all_workers(void)
{
	wake_range(0, AUTOUSER_CLEANUP_WORKER);
}

/*
 * Whether a request handed to the provisioning workers can be answered.
 * Workers still starting count as reachable: the login's wait covers that.
 */
AutouserReach
autouser_workers_reach(void)
{
	bool connected = false;
	bool running = false;
	int  failures;

	autouser_lock(AUTOUSER_LOCK_WORKERS, LW_SHARED);
	for (int i = 0; i < AUTOUSER_MAX_WORKERS; i++)
	{
		connected |=
			registry->entries[i].pid != 0 && registry->entries[i].connected;
		running |= registry->entries[i].pid != 0;
	}
	failures = registry->connect_failures;
	autouser_unlock(AUTOUSER_LOCK_WORKERS);
	if (connected)
		return AUTOUSER_REACH_OK;
	if (failures > 0)
		return AUTOUSER_REACH_NO_DATABASE;
	return running ? AUTOUSER_REACH_OK : AUTOUSER_REACH_NO_WORKERS;
}
