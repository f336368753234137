/*
 * ask.c -- hands a request to the provisioning workers and waits for the
 * answer, bounded and interruptible: for a login (auth_hook.c) and for a
 * standby asking this primary (standby_api.c).
 */
#include "postgres.h"

#include "access/xlog.h"
#include "storage/condition_variable.h"
#include "utils/timeout.h"
#include "utils/wait_event.h"
#include "utils/timestamp.h"

#include "ask.h"
#include "guc.h"
#include "queue.h"
#include "stats.h"
#include "workers.h"

/* Answer the client this long before authentication_timeout would kill it. */
#define AUTOUSER_AUTH_TIMEOUT_MARGIN_MS 500
#define AUTOUSER_WAIT_TICK_MS           100

static TimestampTz
wait_deadline(void)
{
	TimestampTz deadline = TimestampTzPlusMilliseconds(
		GetCurrentTimestamp(), autouser_provision_timeout);

	/* PostgreSQL arms authentication_timeout as the statement timeout. */
	if (get_timeout_active(STATEMENT_TIMEOUT))
	{
		TimestampTz auth_kill = TimestampTzPlusMilliseconds(
			get_timeout_finish_time(STATEMENT_TIMEOUT),
			-AUTOUSER_AUTH_TIMEOUT_MARGIN_MS);

		if (auth_kill < deadline)
			deadline = auth_kill;
	}
	return deadline;
}

/*
 * Why a request handed to the workers cannot be answered, or AUTOUSER_ADMIT
 * when it can.  Workers that are not running now are restarted by the
 * postmaster within a second: the login waits for them, and is told they
 * are not running only if they never come.
 */
AutouserOutcome
autouser_workers_unreachable(bool waited)
{
	/* A standby's workers provision through the primary, if they know it. */
	if (RecoveryInProgress() && autouser_primary_conninfo[0] == '\0')
		return AUTOUSER_UNAVAILABLE_STANDBY;
	switch (autouser_workers_reach())
	{
		case AUTOUSER_REACH_OK:
			return AUTOUSER_ADMIT;
		case AUTOUSER_REACH_NO_DATABASE:
			return AUTOUSER_UNAVAILABLE_NO_DATABASE;
		case AUTOUSER_REACH_NO_WORKERS:
			break;
	}
	return waited ? AUTOUSER_UNAVAILABLE_NO_WORKERS : AUTOUSER_ADMIT;
}

/*
 * Hands the request to a worker and waits for its answer, until
 * pg_autouser.provision_timeout (and, at login, before
 * authentication_timeout); interruptible.
 */
void
autouser_ask_workers(const AutouserRequest *request, AutouserDecision *answer)
{
	TimestampTz        started = GetCurrentTimestamp();
	TimestampTz        deadline = wait_deadline();
	ConditionVariable *cv = autouser_queue_my_cv();
	uint32             generation;
	AutouserRequest   *posted = palloc(sizeof(AutouserRequest));

	/* A worker that must wait on its own (for a primary) stops before us. */
	memcpy(posted, request, sizeof(AutouserRequest));
	posted->deadline = deadline;
	generation = autouser_queue_submit(posted);
	ConditionVariablePrepareToSleep(cv);
	for (;;)
	{
		long            remaining;
		AutouserOutcome unreachable;

		if (autouser_queue_poll(generation, answer))
			break;
		remaining =
			TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		unreachable = autouser_workers_unreachable(remaining <= 0);
		if (remaining <= 0 || unreachable != AUTOUSER_ADMIT)
		{
			bool locked = autouser_queue_abandon(generation);

			memset(answer, 0, sizeof(AutouserDecision));
			if (unreachable != AUTOUSER_ADMIT)
				answer->outcome = unreachable;
			else
				answer->outcome = locked ? AUTOUSER_UNAVAILABLE_BUSY
										 : AUTOUSER_UNAVAILABLE_TIMEOUT;
			break;
		}
		/* Interruptible: SIGTERM or authentication_timeout ends the wait. */
		(void) ConditionVariableTimedSleep(
			cv, Min(remaining, AUTOUSER_WAIT_TICK_MS), PG_WAIT_EXTENSION);
	}
	ConditionVariableCancelSleep();
	autouser_stats_wait((long) (GetCurrentTimestamp() - started));
}
