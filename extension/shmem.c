/*
 * shmem.c -- asks for pg_autouser's shared memory in shmem_request_hook (the
 * only place PostgreSQL 15 allows it) and attaches every module's part in
 * shmem_startup_hook, in one fixed order.  Owns the named LWLock tranche and
 * the lock-order check; owns no other state.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "events.h"
#include "queue.h"
#include "rules_cache.h"
#include "sessions.h"
#include "shmem.h"
#include "stats.h"
#include "workers.h"

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static LWLockPadded *locks = NULL;

static void
autouser_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(autouser_queue_shmem_size());
	RequestAddinShmemSpace(autouser_sessions_shmem_size());
	RequestAddinShmemSpace(autouser_workers_shmem_size());
	RequestAddinShmemSpace(autouser_rules_shmem_size());
	RequestAddinShmemSpace(autouser_events_shmem_size());
	RequestAddinShmemSpace(autouser_stats_shmem_size());
	RequestNamedLWLockTranche("pg_autouser", AUTOUSER_LOCK_COUNT);
}

static void
autouser_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	locks = GetNamedLWLockTranche("pg_autouser");
	autouser_queue_shmem_startup();
	autouser_sessions_shmem_startup();
	autouser_workers_shmem_startup();
	autouser_rules_shmem_startup();
	autouser_events_shmem_startup();
	autouser_stats_shmem_startup();
	LWLockRelease(AddinShmemInitLock);
}

void
autouser_shmem_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = autouser_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = autouser_shmem_startup;
}

/* False when the library was not preloaded (or under pg_upgrade). */
bool
autouser_shmem_ready(void)
{
	return locks != NULL;
}

LWLock *
autouser_lock_for(AutouserLockRank rank)
{
	return &locks[rank].lock;
}

void
autouser_lock(AutouserLockRank rank, LWLockMode mode)
{
#ifdef USE_ASSERT_CHECKING
	/* Nothing of the same or a later rank may be held already. */
	for (int later = rank; later < AUTOUSER_LOCK_COUNT; later++)
		Assert(!LWLockHeldByMe(&locks[later].lock));
#endif
	LWLockAcquire(&locks[rank].lock, mode);
}

void
autouser_unlock(AutouserLockRank rank)
{
	LWLockRelease(&locks[rank].lock);
}

/* SQL functions raise 55000 when the library was not preloaded. */
void
autouser_require_preload(void)
{
	if (!autouser_shmem_ready())
		ereport(
			ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("pg_autouser must be loaded via shared_preload_libraries"),
			 errhint(
				 "Add pg_autouser to shared_preload_libraries in postgresql.conf and restart the server.")));
}
