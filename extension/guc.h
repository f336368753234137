/*
 * guc.h -- the pg_autouser.* settings, defined in guc.c.  Readers only.
 */
#ifndef AUTOUSER_GUC_H
#define AUTOUSER_GUC_H

#include "nodes/pg_list.h"

typedef enum AutouserCleanupMode
{
	AUTOUSER_CLEANUP_DEACTIVATE = 0,
	AUTOUSER_CLEANUP_DROP = 1,
	AUTOUSER_CLEANUP_OFF = 2
} AutouserCleanupMode;

extern bool  autouser_enabled;
extern char *autouser_database;
extern char *autouser_admin_role;
extern char *autouser_group_role;
typedef enum AutouserOnRevoke
{
	AUTOUSER_ON_REVOKE_TERMINATE = 0,
	AUTOUSER_ON_REVOKE_REVOKE_ONLY = 1
} AutouserOnRevoke;

extern int   autouser_cleanup;
extern int   autouser_cleanup_delay;
extern int   autouser_sweep_interval;
extern int   autouser_provision_timeout;
extern int   autouser_workers;
extern char *autouser_forbidden_roles;
extern int   autouser_event_retention;
extern int   autouser_lock_timeout;
extern bool  autouser_enforce_expiry;
extern int   autouser_on_revoke;
extern char *autouser_primary_conninfo;
extern char *autouser_node_name;
extern int   autouser_lease_interval;
extern int   autouser_lease_expiry;

extern void  autouser_guc_init(void);
extern List *autouser_forbidden_role_list(void);

#endif /* AUTOUSER_GUC_H */
