/*
 * plan.h -- what a login gets: rules evaluated, the role's state read from
 * the shared catalogs, and the decision of SPEC 5.  Used alike by the login
 * hook (fast path), the workers (authoritative, under the role's lock) and
 * autouser.preview().
 */
#ifndef AUTOUSER_PLAN_H
#define AUTOUSER_PLAN_H

#include "core_bridge.h"
#include "queue.h"

typedef struct AutouserPlan
{
	AutouserAction action;
	AutouserEval eval;
	bool		rules_broken;	/* the rule blob did not decode */
	Oid			role_oid;		/* the identity's role, if it exists */
	char	   *bad_role;		/* the role a rejection names */
	char	   *detail;			/* why, for the server log */
	List	   *grant;			/* role names to add */
	List	   *revoke;			/* role names to take away */
} AutouserPlan;

extern void autouser_plan_login(const AutouserRequest *request,
								const char *blob, Size blob_len,
								AutouserPlan *plan);
extern void autouser_plan_from_eval(const AutouserRequest *request,
									const AutouserEval *eval, AutouserPlan *plan);
extern Oid	autouser_group_role_oid(void);
extern bool autouser_role_is_managed(Oid role, Oid group);
extern const char *autouser_forbidden_reason(Oid role, Oid login_role);
extern void autouser_report_rejection(int elevel, const char *identity,
									  const char *database, const AutouserPlan *plan);

#endif							/* AUTOUSER_PLAN_H */
