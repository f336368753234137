/*
 * sessions.c -- owns three arrays in shared memory: the session registry (for
 * each backend, the managed role it is a counted session of), beside it the
 * facts of each session (database, start, certificate, subject: what
 * autouser.sessions shows, what expiry and revocation and a rule change are
 * judged by), and the pending cleanups (managed roles whose last counted
 * session ended).  A backend counts as a session from the moment it (or,
 * for a provisioned login, the worker, before its commit) records itself,
 * until its exit callback, which runs on every exit path, uncounts it and
 * queues the role for cleanup if it was the last.  Runs no SQL and decides nothing; shows the sessions as
 * autouser._sessions().
 *
 * Entries are indexed by the backend's proc number, which the postmaster
 * hands out uniquely below MaxBackends and takes back exactly when the
 * backend is gone.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "sessions.h"
#include "shmem.h"
#include "terminate.h"
#include "workers.h"

typedef struct AutouserSession
{
	Oid               role; /* InvalidOid = not a counted session */
	pid_t             pid;
	AutouserEndReason end_reason; /* why it is being terminated, if it is */
} AutouserSession;

/* What is known of one session; touched at login and by the rare readers. */
typedef struct AutouserSessionFacts
{
	char         identity[NAMEDATALEN]; /* the role's name at login */
	char         database[NAMEDATALEN];
	TimestampTz  backend_start;
	AutouserCert cert;
	int          attrs_len;
	char         attrs[AUTOUSER_ATTRS_BYTES];
} AutouserSessionFacts;

typedef struct AutouserSessions
{
	int  nentries;             /* MaxBackends */
	int  npending;             /* entries used in pending[] */
	bool pending_overflow;     /* some were dropped: the sweep must run */
	AutouserSession *sessions; /* nentries, compact: every login may scan it */
	AutouserSessionFacts   *facts;   /* nentries */
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
	size = add_size(
		size, MAXALIGN(mul_size(MaxBackends, sizeof(AutouserSessionFacts))));
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
	state->facts = (AutouserSessionFacts *) base;
	base += MAXALIGN(mul_size(MaxBackends, sizeof(AutouserSessionFacts)));
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
	int               procno = AutouserMyProcNumber();
	AutouserSession  *mine = &state->sessions[procno];
	Oid               role;
	AutouserEndReason reason;
	char              identity[NAMEDATALEN];
	bool              last = false;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	role = mine->role;
	reason = mine->end_reason;
	strlcpy(identity, state->facts[procno].identity, NAMEDATALEN);
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
	if (OidIsValid(role) && reason != AUTOUSER_END_NONE)
		autouser_session_ended(identity, reason);
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

/* Caller holds the lock exclusively: entry procno is a session of role. */
static void
record_session(int procno, pid_t pid, Oid role, const AutouserRequest *request,
			   TimestampTz backend_start)
{
	AutouserSessionFacts *facts = &state->facts[procno];

	state->sessions[procno].role = role;
	state->sessions[procno].pid = pid;
	state->sessions[procno].end_reason = AUTOUSER_END_NONE;
	strlcpy(facts->identity, request->identity, NAMEDATALEN);
	strlcpy(facts->database, request->database, NAMEDATALEN);
	facts->backend_start = backend_start;
	facts->cert = request->cert;
	facts->attrs_len = request->attrs_len;
	memcpy(facts->attrs, request->attrs, request->attrs_len);
}

/* This backend is now a session of role, logged in as request says. */
void
autouser_session_start(Oid role, const AutouserRequest *request)
{
	autouser_session_prepare();
	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	record_session(AutouserMyProcNumber(), MyProcPid, role, request,
				   MyStartTimestamp);
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
}

/*
 * Worker side, before its commit: the login in procno (which has prepared
 * its exit callback) counts as a session of role from now on.  Called by
 * the queue with its lock held, so the login cannot leave in between.
 */
void
autouser_session_count_for(int procno, pid_t pid, Oid role,
						   const AutouserRequest *request)
{
	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	record_session(procno, pid, role, request, GetCurrentTimestamp());
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
}

/*
 * The newest counted session of role (the one a rule change is judged by):
 * fills request with its database and subject; false if there is none.
 */
bool
autouser_sessions_newest(Oid role, AutouserRequest *request)
{
	int newest = -1;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_SHARED);
	for (int i = 0; i < state->nentries; i++)
		if (state->sessions[i].role == role &&
			(newest < 0 || state->facts[i].backend_start >
							   state->facts[newest].backend_start))
			newest = i;
	if (newest >= 0)
	{
		AutouserSessionFacts *facts = &state->facts[newest];

		strlcpy(request->database, facts->database, NAMEDATALEN);
		request->cert = facts->cert;
		request->subject = AUTOUSER_SUBJECT_OK;
		request->attrs_len = facts->attrs_len;
		memcpy(request->attrs, facts->attrs, facts->attrs_len);
	}
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	return newest >= 0;
}

/*
 * The counted sessions of role, newest first: their pids, and what each
 * logged in with (identity, database, certificate, attributes) as a
 * request.  Both arrays are palloc'd; returns how many.
 */
int
autouser_sessions_of_role(Oid role, pid_t **pids, AutouserRequest **requests)
{
	TimestampTz *started;
	int          n = 0;
	int          cap = autouser_sessions_count(role) + 1;

	/* Sized first, without the lock: a request is some 5 kB. */
	started = palloc(sizeof(TimestampTz) * cap);
	*pids = palloc(sizeof(pid_t) * cap);
	*requests = palloc0(sizeof(AutouserRequest) * cap);
	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_SHARED);
	for (int i = 0; i < state->nentries && n < cap; i++)
	{
		AutouserSessionFacts *facts = &state->facts[i];
		AutouserRequest      *r = &(*requests)[n];

		if (state->sessions[i].role != role)
			continue;
		strlcpy(r->identity, facts->identity, NAMEDATALEN);
		strlcpy(r->database, facts->database, NAMEDATALEN);
		r->cert = facts->cert;
		r->subject = AUTOUSER_SUBJECT_OK;
		r->attrs_len = facts->attrs_len;
		memcpy(r->attrs, facts->attrs, facts->attrs_len);
		started[n] = facts->backend_start;
		(*pids)[n] = state->sessions[i].pid;
		n++;
	}
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	/* Newest first (insertion sort: a role has few sessions). */
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && started[k] > started[k - 1]; k--)
		{
			TimestampTz     t = started[k];
			pid_t           p = (*pids)[k];
			AutouserRequest r = (*requests)[k];

			started[k] = started[k - 1];
			(*pids)[k] = (*pids)[k - 1];
			(*requests)[k] = (*requests)[k - 1];
			started[k - 1] = t;
			(*pids)[k - 1] = p;
			(*requests)[k - 1] = r;
		}
	pfree(started);
	return n;
}

/* Roles with at least one counted session, each once. */
List *
autouser_sessions_roles(void)
{
	Oid  *roles = palloc(sizeof(Oid) * state->nentries);
	int   n = 0;
	List *out = NIL;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_SHARED);
	for (int i = 0; i < state->nentries; i++)
		if (OidIsValid(state->sessions[i].role))
			roles[n++] = state->sessions[i].role;
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	for (int i = 0; i < n; i++)
		out = list_append_unique_oid(out, roles[i]);
	pfree(roles);
	return out;
}

/*
 * Marks the counted sessions whose certificate's notAfter is before
 * expired_by as ending for reason; returns their pids (at most max).
 */
int
autouser_sessions_mark_expired(TimestampTz       expired_by,
							   AutouserEndReason reason, pid_t *pids, int max)
{
	int n = 0;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	for (int i = 0; i < state->nentries && n < max; i++)
	{
		AutouserCert *cert = &state->facts[i].cert;

		if (!OidIsValid(state->sessions[i].role) ||
			state->sessions[i].end_reason != AUTOUSER_END_NONE)
			continue;
		if (cert->not_after != 0 && cert->not_after <= expired_by)
		{
			state->sessions[i].end_reason = reason;
			pids[n++] = state->sessions[i].pid;
		}
	}
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	return n;
}

/* Marks the counted session of backend pid as ending; false if it is none. */
bool
autouser_session_mark_pid(pid_t pid, AutouserEndReason reason)
{
	bool found = false;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	for (int i = 0; i < state->nentries && !found; i++)
		if (OidIsValid(state->sessions[i].role) &&
			state->sessions[i].pid == pid)
		{
			state->sessions[i].end_reason = reason;
			found = true;
		}
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	return found;
}

/* A copy of the counted sessions, for autouser.sessions (palloc'd). */
int
autouser_sessions_snapshot(AutouserSessionRow **rows)
{
	int n = 0;

	*rows = palloc(sizeof(AutouserSessionRow) * state->nentries);
	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_SHARED);
	for (int i = 0; i < state->nentries; i++)
	{
		AutouserSessionRow *row = &(*rows)[n];

		if (!OidIsValid(state->sessions[i].role))
			continue;
		row->role = state->sessions[i].role;
		row->pid = state->sessions[i].pid;
		strlcpy(row->database, state->facts[i].database, NAMEDATALEN);
		row->backend_start = state->facts[i].backend_start;
		row->cert = state->facts[i].cert;
		n++;
	}
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	return n;
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
 * Pids of role's counted sessions but the caller's (at most max; with
 * started_before, only those that started before it), each marked with
 * why it is about to be terminated.
 */
int
autouser_sessions_mark_ending(Oid role, AutouserEndReason reason,
							  TimestampTz started_before, pid_t *pids, int max)
{
	int n = 0;

	autouser_lock(AUTOUSER_LOCK_SESSIONS, LW_EXCLUSIVE);
	for (int i = 0; i < state->nentries && n < max; i++)
		if (state->sessions[i].role == role &&
			state->sessions[i].pid != MyProcPid &&
			(started_before == 0 ||
			 state->facts[i].backend_start < started_before))
		{
			state->sessions[i].end_reason = reason;
			pids[n++] = state->sessions[i].pid;
		}
	autouser_unlock(AUTOUSER_LOCK_SESSIONS);
	return n;
}

/*
 * In a timeout handler (signal context): this session ends for reason.  One
 * aligned int in its own entry, no lock.
 */
void
autouser_session_mark_my_end(AutouserEndReason reason)
{
	if (state != NULL && MyProc != NULL)
		((volatile AutouserSession *) &state->sessions[AutouserMyProcNumber()])
			->end_reason = reason;
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

PG_FUNCTION_INFO_V1(autouser_sessions_rows);

/*
 * autouser._sessions(): the counted sessions of this server, one row each
 * (role oid, pid, database, backend start, certificate).
 */
Datum
autouser_sessions_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo      *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	AutouserSessionRow *rows;
	int                 n;

	autouser_require_preload();
	InitMaterializedSRF(fcinfo, 0);
	n = autouser_sessions_snapshot(&rows);
	for (int i = 0; i < n; i++)
	{
		Datum values[7];
		bool  nulls[7] = {false, false, false, false, false, false, false};

		values[0] = ObjectIdGetDatum(rows[i].role);
		values[1] = Int32GetDatum(rows[i].pid);
		values[2] = CStringGetTextDatum(rows[i].database);
		values[3] = TimestampTzGetDatum(rows[i].backend_start);
		values[4] = CStringGetTextDatum(rows[i].cert.serial);
		values[5] = CStringGetTextDatum(rows[i].cert.issuer);
		values[6] = TimestampTzGetDatum(rows[i].cert.not_after);
		nulls[4] = rows[i].cert.serial[0] == '\0';
		nulls[5] = rows[i].cert.issuer[0] == '\0';
		nulls[6] = rows[i].cert.not_after == 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	return (Datum) 0;
}
