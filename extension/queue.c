/*
 * queue.c -- owns the request slots in shared memory: one per backend,
 * indexed by its proc number (unique below MaxBackends while it lives, so no
 * second allocator can leak or double-book), and named by a generation number
 * so that an answer never reaches a later request of a reused slot.  A login
 * posts its request and sleeps on its slot's condition variable; a worker
 * claims it together with identical requests (concurrent first logins of one
 * person), may put it back for later (the role is locked), and answers it.
 * Requests never put back go first: one that waits for a lock never delays
 * another identity's first try.
 * A login that leaves abandons its request, and the worker drops the answer.
 * Runs no SQL and decides nothing.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "compat.h"
#include "queue.h"
#include "sessions.h"
#include "shmem.h"
#include "stats.h"
#include "workers.h"

typedef enum AutouserSlotState
{
	AUTOUSER_SLOT_IDLE = 0, /* no request */
	AUTOUSER_SLOT_PENDING,  /* waiting for a worker (from not_before on) */
	AUTOUSER_SLOT_WORKING,  /* a worker has it */
	AUTOUSER_SLOT_DONE,     /* answered; the login reads it */
	AUTOUSER_SLOT_ABANDONED /* the login left; the worker discards it */
} AutouserSlotState;

typedef struct AutouserSlot
{
	uint32            generation; /* bumped at every new request */
	AutouserSlotState state;
	int               worker;     /* registry index of the worker holding it */
	pid_t             owner_pid;  /* the login that posted the request */
	TimestampTz       not_before; /* deferred until then */
	int               deferrals;  /* times a worker found the role locked */
	TimestampTz       blocked_since; /* first found a statement lock, or 0 */
	ConditionVariable cv;            /* broadcast when answered */
	AutouserRequest   request;
	AutouserDecision  answer;
} AutouserSlot;

typedef struct AutouserQueue
{
	int          nslots; /* MaxBackends */
	AutouserSlot slots[FLEXIBLE_ARRAY_MEMBER];
} AutouserQueue;

static AutouserQueue *queue = NULL;
static bool           exit_callback_registered = false;

Size
autouser_queue_shmem_size(void)
{
	return add_size(offsetof(AutouserQueue, slots),
					mul_size(MaxBackends, sizeof(AutouserSlot)));
}

void
autouser_queue_shmem_startup(void)
{
	bool found;

	queue = ShmemInitStruct("pg_autouser queue", autouser_queue_shmem_size(),
							&found);
	if (found)
		return;
	memset(queue, 0, autouser_queue_shmem_size());
	queue->nslots = MaxBackends;
	for (int i = 0; i < MaxBackends; i++)
		ConditionVariableInit(&queue->slots[i].cv);
}

static AutouserSlot *
my_slot(void)
{
	return &queue->slots[AutouserMyProcNumber()];
}

/*
 * Any exit of a backend that posted a request (FATAL included): an
 * unanswered request is abandoned, so the worker drops its answer.
 */
static void
abandon_at_exit(int code, Datum arg)
{
	AutouserSlot *slot = my_slot();

	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_EXCLUSIVE);
	if (slot->state == AUTOUSER_SLOT_PENDING ||
		slot->state == AUTOUSER_SLOT_WORKING)
		slot->state = AUTOUSER_SLOT_ABANDONED;
	else
		slot->state = AUTOUSER_SLOT_IDLE;
	slot->owner_pid = 0;
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
}

/* Login side: post a request in my slot; returns its generation. */
uint32
autouser_queue_submit(const AutouserRequest *request)
{
	AutouserSlot *slot = my_slot();
	uint32        generation;

	if (!exit_callback_registered)
	{
		before_shmem_exit(abandon_at_exit, (Datum) 0);
		exit_callback_registered = true;
	}
	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_EXCLUSIVE);
	slot->owner_pid = MyProcPid;
	generation = ++slot->generation;
	memcpy(&slot->request, request, sizeof(AutouserRequest));
	memset(&slot->answer, 0, sizeof(AutouserDecision));
	slot->worker = -1;
	slot->not_before = 0;
	slot->deferrals = 0;
	slot->blocked_since = 0;
	slot->state = AUTOUSER_SLOT_PENDING;
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
	autouser_wake_provisioners();
	autouser_stats_queue_depth(autouser_queue_waiting());
	return generation;
}

ConditionVariable *
autouser_queue_my_cv(void)
{
	return &my_slot()->cv;
}

/*
 * Login side, once per wait tick: copy the answer if there is one.  A request
 * held by a worker that is gone goes back to the queue for the next worker.
 */
bool
autouser_queue_poll(uint32 generation, AutouserDecision *answer)
{
	AutouserSlot *slot = my_slot();
	bool          done = false;
	bool          requeued = false;

	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_EXCLUSIVE);
	if (slot->generation == generation)
	{
		if (slot->state == AUTOUSER_SLOT_DONE)
		{
			memcpy(answer, &slot->answer, sizeof(AutouserDecision));
			slot->state = AUTOUSER_SLOT_IDLE;
			done = true;
		}
		else if (slot->state == AUTOUSER_SLOT_WORKING &&
				 !autouser_worker_alive(slot->worker))
		{
			slot->state = AUTOUSER_SLOT_PENDING;
			slot->worker = -1;
			requeued = true;
		}
	}
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
	if (requeued)
		autouser_wake_provisioners();
	return done;
}

/*
 * Login side: give up on the request (deadline passed).  Returns whether a
 * worker found the role locked by another transaction meanwhile.
 */
bool
autouser_queue_abandon(uint32 generation)
{
	AutouserSlot *slot = my_slot();
	bool          deferred = false;

	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_EXCLUSIVE);
	if (slot->generation == generation)
	{
		if (slot->state == AUTOUSER_SLOT_PENDING ||
			slot->state == AUTOUSER_SLOT_WORKING)
			slot->state = AUTOUSER_SLOT_ABANDONED;
		else if (slot->state == AUTOUSER_SLOT_DONE)
			slot->state = AUTOUSER_SLOT_IDLE;
		deferred = slot->deferrals > 0;
	}
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
	return deferred;
}

static bool
same_request(const AutouserRequest *a, const AutouserRequest *b)
{
	return strcmp(a->identity, b->identity) == 0 &&
		   strcmp(a->database, b->database) == 0 &&
		   strcmp(a->node, b->node) == 0 && a->attrs_len == b->attrs_len &&
		   memcmp(a->attrs, b->attrs, a->attrs_len) == 0;
}

/* Caller holds the lock: whether slot waits for a worker now. */
static bool
slot_due(const AutouserSlot *slot, TimestampTz now)
{
	return slot->state == AUTOUSER_SLOT_PENDING && slot->not_before <= now;
}

/* Caller holds the lock: slot i joins the claim. */
static void
take_slot(AutouserClaim *claim, int i, int worker)
{
	AutouserSlot *slot = &queue->slots[i];

	if (slot->blocked_since != 0 &&
		(claim->blocked_since == 0 ||
		 slot->blocked_since < claim->blocked_since))
		claim->blocked_since = slot->blocked_since;
	claim->slots[claim->n] = i;
	claim->generations[claim->n] = slot->generation;
	claim->n++;
	slot->state = AUTOUSER_SLOT_WORKING;
	slot->worker = worker;
}

/*
 * Worker side: take the lowest-indexed due request that was never put back
 * (or else the lowest-indexed due one), and with it every other due request
 * for the same login (same identity, database and certificate subject), so
 * that concurrent first logins of one person are provisioned once.  Returns
 * how many slots were taken (0 = none); then *next_ready is when the
 * earliest deferred request becomes due (or 0).
 */
int
autouser_queue_claim(int worker, AutouserClaim *claim, TimestampTz *next_ready)
{
	TimestampTz now = GetCurrentTimestamp();
	int         lead = -1;

	*next_ready = 0;
	claim->n = 0;
	claim->blocked_since = 0;
	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_EXCLUSIVE);
	for (int i = 0; i < queue->nslots; i++)
	{
		AutouserSlot *slot = &queue->slots[i];

		if (slot->state == AUTOUSER_SLOT_PENDING && slot->not_before > now &&
			(*next_ready == 0 || slot->not_before < *next_ready))
			*next_ready = slot->not_before;
		if (slot_due(slot, now) &&
			(lead < 0 ||
			 (queue->slots[lead].deferrals > 0 && slot->deferrals == 0)))
			lead = i;
	}
	if (lead >= 0)
	{
		memcpy(&claim->request, &queue->slots[lead].request,
			   sizeof(AutouserRequest));
		claim->login_pid = queue->slots[lead].owner_pid;
		take_slot(claim, lead, worker);
	}
	for (int i = 0;
		 lead >= 0 && i < queue->nslots && claim->n < AUTOUSER_MAX_MERGED; i++)
		if (i != lead && slot_due(&queue->slots[i], now) &&
			same_request(&claim->request, &queue->slots[i].request))
			take_slot(claim, i, worker);
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
	return claim->n;
}

/*
 * Worker side, under the role's lock and before its commit: the logins of the
 * claim that still wait count as sessions of role from now on, so no cleanup
 * can take the role away between this commit and their arrival.  Returns how
 * many were counted (0: every login gave up).
 */
int
autouser_queue_count_claim(const AutouserClaim *claim, Oid role)
{
	int counted = 0;

	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_EXCLUSIVE);
	for (int k = 0; k < claim->n; k++)
	{
		AutouserSlot *slot = &queue->slots[claim->slots[k]];

		if (slot->generation == claim->generations[k] &&
			slot->state == AUTOUSER_SLOT_WORKING)
		{
			/* A standby's request: its session is there, under a lease here. */
			if (slot->request.node[0] == '\0')
				autouser_session_count_for(claim->slots[k], slot->owner_pid,
										   role, &slot->request);
			counted++;
		}
	}
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
	return counted;
}

/* Worker side: answer every slot of a claim still waiting for it. */
void
autouser_queue_answer(const AutouserClaim    *claim,
					  const AutouserDecision *answer)
{
	int wake[AUTOUSER_MAX_MERGED];
	int nwake = 0;

	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_EXCLUSIVE);
	for (int k = 0; k < claim->n; k++)
	{
		AutouserSlot *slot = &queue->slots[claim->slots[k]];

		if (slot->generation != claim->generations[k])
			continue;
		if (slot->state == AUTOUSER_SLOT_WORKING)
		{
			memcpy(&slot->answer, answer, sizeof(AutouserDecision));
			slot->state = AUTOUSER_SLOT_DONE;
			wake[nwake++] = claim->slots[k];
		}
		else if (slot->state == AUTOUSER_SLOT_ABANDONED)
			slot->state = AUTOUSER_SLOT_IDLE;
	}
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
	for (int k = 0; k < nwake; k++)
		ConditionVariableBroadcast(&queue->slots[wake[k]].cv);
}

/*
 * Worker side: the role is busy; put the claim back until not_before.
 * blocked_since: when a statement of it first found another transaction's
 * lock (0: it was the role's own lock).
 */
void
autouser_queue_defer(const AutouserClaim *claim, TimestampTz not_before,
					 TimestampTz blocked_since)
{
	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_EXCLUSIVE);
	for (int k = 0; k < claim->n; k++)
	{
		AutouserSlot *slot = &queue->slots[claim->slots[k]];

		if (slot->generation != claim->generations[k])
			continue;
		if (slot->state == AUTOUSER_SLOT_WORKING)
		{
			slot->state = AUTOUSER_SLOT_PENDING;
			slot->worker = -1;
			slot->not_before = not_before;
			slot->deferrals++;
			if (slot->blocked_since == 0)
				slot->blocked_since = blocked_since;
		}
		else if (slot->state == AUTOUSER_SLOT_ABANDONED)
			slot->state = AUTOUSER_SLOT_IDLE;
	}
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
}

/* Worker side, at start: what a dead incarnation of this worker held goes back. */
void
autouser_queue_requeue_worker(int worker)
{
	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_EXCLUSIVE);
	for (int i = 0; i < queue->nslots; i++)
	{
		AutouserSlot *slot = &queue->slots[i];

		if (slot->worker != worker)
			continue;
		if (slot->state == AUTOUSER_SLOT_WORKING)
		{
			slot->state = AUTOUSER_SLOT_PENDING;
			slot->worker = -1;
		}
		else if (slot->state == AUTOUSER_SLOT_ABANDONED)
			slot->state = AUTOUSER_SLOT_IDLE;
	}
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
}

/* Logins waiting for a worker right now (pending or being worked on). */
int
autouser_queue_waiting(void)
{
	int n = 0;

	autouser_lock(AUTOUSER_LOCK_QUEUE, LW_SHARED);
	for (int i = 0; i < queue->nslots; i++)
		if (queue->slots[i].state == AUTOUSER_SLOT_PENDING ||
			queue->slots[i].state == AUTOUSER_SLOT_WORKING)
			n++;
	autouser_unlock(AUTOUSER_LOCK_QUEUE);
	return n;
}
