/*
 * sessions.h -- which backends are sessions of which managed role, and the
 * roles whose last session ended and wait for cleanup (sessions.c).
 */
#ifndef AUTOUSER_SESSIONS_H
#define AUTOUSER_SESSIONS_H

#include "nodes/pg_list.h"
#include "utils/timestamp.h"

#include "login.h"

/* Why pg_autouser ends a session (the client is told). */
typedef enum AutouserEndReason
{
	AUTOUSER_END_NONE = 0,
	AUTOUSER_END_DEACTIVATE, /* autouser.deactivate(role, terminate => true) */
	AUTOUSER_END_RULE_CHANGE, /* the rules no longer give what it holds */
	AUTOUSER_END_CERT_EXPIRED,
	AUTOUSER_END_CERT_REVOKED
} AutouserEndReason;

/* A managed role whose last counted session ended (or the sweep found). */
typedef struct AutouserPendingCleanup
{
	Oid   role;
	pid_t exited_pid; /* may still be in the proc array for a moment */
	TimestampTz
		ended_at; /* 0: not a session end (an abandoned provisioning) */
	TimestampTz not_before; /* retry time, or 0 */
	int         attempts;
	bool        swept;         /* the sweep found it, another transaction
								* blocked it, and it is retried here */
	TimestampTz blocked_since; /* another transaction blocked it first */
	bool        reported;      /* ... and it was logged as blocked */
} AutouserPendingCleanup;

extern Size autouser_sessions_shmem_size(void);
extern void autouser_sessions_shmem_startup(void);

/* One row of autouser.sessions. */
typedef struct AutouserSessionRow
{
	Oid          role;
	pid_t        pid;
	char         database[NAMEDATALEN];
	TimestampTz  backend_start;
	AutouserCert cert;
} AutouserSessionRow;

extern void  autouser_session_prepare(void);
extern void  autouser_session_start(Oid role, const AutouserRequest *request);
extern void  autouser_session_count_for(int procno, pid_t pid, Oid role,
										const AutouserRequest *request);
extern bool  autouser_sessions_newest(Oid role, AutouserRequest *request);
extern List *autouser_sessions_roles(void);
extern int
autouser_sessions_of_role(Oid role, pid_t **pids, AutouserRequest **requests);
extern int
			autouser_sessions_mark_expired(TimestampTz       expired_by,
										   AutouserEndReason reason, pid_t *pids, int max);
extern bool autouser_session_mark_pid(pid_t pid, AutouserEndReason reason);
extern int  autouser_sessions_snapshot(AutouserSessionRow **rows);
extern int  autouser_sessions_count(Oid role);
extern int  autouser_sessions_mark_ending(Oid role, AutouserEndReason reason,
										  TimestampTz started_before,
										  pid_t *pids, int max);
extern AutouserEndReason autouser_session_my_end_reason(void);
extern void autouser_session_mark_my_end(AutouserEndReason reason);

extern void
autouser_cleanup_enqueue(Oid role, pid_t exited_pid, TimestampTz ended_at);
extern int  autouser_cleanup_take_due(TimestampTz now, int delay_ms,
									  AutouserPendingCleanup *out, int max,
									  TimestampTz *next_due, bool *overflow);
extern void autouser_cleanup_retry(const AutouserPendingCleanup *entry,
								   TimestampTz                   not_before);
extern bool autouser_cleanup_is_pending(Oid role, int delay_ms);

#endif /* AUTOUSER_SESSIONS_H */
