/*
 * worker_settings.c -- the settings a worker runs with: the server's
 * configuration (postgresql.conf, the command line) alone.  Connecting to a
 * database applies its pg_db_role_setting entries (ALTER DATABASE ... SET,
 * ALTER ROLE [ALL] [IN DATABASE] ... SET), which the owner of
 * pg_autouser.database may write; so each worker notes its settings before
 * it connects, and afterwards puts back every one such an entry changed --
 * session_authorization and role included, so that it acts, and shows in
 * pg_stat_activity, as the bootstrap superuser.  Then a fixed list is pinned
 * whatever the configuration says, and lock_timeout to one lock try
 * (worker_runtime.h).
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "compat.h"
#include "worker_runtime.h"
#include "worker_settings.h"

/*
 * Pinned at the highest priority, from the configuration file too: what the
 * statements the workers run for others rely on.
 */
static const char *const pinned_settings[][2] = {
	{"search_path", "pg_catalog, pg_temp"},
	{"default_transaction_read_only", "off"},
	{"default_transaction_isolation", "read committed"},
	{"default_transaction_deferrable", "off"},
	{"statement_timeout", "0"},
	{"idle_in_transaction_session_timeout", "0"},
	{"idle_session_timeout", "0"},
	{"session_replication_role", "origin"},
	{"exit_on_error", "off"},
	{"row_security", "on"},
	{"standard_conforming_strings", "on"},
	{"transform_null_equals", "off"},
	{"default_tablespace", ""},
	{"temp_tablespaces", ""},
	{"createrole_self_grant", ""}, /* PostgreSQL 16+ */
	{"transaction_timeout", "0"},  /* PostgreSQL 17+ */
};

/* A setting as the worker had it before connecting. */
typedef struct NotedSetting
{
	const char *name;
	char       *value;
} NotedSetting;

static NotedSetting *noted = NULL;
static int           nnoted = 0;

/* The value of a setting as text that reads back exactly. */
static char *
value_text(struct config_generic *gconf)
{
	switch (gconf->vartype)
	{
		case PGC_BOOL:
			return pstrdup(*((struct config_bool *) gconf)->variable ? "on"
																	 : "off");
		case PGC_INT:
			return psprintf("%d", *((struct config_int *) gconf)->variable);
		case PGC_REAL:
			return psprintf("%.17g",
							*((struct config_real *) gconf)->variable);
		case PGC_STRING:
		{
			char *value = *((struct config_string *) gconf)->variable;

			return value ? pstrdup(value) : NULL;
		}
		case PGC_ENUM:
			return pstrdup(config_enum_lookup_by_value(
				(struct config_enum *) gconf,
				*((struct config_enum *) gconf)->variable));
	}
	return NULL;
}

/* Only these can come from pg_db_role_setting (see ApplySetting()). */
static bool
settable_in_session(struct config_generic *gconf)
{
	return gconf->context == PGC_USERSET || gconf->context == PGC_SUSET;
}

static bool
from_db_role_setting(struct config_generic *gconf)
{
	return gconf->source == PGC_S_GLOBAL || gconf->source == PGC_S_DATABASE ||
		   gconf->source == PGC_S_USER || gconf->source == PGC_S_DATABASE_USER;
}

/* Before connecting: note every setting a database or role could change. */
void
autouser_settings_note(void)
{
	MemoryContext           old = MemoryContextSwitchTo(TopMemoryContext);
	int                     nvars;
	struct config_generic **vars = AutouserGucVariables(&nvars);

	noted = palloc0(sizeof(NotedSetting) * nvars);
	nnoted = 0;
	for (int i = 0; i < nvars; i++)
	{
		if (!settable_in_session(vars[i]) ||
			(vars[i]->flags & GUC_CUSTOM_PLACEHOLDER))
			continue;
		noted[nnoted].name = pstrdup(vars[i]->name);
		noted[nnoted].value = value_text(vars[i]);
		nnoted++;
	}
	MemoryContextSwitchTo(old);
}

static NotedSetting *
noted_setting(const char *name)
{
	for (int i = 0; i < nnoted; i++)
		if (strcmp(noted[i].name, name) == 0)
			return &noted[i];
	return NULL;
}

static void
put_back(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_SUSET, PGC_S_OVERRIDE,
							 GUC_ACTION_SET, true, WARNING, false);
}

/*
 * After connecting: every setting that pg_db_role_setting changed goes back
 * to its noted value, at the priority that entry had over the configuration
 * file (so a reload leaves it as it was noted, as it left the entry's).
 * session_authorization first: it also resets the current role, which role
 * then confirms.  A placeholder (a setting no loaded library defines)
 * changes nothing and stays.
 */
void
autouser_settings_shed(void)
{
	int                     nvars;
	struct config_generic **vars;
	bool                    restored = false;

	StartTransactionCommand();
	vars = AutouserGucVariables(&nvars);
	for (int i = 0; i < nvars; i++)
		if (from_db_role_setting(vars[i]) &&
			strcmp(vars[i]->name, "session_authorization") == 0)
		{
			put_back("session_authorization",
					 GetUserNameFromId(BOOTSTRAP_SUPERUSERID, false));
			restored = true;
		}
	for (int i = 0; i < nvars; i++)
	{
		NotedSetting *was;

		if (!from_db_role_setting(vars[i]) ||
			strcmp(vars[i]->name, "session_authorization") == 0)
			continue;
		was = noted_setting(vars[i]->name);
		if (was != NULL && was->value != NULL)
			put_back(was->name, was->value);
	}
	CommitTransactionCommand();

	/* pg_stat_activity took the session user before it was put back. */
	if (restored && MyBEEntry != NULL)
	{
		volatile PgBackendStatus *entry = MyBEEntry;

		PGSTAT_BEGIN_WRITE_ACTIVITY(entry);
		entry->st_userid = GetSessionUserId();
		PGSTAT_END_WRITE_ACTIVITY(entry);
	}
}

/* The fixed list and the lock try; again after each reload. */
void
autouser_settings_pin(void)
{
	char lock_timeout[32];

	for (int i = 0; i < (int) lengthof(pinned_settings); i++)
		if (GetConfigOption(pinned_settings[i][0], true, false) != NULL)
			SetConfigOption(pinned_settings[i][0], pinned_settings[i][1],
							PGC_SUSET, PGC_S_OVERRIDE);
	snprintf(lock_timeout, sizeof(lock_timeout), "%d", autouser_lock_try_ms());
	SetConfigOption("lock_timeout", lock_timeout, PGC_SUSET, PGC_S_OVERRIDE);
}
