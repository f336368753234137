/*
 * managed.h -- the record of which roles pg_autouser manages, and of the
 * settings it gave them: security labels on the roles (managed.c).
 */
#ifndef AUTOUSER_MANAGED_H
#define AUTOUSER_MANAGED_H

#include "nodes/pg_list.h"

#define AUTOUSER_LABEL_PROVIDER "pg_autouser"
#define AUTOUSER_LABEL_MANAGED  "managed"
/* The settings rule options gave the role, as a JSON object. */
#define AUTOUSER_LABEL_SETTINGS_PROVIDER "pg_autouser_settings"

extern void  autouser_managed_init(void);
extern bool  autouser_role_is_recorded(Oid role);
extern List *autouser_recorded_roles(void);
extern char *autouser_role_settings_label(Oid role);

#endif /* AUTOUSER_MANAGED_H */
