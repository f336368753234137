/*
 * forward.c -- a standby worker provisions a login through the primary
 * (SPEC 10): the primary decides from its own rules and commits, this
 * standby waits until it has replayed that commit, counts the waiting
 * logins as sessions of the role, and answers them.  All before the
 * logins stop waiting (pg_autouser.provision_timeout).
 */
#include "postgres.h"

#include "access/xlog.h"
#include "access/xlogrecovery.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/acl.h"
#include "utils/wait_event.h"

#include "forward.h"
#include "guc.h"
#include "primary_link.h"
#include "worker_runtime.h"

/*
 * How often a login waiting for replay looks again: replay of the primary's
 * commit usually takes a few milliseconds, and every millisecond of overshoot
 * is added to the login; a look is one read of shared memory.
 */
#define AUTOUSER_REPLAY_POLL_MS 1
/* Time left for the answer to reach the waiting login. */
#define AUTOUSER_ANSWER_MARGIN_MS 200

typedef struct CountWork
{
	AutouserClaim    *claim;
	AutouserDecision *answer;
} CountWork;

/* In a transaction that sees what was replayed: count the logins. */
static void
count_step(void *arg)
{
	CountWork *work = arg;
	Oid        role = get_role_oid(work->claim->request.identity, true);

	if (!OidIsValid(role))
	{
		memset(work->answer, 0, sizeof(AutouserDecision));
		work->answer->outcome = AUTOUSER_UNAVAILABLE_FAILED;
		strlcpy(
			work->answer->detail,
			"The role the primary provisioned is not visible on this standby after replay.",
			AUTOUSER_DETAIL_BYTES);
		return;
	}
	work->answer->role = role;
	(void) autouser_queue_count_claim(work->claim, role);
}

/* Until this standby has replayed lsn, or deadline; false if it has not. */
static bool
wait_for_replay(XLogRecPtr lsn, TimestampTz deadline)
{
	pgstat_report_activity(
		STATE_RUNNING,
		"pg_autouser: waiting for replay of the primary's answer");
	while (GetXLogReplayRecPtr(NULL) < lsn)
	{
		if (GetCurrentTimestamp() >= deadline)
			return false;
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 AUTOUSER_REPLAY_POLL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	return true;
}

void
autouser_forward_to_primary(AutouserClaim *claim, AutouserDecision *answer)
{
	/* Answer in time for the login to hear it, whatever the reason. */
	TimestampTz deadline = TimestampTzPlusMilliseconds(
		claim->request.deadline, -AUTOUSER_ANSWER_MARGIN_MS);
	AutouserLinkFailure failure;
	XLogRecPtr          lsn;
	CountWork           work = {claim, answer};
	char                error[AUTOUSER_DETAIL_BYTES];

	if (!autouser_primary_provision(&claim->request, deadline, answer, &lsn,
									&failure))
	{
		memset(answer, 0, sizeof(AutouserDecision));
		answer->outcome = AUTOUSER_UNAVAILABLE_PRIMARY;
		strlcpy(answer->detail, failure.detail, AUTOUSER_DETAIL_BYTES);
		strlcpy(answer->primary, failure.primary, AUTOUSER_NODE_BYTES);
		return;
	}
	if (answer->outcome != AUTOUSER_ADMIT &&
		!AutouserOutcomeNeedsWrite(answer->outcome))
		return; /* refused, or not ours: nothing to replay */
	if (!wait_for_replay(lsn, deadline))
	{
		memset(answer, 0, sizeof(AutouserDecision));
		answer->outcome = AUTOUSER_UNAVAILABLE_LAG;
		snprintf(
			answer->detail, AUTOUSER_DETAIL_BYTES,
			"The primary committed at %X/%X; this standby had replayed up to %X/%X when the login's time was up.",
			LSN_FORMAT_ARGS(lsn), LSN_FORMAT_ARGS(GetXLogReplayRecPtr(NULL)));
		return;
	}
	if (!autouser_run_in_transaction(count_step, &work, error, sizeof(error),
									 NULL))
	{
		memset(answer, 0, sizeof(AutouserDecision));
		answer->outcome = AUTOUSER_UNAVAILABLE_FAILED;
		strlcpy(answer->detail, error, AUTOUSER_DETAIL_BYTES);
	}
}
