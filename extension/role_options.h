/*
 * role_options.h -- the options a login's rules give its role, and those
 * the role holds: compared, applied, cleared (role_options.c).
 */
#ifndef AUTOUSER_ROLE_OPTIONS_H
#define AUTOUSER_ROLE_OPTIONS_H

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

/*
 * A role's options; what CREATE ROLE gives is -1, true, NULL.  The *_ours
 * flags say, of options the rules give, that a rule gives the attribute;
 * of options a role holds, that pg_autouser set the value it holds (else an
 * administrator did, and it is kept: a CONNECTION LIMIT 0 or NOINHERIT set
 * by hand is a restriction no rule lifts).
 */
typedef struct AutouserRoleOptions
{
	int   connection_limit; /* -1: no limit */
	bool  inherit;
	bool  connection_limit_ours;
	bool  inherit_ours;
	int   connection_limit_by_hand; /* the limit pg_autouser's replaced */
	char *settings; /* the settings as a JSON object, NULL for none */
	char *by_hand;  /* values set by hand that settings replaced, the same */
	char *label;    /* held: the settings label as it is, NULL for none */
} AutouserRoleOptions;

extern void
autouser_role_options_given(List *options, AutouserRoleOptions *given);
extern void autouser_role_options_held(Oid role, AutouserRoleOptions *held);
extern void autouser_role_options_target(const AutouserRoleOptions *given,
										 const AutouserRoleOptions *held,
										 AutouserRoleOptions       *target);
extern void autouser_role_options_default(AutouserRoleOptions *options);
/* Whether held holds target (the settings label too). */
extern bool autouser_role_options_equal(const AutouserRoleOptions *target,
										const AutouserRoleOptions *held);
extern void
autouser_role_options_apply(const char *name, const AutouserRoleOptions *given,
							const AutouserRoleOptions *held);
extern char  *autouser_role_options_detail(const AutouserRoleOptions *given,
										   const AutouserRoleOptions *held);
extern Jsonb *autouser_role_options_jsonb(List *options);

#endif /* AUTOUSER_ROLE_OPTIONS_H */
