/*
 * role_ddl.h -- the role statements pg_autouser runs (role_ddl.c).
 */
#ifndef AUTOUSER_ROLE_DDL_H
#define AUTOUSER_ROLE_DDL_H

#include "login.h"
#include "plan.h"

extern void autouser_ddl_ensure_group_role(void);
extern void
autouser_ddl_provision(const char *identity, AutouserOutcome outcome,
					   const AutouserChanges *changes);
extern void  autouser_ddl_deactivate(const char *name, List *granted);
extern char *autouser_ddl_try_drop(const char *name);

#endif /* AUTOUSER_ROLE_DDL_H */
