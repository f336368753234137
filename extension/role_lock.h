/*
 * role_lock.h -- the heavyweight lock that serializes provisioning and
 * cleanup of one role name across all processes (role_lock.c).
 */
#ifndef AUTOUSER_ROLE_LOCK_H
#define AUTOUSER_ROLE_LOCK_H

#include "storage/lockdefs.h"

extern bool autouser_lock_role(const char *name, LOCKMODE mode, bool wait);
extern void autouser_unlock_role(const char *name, LOCKMODE mode);
extern bool autouser_try_lock_role_object(Oid role);

#endif /* AUTOUSER_ROLE_LOCK_H */
