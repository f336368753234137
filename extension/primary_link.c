/*
 * primary_link.c -- a standby process's libpq connection to its primary
 * (pg_autouser.primary_conninfo), logged in as pg_autouser.admin_role with
 * whatever the string says (a certificate, a passfile): made on first use,
 * kept, dropped after any failure.  Every wait is bounded by the caller's
 * deadline and interruptible.  It calls the primary's two functions
 * (standby_api.c) and nothing else.  Also this server's node name.
 */
#include "postgres.h"

#include <unistd.h>

#include "libpq-fe.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/postmaster.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "guc.h"
#include "primary_link.h"
#include "standby_api.h"

/* Settings the link pins on the primary (see connect_primary). */
#define AUTOUSER_LINK_OPTIONS                                                 \
	"-c search_path=pg_catalog,pg_temp -c default_transaction_read_only=off " \
	"-c statement_timeout=0 -c lock_timeout=0 "                               \
	"-c idle_in_transaction_session_timeout=0 -c role=none "                  \
	"-c default_transaction_isolation=read\\ committed -c jit=off "           \
	"-c synchronous_commit=on -c client_min_messages=warning"

static PGconn *primary = NULL;
static char   *primary_conninfo_used = NULL; /* what primary was made from */

/* pg_autouser.node_name, or host:port. */
void
autouser_my_node_name(char *name)
{
	char host[256];

	if (autouser_node_name != NULL && autouser_node_name[0] != '\0')
	{
		strlcpy(name, autouser_node_name, AUTOUSER_NODE_BYTES);
		return;
	}
	if (gethostname(host, sizeof(host)) != 0)
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(name, AUTOUSER_NODE_BYTES, "%s:%d", host, PostPortNumber);
}

/* Where primary_conninfo points, for messages: hosts and ports, no secrets. */
static void
describe_primary(char *name, size_t cap)
{
	PQconninfoOption *options =
		PQconninfoParse(autouser_primary_conninfo, NULL);
	const char *host = NULL;
	const char *port = NULL;

	for (PQconninfoOption *o = options; o && o->keyword; o++)
	{
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0 ||
			(host == NULL && strcmp(o->keyword, "hostaddr") == 0))
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	snprintf(name, cap, "\"host=%s port=%s\"", host ? host : "(default)",
			 port ? port : "(default)");
	if (options)
		PQconninfoFree(options);
}

static void
drop_link(void)
{
	if (primary != NULL)
		PQfinish(primary);
	primary = NULL;
	if (primary_conninfo_used != NULL)
		pfree(primary_conninfo_used);
	primary_conninfo_used = NULL;
}

/* libpq's message without its trailing newline, as a server-log detail. */
static void
set_failure(AutouserLinkFailure *failure, const char *what, const char *error)
{
	size_t len;

	snprintf(failure->detail, sizeof(failure->detail), "%s: %s", what,
			 error && error[0] ? error : "no error message");
	len = strlen(failure->detail);
	while (len > 0 && failure->detail[len - 1] == '\n')
		failure->detail[--len] = '\0';
	describe_primary(failure->primary, sizeof(failure->primary));
}

/* Waits for the socket (or the latch) until deadline; false once it passed. */
static bool
wait_for_socket(int events, TimestampTz deadline)
{
	long timeout =
		TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
	int rc;

	if (timeout <= 0)
		return false;
	rc = WaitLatchOrSocket(
		MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH | events,
		PQsocket(primary), timeout, PG_WAIT_EXTENSION);
	if (rc & WL_LATCH_SET)
	{
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return true;
}

static bool
connect_primary(TimestampTz deadline, AutouserLinkFailure *failure)
{
	const char               *keywords[6];
	const char               *values[6];
	int                       n = 0;
	PostgresPollingStatusType status = PGRES_POLLING_WRITING;

	/* A reload that changed the setting takes effect at the next request. */
	if (primary != NULL && PQstatus(primary) == CONNECTION_OK &&
		strcmp(primary_conninfo_used, autouser_primary_conninfo) == 0)
		return true;
	drop_link();
	primary_conninfo_used =
		MemoryContextStrdup(TopMemoryContext, autouser_primary_conninfo);
	/* The string first; what pg_autouser needs overrides what it says. */
	keywords[n] = "dbname";
	values[n++] = autouser_primary_conninfo;
	if (autouser_admin_role != NULL && autouser_admin_role[0] != '\0')
	{
		keywords[n] = "user";
		values[n++] = autouser_admin_role;
	}
	keywords[n] = "dbname";
	values[n++] = autouser_database;
	keywords[n] = "fallback_application_name";
	values[n++] = "pg_autouser standby";
	/*
	 * Client options beat the database's and the role's settings: the owner
	 * of pg_autouser.database may not steer what runs there as the admin
	 * role (a search_path finding its own types or functions, read-only
	 * transactions, timeouts).
	 */
	keywords[n] = "options";
	values[n++] = AUTOUSER_LINK_OPTIONS;
	keywords[n] = NULL;
	values[n] = NULL;

	pgstat_report_activity(STATE_RUNNING,
						   "pg_autouser: connecting to the primary");
	primary = PQconnectStartParams(keywords, values, 1);
	if (primary == NULL || PQstatus(primary) == CONNECTION_BAD)
	{
		set_failure(failure, "could not connect to the primary",
					primary ? PQerrorMessage(primary) : "out of memory");
		drop_link();
		return false;
	}
	while (status != PGRES_POLLING_OK)
	{
		if (status == PGRES_POLLING_FAILED)
		{
			set_failure(failure, "could not connect to the primary",
						PQerrorMessage(primary));
			drop_link();
			return false;
		}
		if (!wait_for_socket(status == PGRES_POLLING_READING
								 ? WL_SOCKET_READABLE
								 : WL_SOCKET_WRITEABLE,
							 deadline))
		{
			set_failure(failure, "could not connect to the primary",
						"timed out");
			drop_link();
			return false;
		}
		status = PQconnectPoll(primary);
	}
	return true;
}

/* One statement over the connection there is (see call_primary). */
static PGresult *
call_primary_once(const char *sql, int nparams, const char *const *params,
				  TimestampTz deadline, AutouserLinkFailure *failure)
{
	PGresult *result = NULL;
	PGresult *next;

	if (!PQsendQueryParams(primary, sql, nparams, NULL, params, NULL, NULL, 0))
	{
		set_failure(failure, "could not send a request to the primary",
					PQerrorMessage(primary));
		drop_link();
		return NULL;
	}
	while (PQisBusy(primary))
	{
		if (!wait_for_socket(WL_SOCKET_READABLE, deadline))
		{
			set_failure(failure, "the primary did not answer in time",
						"timed out");
			drop_link();
			return NULL;
		}
		if (!PQconsumeInput(primary))
		{
			set_failure(failure, "lost the connection to the primary",
						PQerrorMessage(primary));
			drop_link();
			return NULL;
		}
	}
	while ((next = PQgetResult(primary)) != NULL)
	{
		if (result != NULL)
			PQclear(result);
		result = next;
	}
	if (result == NULL || PQresultStatus(result) != PGRES_TUPLES_OK)
	{
		set_failure(failure, "the primary refused the request",
					result ? PQresultErrorMessage(result)
						   : PQerrorMessage(primary));
		if (result != NULL)
			PQclear(result);
		/* A connection that broke is made again next time. */
		if (PQstatus(primary) != CONNECTION_OK)
			drop_link();
		return NULL;
	}
	return result;
}

/*
 * Runs one statement on the primary; its single result, or NULL with
 * failure filled in.  The caller PQclear()s the result.  A kept connection
 * may have died with a primary that restarted since: the statement is then
 * sent once more over a new one.
 */
static PGresult *
call_primary(const char *sql, int nparams, const char *const *params,
			 TimestampTz deadline, AutouserLinkFailure *failure)
{
	bool kept = primary != NULL && PQstatus(primary) == CONNECTION_OK &&
				primary_conninfo_used != NULL &&
				strcmp(primary_conninfo_used, autouser_primary_conninfo) == 0;
	PGresult *result;

	if (!connect_primary(deadline, failure))
		return NULL;
	result = call_primary_once(sql, nparams, params, deadline, failure);
	if (result == NULL && kept && primary == NULL)
	{
		if (!connect_primary(deadline, failure))
			return NULL;
		result = call_primary_once(sql, nparams, params, deadline, failure);
	}
	return result;
}

/* attrs "name\0value\0..." as a text[] literal. */
static char *
attrs_literal(const AutouserRequest *request)
{
	StringInfoData buf;
	int            pos = 0;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	while (pos < request->attrs_len)
	{
		const char *item = request->attrs + pos;

		if (pos > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoChar(&buf, '"');
		for (const char *c = item; *c; c++)
		{
			if (*c == '"' || *c == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, *c);
		}
		appendStringInfoChar(&buf, '"');
		pos += strlen(item) + 1;
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/*
 * Asks the primary to provision request's login on this standby.  True with
 * the primary's decision in answer and the LSN to replay before admitting;
 * false when the primary could not be asked (failure says why).
 */
bool
autouser_primary_provision(const AutouserRequest *request,
						   TimestampTz deadline, AutouserDecision *answer,
						   XLogRecPtr *lsn, AutouserLinkFailure *failure)
{
	char        node[AUTOUSER_NODE_BYTES];
	const char *params[4];
	PGresult   *result;
	int         outcome;
	uint32      hi;
	uint32      lo;

	autouser_my_node_name(node);
	params[0] = node;
	params[1] = request->identity;
	params[2] = request->database;
	params[3] = attrs_literal(request);
	pgstat_report_activity(STATE_RUNNING,
						   "pg_autouser: provisioning through the primary");
	result = call_primary(
		"SELECT outcome, bad_role, via_role, reason, rule_id, other_sessions,"
		" detail, lsn FROM autouser._provision_for_standby($1, $2, $3, $4::pg_catalog.text[])",
		4, params, deadline, failure);
	if (result == NULL)
		return false;
	memset(answer, 0, sizeof(AutouserDecision));
	outcome = PQntuples(result) == 1 && PQnfields(result) == 8
				  ? autouser_outcome_by_name(PQgetvalue(result, 0, 0))
				  : -1;
	if (outcome < 0 ||
		sscanf(PQgetvalue(result, 0, 7), "%X/%X", &hi, &lo) != 2)
	{
		set_failure(failure,
					"the primary gave an answer this server cannot read",
					PQntuples(result) == 1 ? PQgetvalue(result, 0, 0) : "");
		PQclear(result);
		return false;
	}
	answer->outcome = (AutouserOutcome) outcome;
	strlcpy(answer->bad_role, PQgetvalue(result, 0, 1),
			sizeof(answer->bad_role));
	strlcpy(answer->via_role, PQgetvalue(result, 0, 2),
			sizeof(answer->via_role));
	answer->reason = atoi(PQgetvalue(result, 0, 3));
	answer->rule_id = strtoll(PQgetvalue(result, 0, 4), NULL, 10);
	answer->other_sessions = atoi(PQgetvalue(result, 0, 5));
	strlcpy(answer->detail, PQgetvalue(result, 0, 6), sizeof(answer->detail));
	*lsn = ((uint64) hi << 32) | lo;
	PQclear(result);
	return true;
}

/* Reports this standby's sessions (a JSON array) to the primary. */
bool
autouser_primary_renew(const char *sessions, TimestampTz deadline,
					   AutouserLinkFailure *failure)
{
	char        node[AUTOUSER_NODE_BYTES];
	const char *params[2];
	PGresult   *result;

	autouser_my_node_name(node);
	params[0] = node;
	params[1] = sessions;
	result =
		call_primary("SELECT autouser._renew_leases($1, $2::pg_catalog.jsonb)",
					 2, params, deadline, failure);
	if (result == NULL)
		return false;
	PQclear(result);
	return true;
}

/* A promoted server, or a setting gone: stop talking to the old primary. */
void
autouser_primary_disconnect(void)
{
	drop_link();
}
