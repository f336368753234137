/*
 * password_hook.c -- a role managed by pg_autouser logs in only with its
 * certificate, so it never holds a password: check_password_hook refuses
 * setting one, by anyone (CREATE ROLE, ALTER ROLE, \password).  Provisioning
 * also clears any password a role had before it was managed.
 */
#include "postgres.h"

#include "commands/user.h"
#include "utils/acl.h"

#include "managed.h"
#include "password_hook.h"
#include "plan.h"

static check_password_hook_type prev_check_password_hook = NULL;

static void
refuse_managed_password(const char *username, const char *shadow_pass,
						PasswordType password_type, Datum validuntil_time,
						bool validuntil_null)
{
	Oid role;

	if (prev_check_password_hook)
		prev_check_password_hook(username, shadow_pass, password_type,
								 validuntil_time, validuntil_null);
	role = get_role_oid(username, true);
	if (OidIsValid(role) && !autouser_role_is_exempt(role) &&
		autouser_role_is_recorded(role))
		ereport(
			ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg(
				 "role \"%s\" is managed by pg_autouser and cannot have a password",
				 username),
			 errdetail(
				 "A managed role logs in only with its client certificate.")));
}

void
autouser_password_hook_init(void)
{
	prev_check_password_hook = check_password_hook;
	check_password_hook = refuse_managed_password;
}
