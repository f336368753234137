/*
 * queue.c -- owns the shared state (request slots, worker registry, rule blob
 * area) and its locks: shmem request/attach, slot claim/answer/release and
 * the exit callbacks.  Runs no SQL and decides nothing.
 *
 * Slots are indexed by the backend's pgprocno rather than taken from a free
 * list: the postmaster already hands every live backend a unique pgprocno
 * below MaxBackends, and it is released exactly when the backend is, so no
 * second allocator can leak or double-book.  The generation number still
 * names each request, so an answer never reaches a later request of a
 * backend that reused the PGPROC.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "storage/shmem.h"

#include "queue.h"
#include "queue_worker.h"

AutouserShared *autouser_shared = NULL;
char	   *autouser_rules_blob = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static bool exit_callback_registered = false;
static bool request_slot_used = false;	/* this backend posted a request */

static Size
shared_size(void)
{
	return add_size(offsetof(AutouserShared, slots),
					mul_size(MaxBackends, sizeof(AutouserSlot)));
}

static Size
pending_size(void)
{
	return mul_size(MaxBackends, sizeof(AutouserPendingCleanup));
}

static Size
sessions_size(void)
{
	return mul_size(MaxBackends, sizeof(AutouserSession));
}

static void
autouser_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(shared_size());
	RequestAddinShmemSpace(AUTOUSER_RULES_BYTES);
	RequestAddinShmemSpace(pending_size());
	RequestAddinShmemSpace(sessions_size());
	RequestNamedLWLockTranche("pg_autouser", 3);
}

static void
autouser_shmem_startup(void)
{
	bool		found;
	bool		blob_found;
	bool		pending_found;
	bool		sessions_found;
	AutouserPendingCleanup *pending;
	AutouserSession *sessions;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	autouser_shared = ShmemInitStruct("pg_autouser", shared_size(), &found);
	autouser_rules_blob = ShmemInitStruct("pg_autouser rules",
										  AUTOUSER_RULES_BYTES, &blob_found);
	pending = ShmemInitStruct("pg_autouser cleanup", pending_size(), &pending_found);
	sessions = ShmemInitStruct("pg_autouser sessions", sessions_size(), &sessions_found);
	if (!found)
	{
		LWLockPadded *locks = GetNamedLWLockTranche("pg_autouser");

		memset(autouser_shared, 0, shared_size());
		autouser_shared->queue_lock = &locks[0].lock;
		autouser_shared->rules_lock = &locks[1].lock;
		autouser_shared->events_lock = &locks[2].lock;
		autouser_shared->nslots = MaxBackends;
		autouser_shared->pending = pending;
		autouser_shared->sessions = sessions;
		memset(sessions, 0, sessions_size());
		pg_atomic_init_u64(&autouser_shared->rules_change_count, 1);
		autouser_shared->rules_loaded_count = 0;
		autouser_shared->rules_state = AUTOUSER_RULES_UNKNOWN;
		for (int i = 0; i < MaxBackends; i++)
			ConditionVariableInit(&autouser_shared->slots[i].cv);
	}
	LWLockRelease(AddinShmemInitLock);
}

void
autouser_queue_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = autouser_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = autouser_shmem_startup;
}

/*
 * Runs in every backend that used its slot, on any exit (FATAL included):
 * an unanswered request is abandoned so the worker drops its answer, and the
 * session stops counting against its role.
 */
static void
release_my_slot(int code, Datum arg)
{
	AutouserSlot *slot = &autouser_shared->slots[MyProc->pgprocno];
	AutouserSession *session = &autouser_shared->sessions[MyProc->pgprocno];
	Oid			role;

	LWLockAcquire(autouser_shared->queue_lock, LW_EXCLUSIVE);
	if (request_slot_used)
	{
		if (slot->state == AUTOUSER_SLOT_PENDING || slot->state == AUTOUSER_SLOT_WORKING)
			slot->state = AUTOUSER_SLOT_ABANDONED;
		else
			slot->state = AUTOUSER_SLOT_IDLE;
		slot->owner_pid = 0;
	}
	role = session->role;
	session->role = InvalidOid;
	session->pid = 0;
	LWLockRelease(autouser_shared->queue_lock);

	if (OidIsValid(role))
		autouser_cleanup_enqueue(role, MyProcPid);
}

AutouserSlot *
autouser_my_slot(void)
{
	AutouserSlot *slot;

	if (autouser_shared == NULL || MyProc == NULL)
		elog(ERROR, "pg_autouser shared memory is not attached");
	if (MyProc->pgprocno >= autouser_shared->nslots)
		elog(ERROR, "pg_autouser: pgprocno %d has no slot", MyProc->pgprocno);
	slot = &autouser_shared->slots[MyProc->pgprocno];
	if (!exit_callback_registered)
	{
		/*
		 * Registered before the first request or session, so no exit path
		 * skips it.  The slot itself is not touched until a request is made:
		 * the fast path never needs it.
		 */
		before_shmem_exit(release_my_slot, (Datum) 0);
		exit_callback_registered = true;
	}
	return slot;
}

void
autouser_wake_workers(void)
{
	Latch	   *latches[AUTOUSER_MAX_WORKERS];
	int			n = 0;

	LWLockAcquire(autouser_shared->queue_lock, LW_SHARED);
	for (int i = 0; i < AUTOUSER_MAX_WORKERS; i++)
		if (autouser_shared->workers[i].pid != 0 && autouser_shared->workers[i].latch)
			latches[n++] = autouser_shared->workers[i].latch;
	LWLockRelease(autouser_shared->queue_lock);
	for (int i = 0; i < n; i++)
		SetLatch(latches[i]);
}

int
autouser_connected_workers(void)
{
	int			n = 0;

	LWLockAcquire(autouser_shared->queue_lock, LW_SHARED);
	for (int i = 0; i < AUTOUSER_MAX_WORKERS; i++)
		if (autouser_shared->workers[i].pid != 0 && autouser_shared->workers[i].connected)
			n++;
	LWLockRelease(autouser_shared->queue_lock);
	return n;
}

/* Login side: post a request in my slot; returns its generation. */
uint32
autouser_queue_submit(AutouserSlot *slot, const AutouserRequest *request)
{
	uint32		generation;

	LWLockAcquire(autouser_shared->queue_lock, LW_EXCLUSIVE);
	request_slot_used = true;
	slot->owner_pid = MyProcPid;
	slot->generation++;
	generation = slot->generation;
	memcpy(&slot->request, request, sizeof(AutouserRequest));
	memset(&slot->answer, 0, sizeof(AutouserAnswer));
	slot->worker = -1;
	slot->state = AUTOUSER_SLOT_PENDING;
	LWLockRelease(autouser_shared->queue_lock);
	autouser_wake_workers();
	return generation;
}

/*
 * Login side, once per wait tick: copy the answer if there is one.  A request
 * held by a worker that is gone goes back to PENDING for the next worker.
 */
bool
autouser_queue_poll(AutouserSlot *slot, uint32 generation, AutouserAnswer *answer)
{
	bool		done = false;
	bool		requeued = false;

	LWLockAcquire(autouser_shared->queue_lock, LW_EXCLUSIVE);
	if (slot->generation == generation)
	{
		if (slot->state == AUTOUSER_SLOT_DONE)
		{
			memcpy(answer, &slot->answer, sizeof(AutouserAnswer));
			slot->state = AUTOUSER_SLOT_IDLE;
			done = true;
		}
		else if (slot->state == AUTOUSER_SLOT_WORKING &&
				 autouser_shared->workers[slot->worker].pid == 0)
		{
			slot->state = AUTOUSER_SLOT_PENDING;
			slot->worker = -1;
			requeued = true;
		}
	}
	LWLockRelease(autouser_shared->queue_lock);
	if (requeued)
		autouser_wake_workers();
	return done;
}

/* Login side: give up on the request (deadline passed). */
void
autouser_queue_abandon(AutouserSlot *slot, uint32 generation)
{
	LWLockAcquire(autouser_shared->queue_lock, LW_EXCLUSIVE);
	if (slot->generation == generation &&
		(slot->state == AUTOUSER_SLOT_PENDING || slot->state == AUTOUSER_SLOT_WORKING))
		slot->state = AUTOUSER_SLOT_ABANDONED;
	else if (slot->generation == generation && slot->state == AUTOUSER_SLOT_DONE)
		slot->state = AUTOUSER_SLOT_IDLE;
	LWLockRelease(autouser_shared->queue_lock);
}

static bool
same_request(const AutouserRequest *a, const AutouserRequest *b)
{
	return strcmp(a->identity, b->identity) == 0 &&
		strcmp(a->database, b->database) == 0 &&
		a->attrs_len == b->attrs_len &&
		memcmp(a->attrs, b->attrs, a->attrs_len) == 0;
}

/*
 * Worker side: take the oldest-indexed pending request, and with it every
 * other pending request for the same login (same identity, database and
 * certificate subject), so that concurrent first logins of one person are
 * provisioned once.  Returns how many slots were taken (0 = none).
 */
int
autouser_queue_claim(int worker, AutouserClaim *claim)
{
	AutouserShared *sh = autouser_shared;
	int			n = 0;

	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	for (int i = 0; i < sh->nslots && n < AUTOUSER_MAX_MERGED; i++)
	{
		AutouserSlot *slot = &sh->slots[i];

		if (slot->state != AUTOUSER_SLOT_PENDING)
			continue;
		if (n > 0 && !same_request(&claim->request, &slot->request))
			continue;
		if (n == 0)
		{
			memcpy(&claim->request, &slot->request, sizeof(AutouserRequest));
			claim->login_pid = slot->owner_pid;
		}
		claim->slots[n] = i;
		claim->generations[n] = slot->generation;
		slot->state = AUTOUSER_SLOT_WORKING;
		slot->worker = worker;
		n++;
	}
	LWLockRelease(sh->queue_lock);
	claim->n = n;
	return n;
}

/* Worker side: answer every slot of a claim still waiting for it. */
void
autouser_queue_answer(const AutouserClaim *claim, const AutouserAnswer *answer)
{
	AutouserShared *sh = autouser_shared;
	int			wake[AUTOUSER_MAX_MERGED];
	int			nwake = 0;

	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	for (int k = 0; k < claim->n; k++)
	{
		AutouserSlot *slot = &sh->slots[claim->slots[k]];

		if (slot->generation != claim->generations[k])
			continue;
		if (slot->state == AUTOUSER_SLOT_WORKING)
		{
			memcpy(&slot->answer, answer, sizeof(AutouserAnswer));
			slot->state = AUTOUSER_SLOT_DONE;
			wake[nwake++] = claim->slots[k];
		}
		else if (slot->state == AUTOUSER_SLOT_ABANDONED)
			slot->state = AUTOUSER_SLOT_IDLE;
	}
	LWLockRelease(sh->queue_lock);
	for (int k = 0; k < nwake; k++)
		ConditionVariableBroadcast(&sh->slots[wake[k]].cv);
}

/* Worker side: requests a dead incarnation of this worker held go back. */
void
autouser_queue_requeue_worker(int worker)
{
	AutouserShared *sh = autouser_shared;

	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	for (int i = 0; i < sh->nslots; i++)
	{
		AutouserSlot *slot = &sh->slots[i];

		if (slot->state == AUTOUSER_SLOT_WORKING && slot->worker == worker)
		{
			slot->state = AUTOUSER_SLOT_PENDING;
			slot->worker = -1;
		}
		else if (slot->state == AUTOUSER_SLOT_ABANDONED && slot->worker == worker)
			slot->state = AUTOUSER_SLOT_IDLE;
	}
	LWLockRelease(sh->queue_lock);
}

/* Live sessions admitted as role, not counting the calling backend's. */
int
autouser_count_sessions(Oid role)
{
	AutouserShared *sh = autouser_shared;
	int			mine = MyProc ? MyProc->pgprocno : -1;
	int			n = 0;

	LWLockAcquire(sh->queue_lock, LW_SHARED);
	for (int i = 0; i < sh->nslots; i++)
		if (i != mine && sh->sessions[i].role == role)
			n++;
	LWLockRelease(sh->queue_lock);
	return n;
}

/* Login side: this backend now counts as a session of role. */
void
autouser_session_started(Oid role)
{
	AutouserSession *session = &autouser_shared->sessions[MyProc->pgprocno];

	(void) autouser_my_slot();	/* the exit callback uncounts it */
	LWLockAcquire(autouser_shared->queue_lock, LW_EXCLUSIVE);
	session->role = role;
	session->pid = MyProcPid;
	LWLockRelease(autouser_shared->queue_lock);
}

/*
 * Worker side, under the role's lock and before commit: the logins of a
 * claim count as sessions of role from now on, so no cleanup can take the
 * role away between this commit and their arrival.
 */
void
autouser_queue_count_claim(const AutouserClaim *claim, Oid role)
{
	AutouserShared *sh = autouser_shared;

	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	for (int k = 0; k < claim->n; k++)
	{
		AutouserSlot *slot = &sh->slots[claim->slots[k]];

		if (slot->generation == claim->generations[k] &&
			slot->state == AUTOUSER_SLOT_WORKING)
		{
			sh->sessions[claim->slots[k]].role = role;
			sh->sessions[claim->slots[k]].pid = slot->owner_pid;
		}
	}
	LWLockRelease(sh->queue_lock);
}

/*
 * Add role to the pending cleanups if this was its last counted session.
 * Called from a backend's exit callback; wakes the cleanup worker.
 */
void
autouser_cleanup_enqueue(Oid role, pid_t exited_pid)
{
	AutouserShared *sh = autouser_shared;
	TimestampTz now = GetCurrentTimestamp();
	bool		last = true;
	int			i;
	Latch	   *latch;

	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	for (i = 0; i < sh->nslots && last; i++)
		last = sh->sessions[i].role != role;
	if (last)
	{
		for (i = 0; i < sh->npending; i++)
			if (sh->pending[i].role == role)
				break;
		if (i == sh->npending && sh->npending < sh->nslots)
			sh->npending++;
		if (i < sh->npending)
		{
			sh->pending[i].role = role;
			sh->pending[i].exited_pid = exited_pid;
			sh->pending[i].ended_at = now;
			sh->pending[i].not_before = 0;
			sh->pending[i].attempts = 0;
		}
		else
			sh->pending_overflow = true;
	}
	latch = sh->cleanup_worker.latch;
	LWLockRelease(sh->queue_lock);
	if (last && latch)
		SetLatch(latch);
}

/*
 * Cleanup side: move the entries due at now (ended before now - delay)
 * into out[]; returns how many, and the time the next one is due (or 0).
 */
int
autouser_cleanup_take_due(TimestampTz now, int delay_ms, AutouserPendingCleanup *out,
						  int max, TimestampTz *next_due, bool *overflow)
{
	AutouserShared *sh = autouser_shared;
	int			n = 0;
	int			i = 0;

	*next_due = 0;
	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	while (i < sh->npending)
	{
		TimestampTz due = TimestampTzPlusMilliseconds(sh->pending[i].ended_at, delay_ms);

		if (sh->pending[i].not_before > due)
			due = sh->pending[i].not_before;

		if (due <= now && n < max)
		{
			out[n++] = sh->pending[i];
			sh->pending[i] = sh->pending[--sh->npending];
			continue;
		}
		if (*next_due == 0 || due < *next_due)
			*next_due = due;
		i++;
	}
	*overflow = sh->pending_overflow;
	sh->pending_overflow = false;
	LWLockRelease(sh->queue_lock);
	return n;
}

/* Cleanup side: look at this entry again at not_before (unless re-queued). */
void
autouser_cleanup_retry(const AutouserPendingCleanup *entry, TimestampTz not_before)
{
	AutouserShared *sh = autouser_shared;
	int			i;

	LWLockAcquire(sh->queue_lock, LW_EXCLUSIVE);
	for (i = 0; i < sh->npending; i++)
		if (sh->pending[i].role == entry->role)
			break;
	if (i == sh->npending && sh->npending < sh->nslots)
	{
		sh->pending[sh->npending] = *entry;
		sh->pending[sh->npending].not_before = not_before;
		sh->npending++;
	}
	LWLockRelease(sh->queue_lock);
}

/* Whether logins have queued events for the cleanup worker to write. */
bool
autouser_events_pending(void)
{
	bool		pending;

	LWLockAcquire(autouser_shared->events_lock, LW_SHARED);
	pending = autouser_shared->event_count > 0 || autouser_shared->events_dropped > 0;
	LWLockRelease(autouser_shared->events_lock);
	return pending;
}

/* Whether role waits in the pending cleanups and is not yet due. */
bool
autouser_cleanup_is_pending(Oid role, int delay_ms)
{
	AutouserShared *sh = autouser_shared;
	TimestampTz now = GetCurrentTimestamp();
	bool		pending = false;

	LWLockAcquire(sh->queue_lock, LW_SHARED);
	for (int i = 0; i < sh->npending && !pending; i++)
		pending = sh->pending[i].role == role &&
			TimestampTzPlusMilliseconds(sh->pending[i].ended_at, delay_ms) > now;
	LWLockRelease(sh->queue_lock);
	return pending;
}
