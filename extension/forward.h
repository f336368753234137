/*
 * forward.h -- a standby worker's provisioning through the primary
 * (forward.c).
 */
#ifndef AUTOUSER_FORWARD_H
#define AUTOUSER_FORWARD_H

#include "queue.h"

extern void
autouser_forward_to_primary(AutouserClaim *claim, AutouserDecision *answer);

#endif /* AUTOUSER_FORWARD_H */
