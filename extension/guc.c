/*
 * guc.c -- defines every pg_autouser.* setting (SPEC 3) and nothing else;
 * the code that acts on a setting lives where it is used.
 */
#include "postgres.h"

#include <limits.h>

#include "nodes/pg_list.h"
#include "utils/guc.h"
#include "utils/varlena.h"

#include "guc.h"
#include "login.h"
#include "workers.h"

bool  autouser_enabled = true;
char *autouser_database = NULL;
char *autouser_admin_role = NULL;
char *autouser_group_role = NULL;
int   autouser_cleanup = AUTOUSER_CLEANUP_DEACTIVATE;
int   autouser_cleanup_delay = 0;
int   autouser_sweep_interval = 60;
int   autouser_provision_timeout = 10000;
int   autouser_workers = 2;
char *autouser_forbidden_roles = NULL;
int   autouser_event_retention = 30 * 24 * 60;
int   autouser_lock_timeout = 2000;
bool  autouser_enforce_expiry = true;
int   autouser_on_revoke = AUTOUSER_ON_REVOKE_TERMINATE;
char *autouser_primary_conninfo = NULL;
char *autouser_node_name = NULL;
int   autouser_lease_interval = 5;
int   autouser_lease_expiry = 15;

static const struct config_enum_entry cleanup_options[] = {
	{"deactivate", AUTOUSER_CLEANUP_DEACTIVATE, false},
	{"drop", AUTOUSER_CLEANUP_DROP, false},
	{"off", AUTOUSER_CLEANUP_OFF, false},
	{NULL, 0, false}};

static const struct config_enum_entry on_revoke_options[] = {
	{"terminate", AUTOUSER_ON_REVOKE_TERMINATE, false},
	{"revoke_only", AUTOUSER_ON_REVOKE_REVOKE_ONLY, false},
	{NULL, 0, false}};

/* A node name fits where the primary and the sessions view keep it. */
static bool
check_node_name(char **newval, void **extra, GucSource source)
{
	if (*newval != NULL && strlen(*newval) >= AUTOUSER_NODE_BYTES)
	{
		GUC_check_errdetail("A node name has at most %d bytes.",
							AUTOUSER_NODE_BYTES - 1);
		return false;
	}
	return true;
}

/* A list setting must parse as one; reject it at SET/reload, not at login. */
static bool
check_forbidden_roles(char **newval, void **extra, GucSource source)
{
	char *copy = pstrdup(*newval);
	List *names = NIL;
	bool  ok = SplitIdentifierString(copy, ',', &names);

	list_free(names);
	pfree(copy);
	if (!ok)
		GUC_check_errdetail("List syntax is invalid.");
	return ok;
}

/* pg_autouser.forbidden_roles as a List of palloc'd names. */
List *
autouser_forbidden_role_list(void)
{
	char *copy =
		pstrdup(autouser_forbidden_roles ? autouser_forbidden_roles : "");
	List *names = NIL;

	if (!SplitIdentifierString(copy, ',', &names))
		return NIL; /* cannot happen: check hook vetted it */
	return names;
}

void
autouser_guc_init(void)
{
	DefineCustomBoolVariable(
		"pg_autouser.enabled", "Provision roles for certificate logins.",
		"When off, the extension never touches a login.", &autouser_enabled,
		true, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable(
		"pg_autouser.database",
		"Database holding the autouser schema; the workers connect to it.",
		NULL, &autouser_database, "postgres", PGC_POSTMASTER, 0, NULL, NULL,
		NULL);
	DefineCustomStringVariable(
		"pg_autouser.admin_role",
		"Role the workers act as; needs CREATEROLE. Empty means the bootstrap superuser.",
		NULL, &autouser_admin_role, "", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable(
		"pg_autouser.group_role",
		"NOLOGIN group role every managed role belongs to.",
		"Membership in this role is what marks a role as managed.",
		&autouser_group_role, "auto_user", PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable(
		"pg_autouser.cleanup",
		"What happens after a managed role's last session ends.", NULL,
		&autouser_cleanup, AUTOUSER_CLEANUP_DEACTIVATE, cleanup_options,
		PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable(
		"pg_autouser.cleanup_delay",
		"Grace period before a managed role is cleaned up.", NULL,
		&autouser_cleanup_delay, 0, 0, 24 * 3600 * 1000, PGC_SIGHUP,
		GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable(
		"pg_autouser.sweep_interval",
		"Interval of the periodic sweep of idle managed roles.", NULL,
		&autouser_sweep_interval, 60, 1, 24 * 3600, PGC_SIGHUP, GUC_UNIT_S,
		NULL, NULL, NULL);
	DefineCustomIntVariable(
		"pg_autouser.provision_timeout",
		"Longest a login waits for provisioning.",
		"Logins never wait past authentication_timeout either.",
		&autouser_provision_timeout, 10000, 100, 600 * 1000, PGC_SIGHUP,
		GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_autouser.workers",
							"Number of provisioning workers.", NULL,
							&autouser_workers, 2, 1, AUTOUSER_MAX_WORKERS,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable(
		"pg_autouser.forbidden_roles",
		"Extra roles no rule may grant (comma-separated).", NULL,
		&autouser_forbidden_roles, "", PGC_SIGHUP, GUC_LIST_INPUT,
		check_forbidden_roles, NULL, NULL);

	DefineCustomIntVariable(
		"pg_autouser.event_retention",
		"How long rows of autouser.events are kept; 0 keeps them forever.",
		"Older events are deleted by the periodic sweep.",
		&autouser_event_retention, 30 * 24 * 60, 0, INT_MAX / 60, PGC_SIGHUP,
		GUC_UNIT_MIN, NULL, NULL, NULL);

	DefineCustomIntVariable(
		"pg_autouser.lock_timeout",
		"How long a job that another transaction's lock blocks is retried before it is reported.",
		"A login is then refused with 57P03; a cleanup is logged and still retried. One try waits at most 100 ms (or this, if less), so a blocked job never holds up other identities.",
		&autouser_lock_timeout, 2000, 1, 600 * 1000, PGC_SIGHUP, GUC_UNIT_MS,
		NULL, NULL, NULL);

	DefineCustomBoolVariable(
		"pg_autouser.enforce_expiry",
		"End a session when its client certificate expires.",
		"PostgreSQL checks the certificate's dates only at the handshake.",
		&autouser_enforce_expiry, true, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable(
		"pg_autouser.on_revoke",
		"What a rule change or revocation list that takes access away does to open sessions.",
		"terminate ends them; revoke_only only revokes the roles.",
		&autouser_on_revoke, AUTOUSER_ON_REVOKE_TERMINATE, on_revoke_options,
		PGC_SIGHUP, 0, NULL, NULL, NULL);

	DefineCustomStringVariable(
		"pg_autouser.primary_conninfo",
		"On a standby: how its workers reach the primary to provision logins.",
		"A libpq connection string; the workers log in as pg_autouser.admin_role. Empty means a standby refuses logins that need a write. Ignored on a primary.",
		&autouser_primary_conninfo, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL,
		NULL, NULL);
	DefineCustomStringVariable(
		"pg_autouser.node_name",
		"This server's name in autouser.sessions.node when it is a standby.",
		"Empty means host:port.", &autouser_node_name, "", PGC_POSTMASTER, 0,
		check_node_name, NULL, NULL);
	DefineCustomIntVariable(
		"pg_autouser.lease_interval",
		"How often a standby reports its sessions of managed roles to the primary.",
		NULL, &autouser_lease_interval, 5, 1, 3600, PGC_SIGHUP, GUC_UNIT_S,
		NULL, NULL, NULL);
	DefineCustomIntVariable(
		"pg_autouser.lease_expiry",
		"How long the primary honours a standby's report of its sessions.",
		"After that, without a new report, the standby's sessions no longer keep their roles active.",
		&autouser_lease_expiry, 15, 2, 24 * 3600, PGC_SIGHUP, GUC_UNIT_S, NULL,
		NULL, NULL);

	MarkGUCPrefixReserved("pg_autouser");
}
