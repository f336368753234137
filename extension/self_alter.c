/*
 * self_alter.c -- a role pg_autouser manages cannot alter itself: ALTER
 * ROLE (password, NULL included, which check_password_hook never sees;
 * VALID UNTIL; CONNECTION LIMIT), ALTER ROLE ... SET/RESET and RENAME of
 * its own role are refused, so that it can neither change what
 * pg_autouser keeps nor hold its own pg_authid row or role settings locked
 * (an open or prepared transaction would block its cleanup and its next
 * provisioning).  A ProcessUtility_hook, chained as contrib's are;
 * superusers and pg_autouser.admin_role are not affected.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/acl.h"

#include "managed.h"
#include "plan.h"
#include "self_alter.h"

static ProcessUtility_hook_type prev_process_utility = NULL;

/* The role a statement alters, or InvalidOid for any other statement. */
static Oid
altered_role(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_AlterRoleStmt:
			return get_rolespec_oid(((AlterRoleStmt *) stmt)->role, true);
		case T_AlterRoleSetStmt:
			/* NULL: ALTER ROLE ALL, for superusers only. */
			if (((AlterRoleSetStmt *) stmt)->role == NULL)
				return InvalidOid;
			return get_rolespec_oid(((AlterRoleSetStmt *) stmt)->role, true);
		case T_RenameStmt:
			if (((RenameStmt *) stmt)->renameType != OBJECT_ROLE)
				return InvalidOid;
			return get_role_oid(((RenameStmt *) stmt)->subname, true);
		default:
			return InvalidOid;
	}
}

static void
refuse_self_alteration(Node *stmt)
{
	Oid role = altered_role(stmt);
	Oid actor = GetUserId();

	if (!OidIsValid(role) || (role != actor && role != GetSessionUserId()))
		return;
	if (autouser_role_is_exempt(actor) || autouser_role_is_exempt(role) ||
		!autouser_role_is_recorded(role))
		return;
	ereport(
		ERROR,
		(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
		 errmsg(
			 "role \"%s\" is managed by pg_autouser and cannot alter itself",
			 GetUserNameFromId(role, false)),
		 errdetail(
			 "A managed role logs in only with its client certificate; its password, attributes and settings are kept by pg_autouser."),
		 errhint("A superuser or pg_autouser.admin_role can alter it.")));
}

static void
guard_utility(PlannedStmt *pstmt, const char *query_string,
			  bool read_only_tree, ProcessUtilityContext context,
			  ParamListInfo params, QueryEnvironment *query_env,
			  DestReceiver *dest, QueryCompletion *qc)
{
	refuse_self_alteration(pstmt->utilityStmt);
	if (prev_process_utility)
		prev_process_utility(pstmt, query_string, read_only_tree, context,
							 params, query_env, dest, qc);
	else
		standard_ProcessUtility(pstmt, query_string, read_only_tree, context,
								params, query_env, dest, qc);
}

void
autouser_self_alter_init(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = guard_utility;
}
