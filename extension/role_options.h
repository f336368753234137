/*
 * role_options.h -- the options a login's rules give its role, and those
 * the role holds: compared, applied, cleared (role_options.c).
 */
#ifndef AUTOUSER_ROLE_OPTIONS_H
#define AUTOUSER_ROLE_OPTIONS_H

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

/* A role's options; what CREATE ROLE gives is -1, true, NULL. */
typedef struct AutouserRoleOptions
{
	int   connection_limit; /* -1: no limit */
	bool  inherit;
	char *settings; /* the settings as a JSON object, NULL for none */
} AutouserRoleOptions;

extern void
autouser_role_options_given(List *options, AutouserRoleOptions *given);
extern void autouser_role_options_held(Oid role, AutouserRoleOptions *held);
extern void autouser_role_options_default(AutouserRoleOptions *options);
extern bool autouser_role_options_equal(const AutouserRoleOptions *a,
										const AutouserRoleOptions *b);
extern void
autouser_role_options_apply(const char *name, const AutouserRoleOptions *given,
							const AutouserRoleOptions *held);
extern void   autouser_role_options_clear(const char *name);
extern char  *autouser_role_options_detail(const AutouserRoleOptions *given,
										   const AutouserRoleOptions *held);
extern Jsonb *autouser_role_options_jsonb(List *options);

#endif /* AUTOUSER_ROLE_OPTIONS_H */
