/*
 * terminate.c -- ends every session of a managed role the way
 * pg_terminate_backend does (SIGTERM, then a bounded wait for the backend to
 * go), and in the terminated backend turns PostgreSQL's "terminating
 * connection due to administrator command" (57P01) into a message that says
 * why: the role was deactivated, the rules changed, the certificate expired
 * or was revoked.  Who may do this is the caller's business.
 */
#include "postgres.h"

#include <signal.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/elog.h"
#include "utils/memutils.h"

#include "terminate.h"

#define AUTOUSER_TERMINATE_POLL_MS 10

static emit_log_hook_type prev_emit_log_hook = NULL;

/* In a backend pg_autouser terminates: say why in the 57P01 it reports. */
static void
explain_termination(ErrorData *edata)
{
	const char *message = NULL;

	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
	if (edata->elevel != FATAL ||
		edata->sqlerrcode != ERRCODE_ADMIN_SHUTDOWN || !ProcDiePending)
		return;
	switch (autouser_session_my_end_reason())
	{
		case AUTOUSER_END_NONE:
			return;
		case AUTOUSER_END_DEACTIVATE:
			message =
				"terminating connection because pg_autouser deactivated its role";
			break;
		case AUTOUSER_END_RULE_CHANGE:
			message =
				"terminating connection because the pg_autouser rules no longer grant its roles";
			break;
		case AUTOUSER_END_CERT_EXPIRED:
			message =
				"terminating connection because its client certificate expired";
			break;
		case AUTOUSER_END_CERT_REVOKED:
			message =
				"terminating connection because its client certificate was revoked";
			break;
	}
	edata->message = MemoryContextStrdup(ErrorContext, message);
}

void
autouser_terminate_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = explain_termination;
}

/* Whether pid is still a backend logged in as role. */
static bool
still_there(pid_t pid, Oid role)
{
	PGPROC *proc = BackendPidGetProc(pid);

	return proc != NULL && proc->roleId == role;
}

/*
 * Ends role's sessions (the counted ones, and any other backend logged in as
 * it), waiting up to wait_ms for them to go.  Returns how many were
 * signalled.
 */
int
autouser_terminate_sessions(Oid role, AutouserEndReason reason, long wait_ms)
{
	int         max = MaxBackends;
	pid_t      *pids = palloc(sizeof(pid_t) * max);
	int         n = autouser_sessions_mark_ending(role, reason, pids, max);
	TimestampTz deadline;

	/* Backends of the role that did not come through pg_autouser. */
	LWLockAcquire(ProcArrayLock, LW_SHARED);
	for (uint32 i = 0; i < ProcGlobal->allProcCount && n < max; i++)
	{
		PGPROC *proc = &ProcGlobal->allProcs[i];
		bool    known = false;

		if (proc->pid == 0 || proc->pid == MyProcPid || proc->roleId != role)
			continue;
		for (int k = 0; k < n && !known; k++)
			known = pids[k] == proc->pid;
		if (!known)
			pids[n++] = proc->pid;
	}
	LWLockRelease(ProcArrayLock);

	for (int k = 0; k < n; k++)
		if (still_there(pids[k], role))
			(void) kill(pids[k], SIGTERM);

	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), wait_ms);
	for (int k = 0; k < n; k++)
	{
		while (still_there(pids[k], role) && GetCurrentTimestamp() < deadline)
		{
			(void) WaitLatch(MyLatch,
							 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 AUTOUSER_TERMINATE_POLL_MS, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
	return n;
}
