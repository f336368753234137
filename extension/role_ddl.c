/*
 * role_ddl.c -- builds and runs every role statement pg_autouser makes:
 * create or reactivate a login's role, deactivate or drop it, create the
 * group role.  Each runs as pg_autouser.admin_role through run_as.c, in the
 * caller's transaction, with every name quoted exactly once, here.
 */
#include "postgres.h"

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "compat.h"
#include "guc.h"
#include "managed.h"
#include "plan.h"
#include "role_ddl.h"
#include "role_lock.h"
#include "role_options.h"
#include "run_as.h"

/* Creates pg_autouser.group_role if it is missing. */
void
autouser_ddl_ensure_group_role(void)
{
	if (OidIsValid(autouser_group_role_oid()))
		return;
	/* The empty name's lock serializes creators; then look again. */
	(void) autouser_lock_role("", ExclusiveLock, true);
	if (OidIsValid(autouser_group_role_oid()))
		return;
	autouser_admin_ddl(psprintf("CREATE ROLE %s NOLOGIN",
								quote_identifier(autouser_group_role)));
	CommandCounterIncrement();
}

static char *
quoted_list(List *names)
{
	StringInfoData buf;
	ListCell      *lc;

	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
						 quote_identifier(lfirst(lc)));
	return buf.data;
}

/*
 * Carries a change of the role's INHERIT to the memberships it keeps --
 * the group role's and its set's -- where each grant has its own (compat.h);
 * the roles granted just now got it with their GRANT.
 */
static void
carry_inherit(const char *identity, const AutouserChanges *changes)
{
	List     *kept = list_make1(autouser_group_role);
	ListCell *lc;
	ListCell *granted;

	if (!AUTOUSER_GRANTS_CARRY_INHERIT ||
		changes->options.inherit == changes->held.inherit)
		return;
	foreach(lc, changes->set)
	{
		bool fresh = false;

		foreach(granted, changes->grant)
			fresh = fresh || strcmp(lfirst(granted), lfirst(lc)) == 0;
		if (!fresh)
			kept = lappend(kept, lfirst(lc));
	}
	autouser_admin_ddl(psprintf(
		"GRANT %s TO %s%s", quoted_list(kept), quote_identifier(identity),
		AutouserGrantInheritClause(changes->options.inherit)));
}

/*
 * CREATE, REACTIVATE or UPDATE, in the caller's transaction; the caller
 * holds the role's lock and commits.  Either way the role ends up LOGIN,
 * without a password, holding exactly the group role and its set and the
 * options its rules give, recorded as managed.  UPDATE (the rules changed a
 * role in use) only moves the memberships and the options.
 */
void
autouser_ddl_provision(const char *identity, AutouserOutcome outcome,
					   const AutouserChanges *changes)
{
	const char *role = quote_identifier(identity);
	ListCell   *lc;

	autouser_ddl_ensure_group_role();
	if (outcome == AUTOUSER_CREATE)
		autouser_admin_ddl(psprintf(
			"CREATE ROLE %s LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
			" NOREPLICATION NOBYPASSRLS INHERIT PASSWORD NULL IN ROLE %s",
			role, quote_identifier(autouser_group_role)));
	else if (outcome == AUTOUSER_REACTIVATE || outcome == AUTOUSER_UPDATE)
	{
		/* Also adopts a role put into the group by hand: its password goes. */
		if (outcome == AUTOUSER_REACTIVATE)
			autouser_admin_ddl(
				psprintf("ALTER ROLE %s LOGIN PASSWORD NULL", role));
		foreach(lc, changes->revoke)
			autouser_admin_ddl(psprintf("REVOKE %s FROM %s",
										quote_identifier(lfirst(lc)), role));
		if (changes->join_group)
			autouser_admin_ddl(psprintf(
				"GRANT %s TO %s%s", quote_identifier(autouser_group_role),
				role, AutouserGrantInheritClause(changes->options.inherit)));
	}
	else
		elog(ERROR, "pg_autouser: outcome %d writes nothing", (int) outcome);
	if (changes->grant != NIL)
		autouser_admin_ddl(
			psprintf("GRANT %s TO %s%s", quoted_list(changes->grant), role,
					 AutouserGrantInheritClause(changes->options.inherit)));
	autouser_role_options_apply(identity, &changes->options, &changes->held);
	carry_inherit(identity, changes);
	autouser_admin_ddl(psprintf("SECURITY LABEL FOR %s ON ROLE %s IS %s",
								AUTOUSER_LABEL_PROVIDER, role,
								quote_literal_cstr(AUTOUSER_LABEL_MANAGED)));
}

/*
 * Revokes every membership but the group role's, clears what rule options
 * gave, and sets NOLOGIN.
 */
void
autouser_ddl_deactivate(const char *name, List *granted)
{
	const char     *role = quote_identifier(name);
	Oid             oid = get_role_oid(name, true);
	AutouserChanges left;
	ListCell       *lc;

	foreach(lc, granted)
		autouser_admin_ddl(
			psprintf("REVOKE %s FROM %s", quote_identifier(lfirst(lc)), role));
	/* What pg_autouser set goes back to what CREATE ROLE gives. */
	memset(&left, 0, sizeof(left));
	autouser_role_options_default(&left.options);
	autouser_role_options_default(&left.held);
	if (OidIsValid(oid))
	{
		autouser_role_options_held(oid, &left.held);
		autouser_role_options_target(&left.options, &left.held, &left.options);
		autouser_role_options_apply(name, &left.options, &left.held);
		carry_inherit(name, &left);
	}
	autouser_admin_ddl(psprintf("ALTER ROLE %s NOLOGIN", role));
}

/*
 * DROP ROLE in a subtransaction; on failure (it owns objects or holds
 * privileges somewhere, or another transaction's lock outlasted the try)
 * returns the reason and leaves the role as it was.  A cancel is raised.
 */
char *
autouser_ddl_try_drop(const char *name)
{
	MemoryContext outer = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	char *volatile failure = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(outer);
	PG_TRY();
	{
		autouser_admin_ddl(psprintf("DROP ROLE %s", quote_identifier(name)));
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData *edata;

		MemoryContextSwitchTo(outer);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(outer);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		if (edata->detail)
			failure = psprintf("%s: %s", edata->message, edata->detail);
		else
			failure = pstrdup(edata->message);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(outer);
	CurrentResourceOwner = owner;
	return failure;
}
