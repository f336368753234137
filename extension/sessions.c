/*
 * sessions.c -- owns two arrays in shared memory: the session registry (for
 * each backend, the managed role it is a counted session of) and the pending
 * cleanups (managed roles whose last counted session ended).  A backend
 * counts as a session from the moment it (or, for a provisioned login, the
 * worker, before its commit) records itself, until its exit callback, which
 * runs on every exit path, uncounts it and queues the role for cleanup if it
 * was the last.  Runs no SQL and decides nothing.
 *
 * Entries are indexed by the backend's proc number, which the postmaster
 * hands out uniquely below MaxBackends and takes back exactly when the
 * backend is gone.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "compat.h"
#include "sessions.h"
#include "shmem.h"
#include "workers.h"

typedef struct AutouserSession
{
	Oid               role; /* InvalidOid = not a counted session */
	pid_t             pid;
	AutouserEndReason end_reason; /* why it is being terminated, if it is */
} AutouserSession;

typedef struct AutouserSessions
{
	int  nentries;             /* MaxBackends */
	int  npending;             /* entries used in pending[] */
	bool pending_overflow;     /* some were dropped: the sweep must run */
	AutouserSession *sessions; /* nentries, compact: every login may scan it */
	AutouserPendingCleanup *pending; /* nentries */
} AutouserSessions;

static AutouserSessions *state = NULL;
static bool              exit_callback_registered = false;

Size
autouser_sessions_shmem_size(void)
{
	Size size = MAXALIGN(sizeof(AutouserSessions));

	size = add_size(size,
					MAXALIGN(mul_size(MaxBackends, sizeof(AutouserSession))));
	return add_size(size,
					mul_size(MaxBackends, sizeof(AutouserPendingCleanup)));
}

void
autouser_sessions_shmem_startup(void)
{
	bool  found;
	char *base;

	base = ShmemInitStruct("pg_autouser sessions",
						   autouser_sessions_shmem_size(), &found);
	state = (AutouserSessions *) base;
	if (found)
		return;
	memset(base, 0, autouser_sessions_shmem_size());
	state->nentries = MaxBackends;
	base += MAXALIGN(sizeof(AutouserSessions));
	state->sessions = (AutouserSession *) base;
	base += MAXALIGN(mul_size(MaxBackends, sizeof(AutouserSession)));
	state->pending = (AutouserPendingCleanup *) base;
}

/* Caller holds the lock exclusively. */
static bool
last_session_ended(Oid role)
{
	for (int i = 0; i < state->nentries; i++)
		if (state->sessions[i].role == role)
			return false;
	return true;
}

/* Caller holds the lock exclusively: (re)queue role's cleanup. */
static void
pending_put(const AutouserPendingCleanup *entry)
{
	int i;

	for (i = 0; i < state->npending; i++)
		if (state->pending[i].role == entry->role)
			break;
	if (i == state->npending)
	{
		if (state->npending == state->nentries)
		{
			state->pending_overflow = true;
			return;
		}
		state->npending++;
	}
	state->pending[i] = *entry;
}

/*
 * Every exit of a backend that may be a session: uncount it, and queue its
 * role for cleanup if this was the last session.
 */
static void
session_exit(int code, Datum arg)
{
	AutouserSession *mine = &state->sessions[AutouserMyProcNumber()];
	Oid              role;
	bool             last = false;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	role = mine->role;
	mine->role = InvalidOid;
	mine->pid = 0;
	mine->end_reason = AUTOUSER_END_NONE;
	if (OidIsValid(role) && last_session_ended(role))
	{
		AutouserPendingCleanup entry = {role, MyProcPid, GetCurrentTimestamp(),
										0, 0};

		pending_put(&entry);
		last = true;
	}
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	if (last)
		autouser_wake_cleanup();
}

/*
 * Before this backend may become a session (its own doing, or a worker's
 * for it): make sure its exit uncounts it.
 */
void
autouser_session_prepare(void)
{
	if (exit_callback_registered)
		return;
	before_shmem_exit(session_exit, (Datum) 0);
	exit_callback_registered = true;
}

/* This backend is now a session of role. */
void
autouser_session_start(Oid role)
{
	AutouserSession *mine = &state->sessions[AutouserMyProcNumber()];

	autouser_session_prepare();
	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	mine->role = role;
	mine->pid = MyProcPid;
	mine->end_reason = AUTOUSER_END_NONE;
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
}

/*
 * Worker side, before its commit: the login in procno (which has prepared
 * its exit callback) counts as a session of role from now on.  Called by
 * the queue with its lock held, so the login cannot leave in between.
 */
void
autouser_session_count_for(int procno, pid_t pid, Oid role)
{
	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	state->sessions[procno].role = role;
	state->sessions[procno].pid = pid;
	state->sessions[procno].end_reason = AUTOUSER_END_NONE;
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
}

/* Counted sessions of role, not counting the calling backend. */
int
autouser_sessions_count(Oid role)
{
	int mine = MyProc ? AutouserMyProcNumber() : -1;
	int n = 0;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_SHARED);
	for (int i = 0; i < state->nentries; i++)
		if (i != mine && state->sessions[i].role == role)
			n++;
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	return n;
}

/*
 * Pids of role's counted sessions but the caller's (at most max), each
 * marked with why it is about to be terminated.
 */
int
autouser_sessions_mark_ending(Oid role, AutouserEndReason reason, pid_t *pids,
							  int max)
{
	int n = 0;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	for (int i = 0; i < state->nentries && n < max; i++)
		if (state->sessions[i].role == role &&
			state->sessions[i].pid != MyProcPid)
		{
			state->sessions[i].end_reason = reason;
			pids[n++] = state->sessions[i].pid;
		}
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	return n;
}

/*
 * Why this backend is being terminated by pg_autouser, if it is.  Called
 * while reporting an error: reads its own entry without the lock (one
 * aligned int, written before the signal was sent).
 */
AutouserEndReason
autouser_session_my_end_reason(void)
{
	if (state == NULL || MyProc == NULL)
		return AUTOUSER_END_NONE;
	return ((volatile AutouserSession *) &state
				->sessions[AutouserMyProcNumber()])
		->end_reason;
}

/*
 * Queue role for cleanup if it has no counted session: after a provisioning
 * whose logins all gave up, or from a session's exit.  Wakes the cleanup
 * worker.
 */
void
autouser_cleanup_enqueue(Oid role, pid_t exited_pid, TimestampTz ended_at)
{
	AutouserPendingCleanup entry = {role, exited_pid, ended_at, 0, 0};
	bool                   queued = false;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	if (last_session_ended(role))
	{
		pending_put(&entry);
		queued = true;
	}
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	if (queued)
		autouser_wake_cleanup();
}

/*
 * Cleanup side: move the entries due at now (ended before now - delay, and
 * past their retry time) into out[]; returns how many, and when the next one
 * is due (or 0).  *overflow says entries were lost: the sweep must run.
 */
int
autouser_cleanup_take_due(TimestampTz now, int delay_ms,
						  AutouserPendingCleanup *out, int max,
						  TimestampTz *next_due, bool *overflow)
{
	int n = 0;
	int i = 0;

	*next_due = 0;
	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	while (i < state->npending)
	{
		AutouserPendingCleanup *entry = &state->pending[i];
		TimestampTz             due =
			TimestampTzPlusMilliseconds(entry->ended_at, delay_ms);

		if (entry->ended_at == 0)
			due = 0; /* nobody logged in: no grace period */
		if (entry->not_before > due)
			due = entry->not_before;
		if (due <= now && n < max)
		{
			out[n++] = *entry;
			*entry = state->pending[--state->npending];
			continue;
		}
		if (*next_due == 0 || due < *next_due)
			*next_due = due;
		i++;
	}
	*overflow = state->pending_overflow;
	state->pending_overflow = false;
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	return n;
}

/* Cleanup side: look at this entry again at not_before (unless re-queued). */
void
autouser_cleanup_retry(const AutouserPendingCleanup *entry,
					   TimestampTz                   not_before)
{
	AutouserPendingCleanup retry = *entry;

	retry.not_before = not_before;
	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	for (int i = 0; i < state->npending; i++)
		if (state->pending[i].role == entry->role)
		{
			/* A newer session end re-queued it meanwhile: keep that one. */
			autouser_unlock(AUTOUSER_LOCK_SESSIONS);
			return;
		}
	pending_put(&retry);
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
}

/* Whether role waits in the pending cleanups and is still in its grace period. */
bool
autouser_cleanup_is_pending(Oid role, int delay_ms)
{
	TimestampTz now = GetCurrentTimestamp();
	bool        pending = false;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_SHARED);
	for (int i = 0; i < state->npending && !pending; i++)
		pending = state->pending[i].role == role &&
				  TimestampTzPlusMilliseconds(state->pending[i].ended_at,
											  delay_ms) > now;
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	return pending;
}
