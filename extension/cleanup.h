/*
 * cleanup.h -- what happens to a managed role after its last session
 * (cleanup.c), shared by the cleanup worker and the SQL functions
 * autouser.deactivate() and autouser.sweep().
 */
#ifndef AUTOUSER_CLEANUP_H
#define AUTOUSER_CLEANUP_H

#include "utils/timestamp.h"

#include "guc.h"

typedef enum AutouserCleanupResult
{
	AUTOUSER_CLEANED,                /* deactivated or dropped */
	AUTOUSER_CLEANED_DROP_BLOCKED,   /* deactivated: another transaction blocks
									* the drop; try the drop again later */
	AUTOUSER_CLEANUP_NOTHING,        /* already inactive, or cleanup = off */
	AUTOUSER_CLEANUP_BUSY,           /* a counted session holds the role */
	AUTOUSER_CLEANUP_BUSY_UNCOUNTED, /* a backend not yet gone holds it */
	AUTOUSER_CLEANUP_BUSY_STANDBY,   /* a standby's lease holds it */
	AUTOUSER_CLEANUP_LOCKED, /* another transaction holds the role's lock */
	AUTOUSER_CLEANUP_NOT_MANAGED
} AutouserCleanupResult;

extern AutouserCleanupResult
autouser_cleanup_role(Oid role, pid_t exited_pid, TimestampTz ended_at,
					  AutouserCleanupMode mode, bool wait, bool over_standbys,
					  const char *why);
extern int   autouser_role_sessions(Oid role, pid_t exited_pid, int *counted);
extern List *autouser_sweep_candidates(void);
extern void  autouser_sweep_record(int cleaned);
extern int   autouser_sweep(bool wait);

#endif /* AUTOUSER_CLEANUP_H */
