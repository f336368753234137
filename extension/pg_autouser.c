/*
 * pg_autouser.c -- _PG_init only: checks that the library is preloaded, then
 * sets up settings, shared memory, the hooks and the workers, in order.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "auth_hook.h"
#include "core_bridge.h"
#include "guc.h"
#include "managed.h"
#include "password_hook.h"
#include "self_alter.h"
#include "rules_cache.h"
#include "shmem.h"
#include "terminate.h"
#include "workers.h"

PG_MODULE_MAGIC;

void _PG_init(void);

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
	autouser_shmem_init();
	autouser_rules_cache_init();
	autouser_managed_init();
	autouser_auth_hook_init();
	autouser_password_hook_init();
	autouser_self_alter_init();
	autouser_terminate_init();
	autouser_workers_register();
	autouser_core_warm_up();
}
