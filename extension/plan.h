/*
 * plan.h -- what a login gets (plan.c): the rules' evaluation and the
 * catalogs' facts turned into one AutouserDecision, the role changes that
 * carry it out.  Used alike by the login
 * hook (fast path), the workers (authoritative, under the role's lock) and
 * autouser.preview().
 */
#ifndef AUTOUSER_PLAN_H
#define AUTOUSER_PLAN_H

#include "core_bridge.h"
#include "login.h"
#include "role_options.h"
#include "rules_cache.h"

/* The memberships and options that make the role hold exactly its set. */
typedef struct AutouserChanges
{
	List *grant;      /* role names to add */
	List *revoke;     /* role names to take away */
	List *set;        /* the whole set (names), for the audit trail */
	bool  join_group; /* not (or no longer) a member of the group role */
	AutouserRoleOptions options; /* what the rules give */
	AutouserRoleOptions held;    /* what the role has now (a new one: none) */
} AutouserChanges;

extern void
autouser_plan(const AutouserRequest *request, const AutouserEval *eval,
			  const AutouserRulesOwners *owners, bool in_database,
			  AutouserDecision *decision, AutouserChanges *changes);
extern void autouser_plan_roles(List *names, const AutouserRulesOwners *owners,
								AutouserDecision *decision);
extern Oid  autouser_role_oid(const char *name);
extern Oid  autouser_group_role_oid(void);
extern List *autouser_role_parents(Oid role);
extern bool  autouser_role_is_managed(Oid role, Oid group);
extern bool  autouser_role_is_exempt(Oid role);
extern bool  autouser_group_role_is_privileged(Oid group);
extern char *autouser_role_name(Oid role);
extern char *autouser_changes_detail(const AutouserChanges *changes);

#endif /* AUTOUSER_PLAN_H */
