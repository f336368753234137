/*
 * terminate.h -- ending managed roles' sessions when their access ends,
 * and telling their clients why (terminate.c).
 */
#ifndef AUTOUSER_TERMINATE_H
#define AUTOUSER_TERMINATE_H

#include "sessions.h"

extern void autouser_terminate_init(void);
extern int
autouser_terminate_sessions(Oid role, AutouserEndReason reason, long wait_ms,
							TimestampTz started_before);
extern void
autouser_terminate_pids(const pid_t *pids, int n, AutouserEndReason reason);
extern void autouser_expiry_arm(TimestampTz not_after);
extern int  autouser_terminate_expired(void);
extern int  autouser_terminate_revoked(List **roles_to_strip);
extern void
autouser_session_ended(const char *identity, AutouserEndReason reason);

#endif /* AUTOUSER_TERMINATE_H */
