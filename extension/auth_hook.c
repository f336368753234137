/*
 * auth_hook.c -- the ClientAuthentication_hook: filters certificate logins,
 * answers the fast path and rejections from the published rules and the
 * shared catalogs, otherwise hands the login to a worker and waits (bounded,
 * interruptible) for the role to be ready.  Never writes a catalog itself:
 * no database is selected yet at this point.
 */
#include "postgres.h"

#include "access/xlog.h"
#include "libpq/auth.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/postmaster.h"
#include "storage/condition_variable.h"
#include "catalog/pg_authid.h"
#include "access/htup_details.h"
#include "utils/inval.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "auth_hook.h"
#include "cert_attrs.h"
#include "guc.h"
#include "plan.h"
#include "queue_worker.h"
#include "events.h"
#include "role_lock.h"
#include "rules_cache.h"

/* Answer the client this long before authentication_timeout would kill it. */
#define AUTOUSER_AUTH_TIMEOUT_MARGIN_MS 500
#define AUTOUSER_WAIT_TICK_MS 100

static ClientAuthentication_hook_type prev_client_auth_hook = NULL;

/* The hba line made PostgreSQL check the user name against the CN. */
static bool
cn_bound_to_user(const HbaLine *hba)
{
	if (hba == NULL || hba->clientcertname != clientCertCN)
		return false;
	return hba->auth_method == uaCert || hba->clientcert == clientCertFull;
}

static void
unavailable(const char *identity, AutouserUnavailable why, const char *detail)
{
	const char *hint;

	switch (why)
	{
		case AUTOUSER_UNAVAILABLE_NO_WORKERS:
			hint = "The pg_autouser workers are not running; see the server log.";
			break;
		case AUTOUSER_UNAVAILABLE_NO_DATABASE:
			hint = psprintf("The pg_autouser workers cannot connect to database \"%s\" (pg_autouser.database).",
							autouser_database);
			break;
		case AUTOUSER_UNAVAILABLE_NO_EXTENSION:
			hint = psprintf("Run CREATE EXTENSION pg_autouser in database \"%s\".",
							autouser_database);
			break;
		case AUTOUSER_UNAVAILABLE_STANDBY:
			hint = "This server is a standby; connect to the primary once to be provisioned.";
			break;
		case AUTOUSER_UNAVAILABLE_TIMEOUT:
			hint = "Provisioning did not finish within pg_autouser.provision_timeout; try again.";
			break;
		default:
			hint = "Provisioning failed; the server log says why.";
			break;
	}
	ereport(FATAL,
			(errcode(ERRCODE_CANNOT_CONNECT_NOW),
			 errmsg("cannot provision role \"%s\" now", identity),
			 detail && detail[0] ? errdetail_log("%s", detail) : 0,
			 errhint("%s", hint)));
}

/*
 * PostgreSQL cut the requested user name to 63 bytes and the cert check
 * failed; say why instead of leaving a bare CN mismatch.
 */
static void
explain_long_cn(Port *port)
{
	if (port->peer_cn && strlen(port->peer_cn) >= NAMEDATALEN &&
		strncmp(port->peer_cn, port->user_name, NAMEDATALEN - 1) == 0)
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("certificate common name is longer than 63 bytes and cannot be a role name"),
				 errdetail_log("Certificate CN \"%s\" (%zu bytes).",
							   port->peer_cn, strlen(port->peer_cn))));
}

static TimestampTz
wait_deadline(void)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   autouser_provision_timeout);

	if (get_timeout_active(STATEMENT_TIMEOUT))
	{
		TimestampTz auth_kill = TimestampTzPlusMilliseconds(get_timeout_finish_time(STATEMENT_TIMEOUT),
															-AUTOUSER_AUTH_TIMEOUT_MARGIN_MS);

		if (auth_kill < deadline)
			deadline = auth_kill;
	}
	return deadline;
}

/*
 * Why no worker can take a request right now, or AUTOUSER_OK.  Workers that
 * are starting up count as reachable: the wait covers their start.
 */
static AutouserUnavailable
workers_unreachable(void)
{
	bool		starting = false;
	int			failures;

	if (RecoveryInProgress())
		return AUTOUSER_UNAVAILABLE_STANDBY;
	if (autouser_connected_workers() > 0)
		return AUTOUSER_OK;
	LWLockAcquire(autouser_shared->queue_lock, LW_SHARED);
	for (int i = 0; i < AUTOUSER_MAX_WORKERS; i++)
		starting |= autouser_shared->workers[i].pid != 0;
	failures = autouser_shared->connect_failures;
	LWLockRelease(autouser_shared->queue_lock);
	if (failures > 0)
		return AUTOUSER_UNAVAILABLE_NO_DATABASE;
	return starting ? AUTOUSER_OK : AUTOUSER_UNAVAILABLE_NO_WORKERS;
}

/* Hand the request to a worker and wait for its answer or the deadline. */
static void
ask_worker(AutouserSlot *slot, const AutouserRequest *request, AutouserAnswer *answer)
{
	TimestampTz deadline = wait_deadline();
	uint32		generation;
	bool		done = false;

	generation = autouser_queue_submit(slot, request);
	ConditionVariablePrepareToSleep(&slot->cv);
	for (;;)
	{
		long		remaining;

		if (autouser_queue_poll(slot, generation, answer))
		{
			done = true;
			break;
		}
		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		if (remaining <= 0)
			break;
		/* Interruptible: SIGTERM or authentication_timeout ends the wait. */
		(void) ConditionVariableTimedSleep(&slot->cv, Min(remaining, AUTOUSER_WAIT_TICK_MS),
										   PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
	if (!done)
	{
		autouser_queue_abandon(slot, generation);
		unavailable(request->identity, AUTOUSER_UNAVAILABLE_TIMEOUT,
					psprintf("No pg_autouser worker answered within %d ms.",
							 autouser_provision_timeout));
	}
}

/* The role is ready: make it visible to this backend and count the session. */
static void
admit(const char *identity)
{
	HeapTuple	tuple;
	Oid			role;

	/* Without this, a stale negative syscache entry says "role does not exist". */
	AcceptInvalidationMessages();
	tuple = SearchSysCache1(AUTHNAME, CStringGetDatum(identity));
	if (!HeapTupleIsValid(tuple))
		unavailable(identity, AUTOUSER_UNAVAILABLE_FAILED,
					"The provisioned role is not visible to the login.");
	role = ((Form_pg_authid) GETSTRUCT(tuple))->oid;
	ReleaseSysCache(tuple);
	autouser_session_started(role);
}

static void
reject_from_answer(const AutouserRequest *request, const AutouserAnswer *answer)
{
	AutouserPlan plan;

	memset(&plan, 0, sizeof(plan));
	plan.action = answer->action;
	plan.bad_role = pstrdup(answer->role);
	plan.detail = pstrdup(answer->detail);
	autouser_report_rejection(FATAL, request->identity, request->database, &plan);
}

/*
 * The fast path: decide from the published rules and the catalogs alone.
 * Returns true when the login is settled (admitted, or not ours), false when
 * a worker must decide; a refusal does not return.  The role's lock, tried
 * shared and never waited for, keeps a cleanup from starting between the
 * decision and this backend being counted as a session of the role; if a
 * writer holds it, a worker decides after that writer has committed.
 */
static bool
decided_without_worker(const AutouserRequest *request, const AutouserEval *eval)
{
	AutouserPlan plan;

	if (!autouser_lock_role(request->identity, ShareLock, false))
		return false;
	autouser_plan_from_eval(request, eval, &plan);
	if (plan.rules_broken || autouser_action_needs_write(plan.action))
	{
		autouser_unlock_role(request->identity, ShareLock);
		return false;
	}
	if (plan.action == AUTOUSER_ACTION_NONE)
	{
		autouser_unlock_role(request->identity, ShareLock);
		return true;
	}
	if (plan.action == AUTOUSER_ACTION_ADMIT)
	{
		autouser_session_started(plan.role_oid);
		autouser_unlock_role(request->identity, ShareLock);
		autouser_event_queue(AUTOUSER_EVENT_LOGIN, request->identity, request->database, NULL);
		return true;
	}
	autouser_event_queue(AUTOUSER_EVENT_REJECT, request->identity, request->database, plan.detail);
	autouser_report_rejection(FATAL, request->identity, request->database, &plan);
	return false;				/* not reached */
}

static void
provision(Port *port)
{
	AutouserRequest request;
	AutouserEval eval;
	AutouserRulesState state;
	bool		evaluated;
	AutouserAnswer answer;
	AutouserSlot *slot;
	AutouserUnavailable why;

	memset(&request, 0, sizeof(request));
	strlcpy(request.identity, port->peer_cn, NAMEDATALEN);
	strlcpy(request.database, port->database_name, NAMEDATALEN);
	if (!autouser_cert_attrs(port, request.attrs, AUTOUSER_ATTRS_BYTES, &request.attrs_len))
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("certificate subject of \"%s\" cannot be read by pg_autouser",
						request.identity),
				 errdetail_log("The subject is over %d bytes or holds a value that is not text.",
							   AUTOUSER_ATTRS_BYTES)));

	slot = autouser_my_slot();
	evaluated = autouser_rules_evaluate_published(&request, &eval, &state);

	if (state == AUTOUSER_RULES_NO_EXTENSION)
	{
		/* Inert: an existing role logs in as in plain PostgreSQL. */
		if (SearchSysCacheExists1(AUTHNAME, CStringGetDatum(request.identity)))
			return;
		unavailable(request.identity, AUTOUSER_UNAVAILABLE_NO_EXTENSION, NULL);
	}

	if (evaluated && decided_without_worker(&request, &eval))
		return;

	/* Needs a write, or the rules here are not current: a worker decides. */
	why = workers_unreachable();
	if (why != AUTOUSER_OK)
	{
		/* Never loaded any rules: inert, so an existing role is left alone. */
		if (state != AUTOUSER_RULES_LOADED &&
			SearchSysCacheExists1(AUTHNAME, CStringGetDatum(request.identity)))
			return;
		unavailable(request.identity, why, NULL);
	}
	ask_worker(slot, &request, &answer);
	if (answer.unavailable != AUTOUSER_OK)
	{
		if (answer.unavailable == AUTOUSER_UNAVAILABLE_NO_EXTENSION &&
			SearchSysCacheExists1(AUTHNAME, CStringGetDatum(request.identity)))
			return;
		unavailable(request.identity, answer.unavailable, answer.detail);
	}
	switch (answer.action)
	{
		case AUTOUSER_ACTION_NONE:
			return;
		case AUTOUSER_ACTION_ADMIT:
		case AUTOUSER_ACTION_CREATE:
		case AUTOUSER_ACTION_REACTIVATE:
			admit(request.identity);
			return;
		default:
			reject_from_answer(&request, &answer);
	}
}

static void
autouser_client_auth(Port *port, int status)
{
	const char *problem;

	if (prev_client_auth_hook)
		prev_client_auth_hook(port, status);

	/* Cheap filters first: most logins never touch shared memory. */
	if (!autouser_enabled || IsBinaryUpgrade || autouser_shared == NULL)
		return;
	if (!port->peer_cert_valid || port->peer_cn == NULL || !cn_bound_to_user(port->hba))
		return;
	if (status != STATUS_OK)
	{
		explain_long_cn(port);
		return;
	}
	if (strcmp(port->user_name, port->peer_cn) != 0)
		return;

	problem = autouser_identity_problem(port->peer_cn, strlen(port->peer_cn));
	if (problem)
	{
		/* An existing unmanaged role keeps plain certificate auth. */
		HeapTuple	tuple = SearchSysCache1(AUTHNAME, CStringGetDatum(port->peer_cn));

		if (HeapTupleIsValid(tuple))
		{
			Oid			role = ((Form_pg_authid) GETSTRUCT(tuple))->oid;

			ReleaseSysCache(tuple);
			if (!autouser_role_is_managed(role, autouser_group_role_oid()))
				return;
		}
		ereport(FATAL,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("certificate common name %s and cannot be a role name", problem),
				 errdetail_log("Certificate CN \"%s\".", port->peer_cn)));
	}
	provision(port);
}

void
autouser_auth_hook_init(void)
{
	prev_client_auth_hook = ClientAuthentication_hook;
	ClientAuthentication_hook = autouser_client_auth;
}
