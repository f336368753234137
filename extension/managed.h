/*
 * managed.h -- the record of which roles pg_autouser manages: a security
 * label of provider "pg_autouser" on the role (managed.c).
 */
#ifndef AUTOUSER_MANAGED_H
#define AUTOUSER_MANAGED_H

#include "nodes/pg_list.h"

#define AUTOUSER_LABEL_PROVIDER "pg_autouser"
#define AUTOUSER_LABEL_MANAGED  "managed"

extern void  autouser_managed_init(void);
extern bool  autouser_role_is_recorded(Oid role);
extern List *autouser_recorded_roles(void);

#endif /* AUTOUSER_MANAGED_H */
