/*
 * ask.h -- a request handed to the provisioning workers, and the wait for
 * their answer (ask.c).
 */
#ifndef AUTOUSER_ASK_H
#define AUTOUSER_ASK_H

#include "login.h"

extern AutouserOutcome autouser_workers_unreachable(bool waited);
extern void
autouser_ask_workers(const AutouserRequest *request, AutouserDecision *answer);

#endif /* AUTOUSER_ASK_H */
