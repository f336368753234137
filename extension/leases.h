/*
 * leases.h -- the primary's record of managed sessions on standbys
 * (leases.c, autouser.standby_sessions).
 */
#ifndef AUTOUSER_LEASES_H
#define AUTOUSER_LEASES_H

#include "utils/jsonb.h"

extern bool autouser_leases_hold(const char *role);
extern void autouser_lease_take(const char *node, const char *role);
extern int
autouser_leases_renew(const char *node, const char *instance, Jsonb *sessions);
extern int autouser_leases_expire(void);

#endif /* AUTOUSER_LEASES_H */
