/*
 * replica_duty.c -- the cleanup worker's part in replication (SPEC 10): on
 * a standby with pg_autouser.primary_conninfo, report the sessions of
 * managed roles held here to the primary every pg_autouser.lease_interval;
 * and end, within a second of replaying it, the sessions of roles the
 * primary made inactive.  On a primary, every second, let the leases of
 * standbys that stopped reporting lapse and hand their roles to cleanup.
 */
#include "postgres.h"

#include <unistd.h>

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/postmaster.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/syscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "guc.h"
#include "leases.h"
#include "primary_link.h"
#include "terminate.h"
#include "replica_duty.h"
#include "rules_cache.h"
#include "sessions.h"
#include "worker_runtime.h"

#define AUTOUSER_LEASE_CHECK_MS 1000

typedef struct ReportWork
{
	MemoryContext into;
	const char   *instance; /* this server run */
	char         *json;     /* in into */
} ReportWork;

/*
 * This server run, as the primary tells the reports of two standbys that
 * share a node name apart: host, postmaster pid and start time.
 */
static const char *
my_instance(void)
{
	static char instance[AUTOUSER_NODE_BYTES];

	if (instance[0] == '\0')
	{
		char host[64];

		if (gethostname(host, sizeof(host)) != 0)
			strlcpy(host, "localhost", sizeof(host));
		host[sizeof(host) - 1] = '\0';
		snprintf(instance, sizeof(instance), "%s:%d:" INT64_FORMAT, host,
				 (int) PostmasterPid, (int64) PgStartTime);
	}
	return instance;
}

static void
append_field(StringInfo buf, const char *key, const char *value, bool first)
{
	if (!first)
		appendStringInfoChar(buf, ',');
	escape_json(buf, key);
	appendStringInfoChar(buf, ':');
	if (value == NULL || value[0] == '\0')
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, value);
}

/* This standby's sessions of managed roles, as a JSON array. */
static void
report_step(void *arg)
{
	ReportWork         *work = arg;
	AutouserSessionRow *rows;
	int                 n = autouser_sessions_snapshot(&rows);
	StringInfoData      buf;

	pgstat_report_activity(STATE_RUNNING,
						   "pg_autouser: listing sessions for the primary");
	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"instance\":");
	escape_json(&buf, work->instance);
	appendStringInfoString(&buf, ",\"sessions\":[");
	for (int i = 0; i < n; i++)
	{
		char *role = GetUserNameFromId(rows[i].role, true);

		if (role == NULL)
			continue;
		if (buf.data[buf.len - 1] != '[')
			appendStringInfoChar(&buf, ',');
		appendStringInfo(&buf, "{\"pid\":%d,", (int) rows[i].pid);
		append_field(&buf, "role", role, true);
		append_field(&buf, "database", rows[i].database, false);
		append_field(&buf, "backend_start",
					 timestamptz_to_str(rows[i].backend_start), false);
		append_field(&buf, "cert_serial", rows[i].cert.serial, false);
		append_field(&buf, "cert_issuer", rows[i].cert.issuer, false);
		append_field(&buf, "cert_not_after",
					 rows[i].cert.not_after != 0
						 ? timestamptz_to_str(rows[i].cert.not_after)
						 : NULL,
					 false);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "]}");
	work->json = MemoryContextStrdup(work->into, buf.data);
}

/*
 * On a standby: reports its sessions when next_report is due.  Returns when
 * the next report is due.  A primary out of reach is logged (at most once
 * a minute) and tried again at the next interval; its leases lapse
 * meanwhile, as they must when it cannot hear from us.
 */
TimestampTz
autouser_report_sessions(TimestampTz next_report)
{
	static TimestampTz  last_failure_log = 0;
	TimestampTz         now = GetCurrentTimestamp();
	ReportWork          work = {CurrentMemoryContext, my_instance(), NULL};
	AutouserLinkFailure failure;
	char                error[AUTOUSER_DETAIL_BYTES];

	if (autouser_primary_conninfo[0] == '\0')
		return 0;
	if (next_report != 0 && now < next_report)
		return next_report;
	next_report =
		TimestampTzPlusMilliseconds(now, autouser_lease_interval * 1000L);
	if (!autouser_run_in_transaction(report_step, &work, error, sizeof(error),
									 NULL))
		return next_report;
	if (!autouser_primary_renew(work.json, next_report, &failure) &&
		(last_failure_log == 0 ||
		 TimestampDifferenceExceeds(last_failure_log, now, 60 * 1000)))
	{
		last_failure_log = now;
		ereport(
			LOG,
			(errmsg(
				 "pg_autouser could not report this standby's sessions to the primary %s",
				 failure.primary),
			 errdetail_internal("%s", failure.detail)));
	}
	pgstat_report_activity(STATE_IDLE, NULL);
	return next_report;
}

static void
expire_step(void *arg)
{
	pgstat_report_activity(STATE_RUNNING, "pg_autouser: checking leases");
	if (autouser_extension_exists() && autouser_schema_is_current())
		(void) autouser_leases_expire();
}

/* On a primary: lapsed leases, once a second.  Returns when next due. */
TimestampTz
autouser_expire_leases(TimestampTz next_check)
{
	TimestampTz now = GetCurrentTimestamp();
	char        error[AUTOUSER_DETAIL_BYTES];

	if (next_check != 0 && now < next_check)
		return next_check;
	(void) autouser_run_in_transaction(expire_step, NULL, error, sizeof(error),
									   NULL);
	return TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
									   AUTOUSER_LEASE_CHECK_MS);
}

typedef struct InactiveWork
{
	MemoryContext into; /* the list outlives the transaction */
	List         *roles;
} InactiveWork;

static void
inactive_step(void *arg)
{
	InactiveWork *work = arg;
	ListCell     *lc;

	foreach(lc, autouser_sessions_roles())
	{
		HeapTuple tuple =
			SearchSysCache1(AUTHOID, ObjectIdGetDatum(lfirst_oid(lc)));
		bool can_login = HeapTupleIsValid(tuple) &&
						 ((Form_pg_authid) GETSTRUCT(tuple))->rolcanlogin;

		if (HeapTupleIsValid(tuple))
			ReleaseSysCache(tuple);
		if (!can_login)
		{
			MemoryContext old = MemoryContextSwitchTo(work->into);

			work->roles = lappend_oid(work->roles, lfirst_oid(lc));
			MemoryContextSwitchTo(old);
		}
	}
}

/*
 * On a standby: ends the sessions of roles the primary deactivated (or
 * dropped) once this standby has replayed that, checked once a second.
 * Returns when next due.
 */
TimestampTz
autouser_end_sessions_of_inactive_roles(TimestampTz next_check)
{
	TimestampTz  now = GetCurrentTimestamp();
	InactiveWork work = {CurrentMemoryContext, NIL};
	ListCell    *lc;
	char         error[AUTOUSER_DETAIL_BYTES];

	if (next_check != 0 && now < next_check)
		return next_check;
	if (autouser_run_in_transaction(inactive_step, &work, error, sizeof(error),
									NULL))
		foreach(lc, work.roles)
			(void) autouser_terminate_sessions(lfirst_oid(lc),
											   AUTOUSER_END_DEACTIVATE, 0, 0);
	return TimestampTzPlusMilliseconds(now, AUTOUSER_LEASE_CHECK_MS);
}
