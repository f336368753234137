/*
 * events.h -- the audit trail (autouser.events) and per-user timestamps
 * (autouser.user_state): written in the writer's transaction, or queued in
 * shared memory by those who cannot or should not write (logins; refusals
 * anywhere, which are coalesced) and written by a worker (events.c).
 */
#ifndef AUTOUSER_EVENTS_H
#define AUTOUSER_EVENTS_H

#include "nodes/pg_list.h"
#include "utils/timestamp.h"

#include "login.h"

typedef enum AutouserEventAction
{
	AUTOUSER_EVENT_CREATE = 0,
	AUTOUSER_EVENT_REACTIVATE,
	AUTOUSER_EVENT_DEACTIVATE,
	AUTOUSER_EVENT_DROP,
	AUTOUSER_EVENT_REJECT,
	AUTOUSER_EVENT_SWEEP,
	AUTOUSER_EVENT_UPDATE,    /* a rule change moved an active role's set */
	AUTOUSER_EVENT_TERMINATE, /* pg_autouser ended a session */
	AUTOUSER_EVENT_LOGIN      /* fast-path login: only updates last_login */
} AutouserEventAction;

extern Size autouser_events_shmem_size(void);
extern void autouser_events_shmem_startup(void);

extern void autouser_event_queue(AutouserEventAction action,
								 const char *identity, const char *database,
								 const char *detail, const AutouserCert *cert);
extern bool
autouser_events_drain_due(bool cleanup_worker, TimestampTz *next_due);
extern int    autouser_events_drain(void);
extern uint64 autouser_events_discard(void);

extern void
autouser_event_record(AutouserEventAction action, const char *identity,
					  const char *role, const char *database, List *roles,
					  const char *detail, int pid);
extern void
			autouser_user_state_login(const char *role, bool created,
									  const AutouserCert *cert, TimestampTz at);
extern void autouser_user_state_logout(const char *role, TimestampTz ended_at);
extern void autouser_user_state_forget(const char *role);
extern int  autouser_events_purge(void);

#endif /* AUTOUSER_EVENTS_H */
