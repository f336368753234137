/*
 * admin_sql.c -- executes one statement through SPI (caller connected, in a
 * transaction) as a given role, restoring the caller's identity after it.
 * On error the transaction abort restores the identity.  Builds no SQL.
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"

#include "admin_sql.h"
#include "guc.h"

static void
run_as(Oid role, const char *sql, int nargs, Oid *types, Datum *values, const char *nulls)
{
	Oid			saved_user;
	int			saved_context;
	int			ret;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(role, saved_context | SECURITY_LOCAL_USERID_CHANGE);
	ret = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (ret < 0)
		elog(ERROR, "pg_autouser: \"%s\" failed: %s", sql, SPI_result_code_string(ret));
	SetUserIdAndSecContext(saved_user, saved_context);
}

/* Role DDL, with exactly the privileges of pg_autouser.admin_role. */
void
autouser_admin_sql(const char *sql)
{
	Oid			admin = BOOTSTRAP_SUPERUSERID;

	if (autouser_admin_role && autouser_admin_role[0])
		admin = get_role_oid(autouser_admin_role, false);
	run_as(admin, sql, 0, NULL, NULL, NULL);
}

/* Writes to autouser.events / autouser.user_state, which PUBLIC cannot touch. */
void
autouser_owner_sql(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls)
{
	run_as(BOOTSTRAP_SUPERUSERID, sql, nargs, types, values, nulls);
}
