/*
 * pg_autouser.c -- _PG_init only: checks that the library is preloaded, then
 * sets up settings, shared memory, the login hook and the workers, in order.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "auth_hook.h"
#include "core_bridge.h"
#include "guc.h"
#include "queue.h"
#include "worker.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* Loaded by CREATE EXTENSION alone: the SQL functions raise 55000. */
	if (!process_shared_preload_libraries_in_progress)
		return;
	autouser_guc_init();
	/* pg_upgrade must see the catalogs exactly as they are. */
	if (IsBinaryUpgrade)
		return;
	autouser_queue_init();
	autouser_auth_hook_init();
	autouser_worker_init();
	autouser_core_warm_up();
}
