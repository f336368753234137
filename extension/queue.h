/*
 * queue.h -- login requests handed to the provisioning workers and their
 * answers (queue.c): one slot per backend.
 */
#ifndef AUTOUSER_QUEUE_H
#define AUTOUSER_QUEUE_H

#include "storage/condition_variable.h"
#include "utils/timestamp.h"

#include "login.h"

#define AUTOUSER_MAX_MERGED 64 /* identical requests answered at once */

/* The requests one worker took: the same login, possibly several times. */
typedef struct AutouserClaim
{
	int    n;
	int    slots[AUTOUSER_MAX_MERGED];
	uint32 generations[AUTOUSER_MAX_MERGED];
	pid_t  login_pid; /* the first one's */
	/* When a statement of it first found another transaction's lock, or 0. */
	TimestampTz     blocked_since;
	AutouserRequest request;
} AutouserClaim;

extern Size autouser_queue_shmem_size(void);
extern void autouser_queue_shmem_startup(void);

/* login side */
extern uint32 autouser_queue_submit(const AutouserRequest *request);
extern ConditionVariable *autouser_queue_my_cv(void);
extern bool autouser_queue_poll(uint32 generation, AutouserDecision *answer);
extern bool autouser_queue_abandon(uint32 generation);
extern int  autouser_queue_waiting(void);

/* worker side */
extern int  autouser_queue_claim(int worker, AutouserClaim *claim,
								 TimestampTz *next_ready);
extern int  autouser_queue_count_claim(const AutouserClaim *claim, Oid role);
extern void autouser_queue_answer(const AutouserClaim    *claim,
								  const AutouserDecision *answer);
extern void
autouser_queue_defer(const AutouserClaim *claim, TimestampTz not_before,
					 TimestampTz blocked_since);
extern void autouser_queue_requeue_worker(int worker);

#endif /* AUTOUSER_QUEUE_H */
