/*
 * cleanup.c -- deactivates (revokes every membership but the group role, sets
 * NOLOGIN) or drops a managed role that has no session, and sweeps for such
 * roles.  Runs in the caller's transaction, connected to SPI, and takes the
 * role's lock exclusively, so it never overlaps provisioning of the same
 * role: a login counted as a session before that lock was free is seen here
 * and the role is left alone.  Only roles recorded as managed (managed.c)
 * are touched, whatever the group role is now; never a superuser or the
 * admin role.  A drop that another transaction blocks is not waited for:
 * the role is deactivated instead, and the drop is the caller's to retry.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

#include "cleanup.h"
#include "events.h"
#include "leases.h"
#include "managed.h"
#include "plan.h"
#include "role_ddl.h"
#include "role_lock.h"
#include "rules_cache.h"
#include "sessions.h"
#include "stats.h"

/*
 * Live sessions of role: the ones the extension counted, or else backends
 * logged in as it by other means; a backend that is exiting (exited_pid) is
 * no longer one.  *counted gets the first number.
 */
int
autouser_role_sessions(Oid role, pid_t exited_pid, int *counted)
{
	int backends = CountUserBackends(role);

	*counted = autouser_sessions_count(role);
	if (exited_pid != 0)
	{
		PGPROC *proc = BackendPidGetProc(exited_pid);

		if (proc && proc->roleId == role)
			backends--;
	}
	return Max(*counted, backends);
}

/* Names of the roles role is a direct member of, less the group role. */
static List *
granted_roles(Oid role, Oid group)
{
	List     *names = NIL;
	ListCell *lc;

	foreach(lc, autouser_role_parents(role))
		if (lfirst_oid(lc) != group)
			names = lappend(names, autouser_role_name(lfirst_oid(lc)));
	return names;
}

/*
 * Cleans up one managed role that has no session (mode says how), under
 * its lock.  Without wait, a lock held by another transaction returns
 * LOCKED at once; statements still wait up to pg_autouser.lock_timeout.
 */
AutouserCleanupResult
autouser_cleanup_role(Oid role, pid_t exited_pid, TimestampTz ended_at,
					  AutouserCleanupMode mode, bool wait, bool over_standbys,
					  const char *why)
{
	HeapTuple tuple;
	char     *name;
	bool      can_login;
	Oid       group = autouser_group_role_oid();
	List     *granted;
	int       counted;
	char     *detail;
	char     *drop_failure;
	bool      drop_blocked = false;

	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	if (!HeapTupleIsValid(tuple))
		return AUTOUSER_CLEANUP_NOT_MANAGED;
	name = pstrdup(NameStr(((Form_pg_authid) GETSTRUCT(tuple))->rolname));
	ReleaseSysCache(tuple);
	if (!autouser_lock_role(name, ExclusiveLock, wait))
		return AUTOUSER_CLEANUP_LOCKED;

	/* After the lock: what a provisioning committed meanwhile is visible. */
	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	if (!HeapTupleIsValid(tuple))
		return AUTOUSER_CLEANUP_NOT_MANAGED;
	can_login = ((Form_pg_authid) GETSTRUCT(tuple))->rolcanlogin;
	ReleaseSysCache(tuple);
	if (autouser_role_is_exempt(role) || !autouser_role_is_recorded(role))
		return AUTOUSER_CLEANUP_NOT_MANAGED;
	if (autouser_role_sessions(role, exited_pid, &counted) > 0)
		return counted > 0 ? AUTOUSER_CLEANUP_BUSY
						   : AUTOUSER_CLEANUP_BUSY_UNCOUNTED;
	/* A standby reported a session (or is being provisioned for one). */
	if (!over_standbys && autouser_schema_is_current() &&
		autouser_leases_hold(name))
		return AUTOUSER_CLEANUP_BUSY_STANDBY;

	if (ended_at != 0)
		autouser_user_state_logout(name, ended_at);
	if (mode == AUTOUSER_CLEANUP_OFF)
		return AUTOUSER_CLEANUP_NOTHING;
	granted = granted_roles(role, group);
	/* Inactive already; with drop, a drop that was blocked before is due. */
	if (!can_login && granted == NIL && mode != AUTOUSER_CLEANUP_DROP)
		return AUTOUSER_CLEANUP_NOTHING;

	if (ended_at != 0)
		detail = psprintf("%ld ms after the last session ended",
						  (long) TimestampDifferenceMilliseconds(
							  ended_at, GetCurrentTimestamp()));
	else
		detail = pstrdup(why);
	if (mode == AUTOUSER_CLEANUP_DROP)
	{
		drop_blocked = !autouser_try_lock_role_object(role);
		if (drop_blocked)
			drop_failure =
				psprintf("another transaction holds role \"%s\" locked", name);
		else
			drop_failure = autouser_ddl_try_drop(name);
		if (drop_failure == NULL)
		{
			autouser_user_state_forget(name);
			autouser_event_record(AUTOUSER_EVENT_DROP, name, name, NULL,
								  granted, detail, MyProcPid);
			autouser_stats_count(AUTOUSER_STAT_CLEANUP_DROP, 1);
			return AUTOUSER_CLEANED;
		}
		if (!can_login && granted == NIL)
			return drop_blocked ? AUTOUSER_CLEANUP_LOCKED
								: AUTOUSER_CLEANUP_NOTHING;
		detail = psprintf("%s; could not drop, deactivated instead: %s",
						  detail, drop_failure);
		autouser_stats_count(AUTOUSER_STAT_CLEANUP_DROP_FAILED, 1);
	}
	autouser_ddl_deactivate(name, granted);
	autouser_event_record(AUTOUSER_EVENT_DEACTIVATE, name, name, NULL, granted,
						  detail, MyProcPid);
	autouser_stats_count(AUTOUSER_STAT_CLEANUP_DEACTIVATE, 1);
	return drop_blocked ? AUTOUSER_CLEANED_DROP_BLOCKED : AUTOUSER_CLEANED;
}

/* Recorded roles that can log in. */
static List *
active_managed_roles(void)
{
	List     *roles = NIL;
	ListCell *lc;

	foreach(lc, autouser_recorded_roles())
	{
		HeapTuple tuple =
			SearchSysCache1(AUTHOID, ObjectIdGetDatum(lfirst_oid(lc)));

		if (!HeapTupleIsValid(tuple))
			continue;
		if (((Form_pg_authid) GETSTRUCT(tuple))->rolcanlogin)
			roles = lappend_oid(roles, lfirst_oid(lc));
		ReleaseSysCache(tuple);
	}
	return roles;
}

/*
 * What a sweep cleans: every managed role that can log in, but those still
 * in their cleanup_delay grace period.  Purges old events first.
 */
List *
autouser_sweep_candidates(void)
{
	List     *roles = NIL;
	ListCell *lc;

	autouser_events_purge();
	if (autouser_cleanup == AUTOUSER_CLEANUP_OFF)
		return NIL;
	foreach(lc, active_managed_roles())
		if (!autouser_cleanup_is_pending(lfirst_oid(lc),
										 autouser_cleanup_delay))
			roles = lappend_oid(roles, lfirst_oid(lc));
	return roles;
}

/* The sweep event, once a sweep cleaned something. */
void
autouser_sweep_record(int cleaned)
{
	if (cleaned > 0)
		autouser_event_record(
			AUTOUSER_EVENT_SWEEP, NULL, NULL, NULL, NULL,
			psprintf("%d role(s) without a session cleaned", cleaned),
			MyProcPid);
}

/*
 * autouser.sweep(): one sweep in the caller's transaction, waiting for
 * locked roles like any statement, up to the session's lock_timeout (the
 * cleanup worker sweeps one role per transaction instead, and wait is
 * false there).  Returns how many roles were cleaned.
 */
int
autouser_sweep(bool wait)
{
	int       cleaned = 0;
	ListCell *lc;

	foreach(lc, autouser_sweep_candidates())
	{
		AutouserCleanupResult result = autouser_cleanup_role(
			lfirst_oid(lc), 0, 0, autouser_cleanup, wait, false, "sweep");

		if (result == AUTOUSER_CLEANED ||
			result == AUTOUSER_CLEANED_DROP_BLOCKED)
			cleaned++;
	}
	autouser_sweep_record(cleaned);
	return cleaned;
}
