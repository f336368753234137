/*
 * terminate.h -- ending a managed role's sessions, and telling their
 * clients why (terminate.c).
 */
#ifndef AUTOUSER_TERMINATE_H
#define AUTOUSER_TERMINATE_H

#include "sessions.h"

extern void autouser_terminate_init(void);
extern int
autouser_terminate_sessions(Oid role, AutouserEndReason reason, long wait_ms);

#endif /* AUTOUSER_TERMINATE_H */
