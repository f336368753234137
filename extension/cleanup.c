/*
 * cleanup.c -- deactivates (revokes every membership but the group role, sets
 * NOLOGIN) or drops a managed role that has no session, and sweeps for such
 * roles.  Runs in the caller's transaction, connected to SPI, and takes the
 * role's lock exclusively, so it never overlaps provisioning of the same
 * role: a login counted as a session before that lock was free is seen here
 * and the role is left alone.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "admin_sql.h"
#include "cleanup.h"
#include "events.h"
#include "plan.h"
#include "queue_worker.h"
#include "role_lock.h"

/*
 * Live sessions of role: the ones the extension counted, or else backends
 * logged in as it by other means; a backend that is exiting (exited_pid) is
 * no longer one.  *counted gets the first number.
 */
int
autouser_role_sessions(Oid role, pid_t exited_pid, int *counted)
{
	int			backends = CountUserBackends(role);

	*counted = autouser_count_sessions(role);
	if (exited_pid != 0)
	{
		PGPROC	   *proc = BackendPidGetProc(exited_pid);

		if (proc && proc->roleId == role)
			backends--;
	}
	return Max(*counted, backends);
}

/* Names of the roles role is a direct member of, less the group role. */
static List *
granted_roles(Oid role, Oid group)
{
	CatCList   *members = SearchSysCacheList1(AUTHMEMMEMROLE, ObjectIdGetDatum(role));
	List	   *names = NIL;

	for (int i = 0; i < members->n_members; i++)
	{
		Form_pg_auth_members m = (Form_pg_auth_members) GETSTRUCT(&members->members[i]->tuple);
		HeapTuple	tuple;

		if (m->roleid == group)
			continue;
		tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(m->roleid));
		if (HeapTupleIsValid(tuple))
		{
			names = lappend(names, pstrdup(NameStr(((Form_pg_authid) GETSTRUCT(tuple))->rolname)));
			ReleaseSysCache(tuple);
		}
	}
	ReleaseSysCacheList(members);
	return names;
}

static void
deactivate(const char *name, List *granted)
{
	const char *role = quote_identifier(name);
	ListCell   *lc;

	foreach(lc, granted)
		autouser_admin_sql(psprintf("REVOKE %s FROM %s", quote_identifier(lfirst(lc)), role));
	autouser_admin_sql(psprintf("ALTER ROLE %s NOLOGIN", role));
}

/*
 * DROP ROLE in a subtransaction; on failure (it owns objects or holds
 * privileges somewhere) returns the reason and leaves the role as it was.
 */
static char *
try_drop(const char *name)
{
	MemoryContext outer = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	char	   *volatile failure = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(outer);
	PG_TRY();
	{
		autouser_admin_sql(psprintf("DROP ROLE %s", quote_identifier(name)));
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(outer);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		failure = psprintf("%s%s%s", edata->message,
						   edata->detail ? ": " : "", edata->detail ? edata->detail : "");
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(outer);
	CurrentResourceOwner = owner;
	return failure;
}

AutouserCleanupResult
autouser_cleanup_role(const char *name, pid_t exited_pid, TimestampTz ended_at,
					  AutouserCleanupMode mode, const char *why)
{
	HeapTuple	tuple;
	Oid			role;
	bool		can_login;
	Oid			group;
	List	   *granted;
	int			counted;
	char	   *detail;
	char	   *drop_failure;

	(void) autouser_lock_role(name, ExclusiveLock, true);
	tuple = SearchSysCache1(AUTHNAME, CStringGetDatum(name));
	if (!HeapTupleIsValid(tuple))
		return AUTOUSER_CLEANUP_NOT_MANAGED;
	role = ((Form_pg_authid) GETSTRUCT(tuple))->oid;
	can_login = ((Form_pg_authid) GETSTRUCT(tuple))->rolcanlogin;
	ReleaseSysCache(tuple);
	group = autouser_group_role_oid();
	if (!autouser_role_is_managed(role, group))
		return AUTOUSER_CLEANUP_NOT_MANAGED;
	if (autouser_role_sessions(role, exited_pid, &counted) > 0)
		return counted > 0 ? AUTOUSER_CLEANUP_BUSY : AUTOUSER_CLEANUP_BUSY_UNCOUNTED;

	if (ended_at != 0)
		autouser_user_state_logout(name, ended_at);
	if (mode == AUTOUSER_CLEANUP_OFF)
		return AUTOUSER_CLEANUP_NOTHING;
	granted = granted_roles(role, group);
	if (!can_login && granted == NIL)
		return AUTOUSER_CLEANUP_NOTHING;

	detail = ended_at != 0
		? psprintf("%ld ms after the last session ended",
				   (long) TimestampDifferenceMilliseconds(ended_at, GetCurrentTimestamp()))
		: pstrdup(why);
	if (mode == AUTOUSER_CLEANUP_DROP)
	{
		drop_failure = try_drop(name);
		if (drop_failure == NULL)
		{
			autouser_user_state_forget(name);
			autouser_event_record(AUTOUSER_EVENT_DROP, name, name, NULL, granted, detail, MyProcPid);
			return AUTOUSER_CLEANED;
		}
		detail = psprintf("%s; could not drop, deactivated instead: %s", detail, drop_failure);
	}
	deactivate(name, granted);
	autouser_event_record(AUTOUSER_EVENT_DEACTIVATE, name, name, NULL, granted, detail, MyProcPid);
	return AUTOUSER_CLEANED;
}

/*
 * Cleans every managed role that can log in and has no session, and purges
 * old events.  Returns how many roles were cleaned.
 */
int
autouser_sweep(void)
{
	Oid			group = autouser_group_role_oid();
	Oid			types[1] = {OIDOID};
	Datum		values[1];
	List	   *names = NIL;
	int			cleaned = 0;
	ListCell   *lc;

	autouser_events_purge();
	if (!OidIsValid(group) || autouser_cleanup == AUTOUSER_CLEANUP_OFF)
		return 0;
	values[0] = ObjectIdGetDatum(group);
	/* pg_roles, not pg_authid: a grantee of sweep() need not be superuser. */
	if (SPI_execute_with_args("SELECT a.rolname::text FROM pg_catalog.pg_auth_members m"
							  " JOIN pg_catalog.pg_roles a ON a.oid = m.member"
							  " WHERE m.roleid = $1 AND a.rolcanlogin ORDER BY 1",
							  1, types, values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pg_autouser: sweep query failed");
	for (uint64 i = 0; i < SPI_processed; i++)
		names = lappend(names, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	foreach(lc, names)
	{
		/* A role still in its cleanup_delay grace period is not the sweep's. */
		if (autouser_cleanup_is_pending(get_role_oid(lfirst(lc), true), autouser_cleanup_delay))
			continue;
		if (autouser_cleanup_role(lfirst(lc), 0, 0, autouser_cleanup, "sweep") == AUTOUSER_CLEANED)
			cleaned++;
	}
	if (cleaned > 0)
		autouser_event_record(AUTOUSER_EVENT_SWEEP, NULL, NULL, NULL, NULL,
							  psprintf("%d role(s) without a session cleaned", cleaned), MyProcPid);
	return cleaned;
}
