/*
 * queue_worker.h -- the queue operations beyond queue.h's basics: used by
 * the login hook (submit/poll/abandon), the workers (claim/answer/requeue)
 * and session accounting.  Implemented in queue.c.
 */
#ifndef AUTOUSER_QUEUE_WORKER_H
#define AUTOUSER_QUEUE_WORKER_H

#include "queue.h"

#define AUTOUSER_MAX_MERGED 64	/* identical requests answered at once */

typedef struct AutouserClaim
{
	int			n;
	int			slots[AUTOUSER_MAX_MERGED];
	uint32		generations[AUTOUSER_MAX_MERGED];
	pid_t		login_pid;
	AutouserRequest request;
} AutouserClaim;

extern uint32 autouser_queue_submit(AutouserSlot *slot, const AutouserRequest *request);
extern bool autouser_queue_poll(AutouserSlot *slot, uint32 generation, AutouserAnswer *answer);
extern void autouser_queue_abandon(AutouserSlot *slot, uint32 generation);
extern int	autouser_queue_claim(int worker, AutouserClaim *claim);
extern void autouser_queue_answer(const AutouserClaim *claim, const AutouserAnswer *answer);
extern void autouser_queue_requeue_worker(int worker);
extern int	autouser_count_sessions(Oid role);
extern void autouser_session_started(Oid role);
extern void autouser_queue_count_claim(const AutouserClaim *claim, Oid role);
extern void autouser_cleanup_enqueue(Oid role, pid_t exited_pid);
extern void autouser_cleanup_retry(const AutouserPendingCleanup *entry, TimestampTz not_before);
extern bool autouser_events_pending(void);
extern bool autouser_cleanup_is_pending(Oid role, int delay_ms);
extern int	autouser_cleanup_take_due(TimestampTz now, int delay_ms,
									  AutouserPendingCleanup *out, int max,
									  TimestampTz *next_due, bool *overflow);

#endif							/* AUTOUSER_QUEUE_WORKER_H */
