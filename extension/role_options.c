/*
 * role_options.c -- what rule options do to a role.  Turns an evaluation's
 * merged options into the options its role should hold; reads those it
 * holds (CONNECTION LIMIT and INHERIT from pg_authid, its settings from the
 * settings label pg_autouser keeps for it: the login hook cannot read
 * pg_db_role_setting before a database is chosen, pg_shseclabel it can);
 * and brings one to the other with ALTER ROLE as pg_autouser.admin_role,
 * role-wide (never IN DATABASE), every name quoted here once and every
 * value a literal.  Only settings pg_autouser gave are ever reset.  The
 * caller holds the role's lock and runs in a transaction.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "lib/stringinfo.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/syscache.h"

#include "core_bridge.h"
#include "managed.h"
#include "role_options.h"
#include "rule_options.h"
#include "run_as.h"

/* One setting of a settings label. */
typedef struct Setting
{
	char *name;
	char *value;
} Setting;

void
autouser_role_options_default(AutouserRoleOptions *options)
{
	options->connection_limit = -1;
	options->inherit = true;
	options->settings = NULL;
}

/* The options an evaluation's merged options (AutouserOption *) give. */
void
autouser_role_options_given(List *options, AutouserRoleOptions *given)
{
	StringInfoData settings;
	ListCell      *lc;

	autouser_role_options_default(given);
	initStringInfo(&settings);
	foreach(lc, options)
	{
		AutouserOption *option = lfirst(lc);

		if (option->kind == AUTOUSER_OPTION_SETTING)
		{
			appendStringInfoString(&settings, settings.len == 0 ? "{" : ", ");
			escape_json(&settings, option->name);
			appendStringInfoString(&settings, ": ");
			escape_json(&settings, option->value);
		}
		else if (strcmp(option->name, AUTOUSER_OPTION_CONNECTION_LIMIT) == 0)
			given->connection_limit = pg_strtoint32(option->value);
		else if (strcmp(option->name, AUTOUSER_OPTION_INHERIT) == 0)
			given->inherit = strcmp(option->value, "true") == 0;
	}
	if (settings.len > 0)
	{
		appendStringInfoChar(&settings, '}');
		given->settings = settings.data;
	}
}

/* What role holds now (a syscache and a shared catalog: fine at login). */
void
autouser_role_options_held(Oid role, AutouserRoleOptions *held)
{
	HeapTuple tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));

	autouser_role_options_default(held);
	if (HeapTupleIsValid(tuple))
	{
		Form_pg_authid form = (Form_pg_authid) GETSTRUCT(tuple);

		held->connection_limit = form->rolconnlimit;
		held->inherit = form->rolinherit;
		ReleaseSysCache(tuple);
	}
	held->settings = autouser_role_settings_label(role);
}

static bool
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
		   (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool
autouser_role_options_equal(const AutouserRoleOptions *a,
							const AutouserRoleOptions *b)
{
	return a->connection_limit == b->connection_limit &&
		   a->inherit == b->inherit && same_text(a->settings, b->settings);
}

/* The settings of a settings label (Setting *), in its order. */
static List *
settings_list(const char *settings)
{
	List              *out = NIL;
	Jsonb             *json;
	JsonbIterator     *it;
	JsonbIteratorToken token;
	JsonbValue         v;
	char              *name = NULL;

	if (settings == NULL)
		return NIL;
	json = DatumGetJsonbP(
		DirectFunctionCall1(jsonb_in, CStringGetDatum(settings)));
	it = JsonbIteratorInit(&json->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		Setting *setting;

		if (token == WJB_KEY)
			name = pnstrdup(v.val.string.val, v.val.string.len);
		if (token != WJB_VALUE || v.type != jbvString)
			continue;
		setting = palloc(sizeof(Setting));
		setting->name = name;
		setting->value = pnstrdup(v.val.string.val, v.val.string.len);
		out = lappend(out, setting);
	}
	return out;
}

static Setting *
find_setting(List *settings, const char *name)
{
	ListCell *lc;

	foreach(lc, settings)
		if (strcmp(((Setting *) lfirst(lc))->name, name) == 0)
			return lfirst(lc);
	return NULL;
}

/*
 * A setting's value as ALTER ROLE ... SET takes it: one literal, or for a
 * list setting one literal per element (a single literal would be one
 * element holding the commas).
 */
static char *
value_sql(const char *name, const char *value)
{
	StringInfoData buf;
	ListCell      *lc;

	if ((GetConfigOptionFlags(name, true) & GUC_LIST_QUOTE) == 0)
		return quote_literal_cstr(value);
	initStringInfo(&buf);
	foreach(lc, autouser_setting_list_elements(value))
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
						 quote_literal_cstr(lfirst(lc)));
	return buf.data;
}

/*
 * Brings role name from held to given: its attributes, then its settings
 * (those pg_autouser gave and the rules no longer give are reset), then the
 * settings label that records them.  Nothing is run for what is equal.
 */
void
autouser_role_options_apply(const char *name, const AutouserRoleOptions *given,
							const AutouserRoleOptions *held)
{
	const char *role = quote_identifier(name);
	List       *want = settings_list(given->settings);
	List       *had = settings_list(held->settings);
	ListCell   *lc;

	if (given->connection_limit != held->connection_limit ||
		given->inherit != held->inherit)
		autouser_admin_ddl(psprintf("ALTER ROLE %s CONNECTION LIMIT %d %s",
									role, given->connection_limit,
									given->inherit ? "INHERIT" : "NOINHERIT"));
	foreach(lc, had)
	{
		Setting *setting = lfirst(lc);

		if (find_setting(want, setting->name) == NULL)
			autouser_admin_ddl(psprintf("ALTER ROLE %s RESET %s", role,
										quote_identifier(setting->name)));
	}
	foreach(lc, want)
	{
		Setting *setting = lfirst(lc);
		Setting *before = find_setting(had, setting->name);

		if (before == NULL || strcmp(before->value, setting->value) != 0)
			autouser_admin_ddl(
				psprintf("ALTER ROLE %s SET %s = %s", role,
						 quote_identifier(setting->name),
						 value_sql(setting->name, setting->value)));
	}
	if (!same_text(given->settings, held->settings))
		autouser_admin_ddl(psprintf(
			"SECURITY LABEL FOR %s ON ROLE %s IS %s",
			AUTOUSER_LABEL_SETTINGS_PROVIDER, role,
			given->settings ? quote_literal_cstr(given->settings) : "NULL"));
}

/* Deactivation: back to what CREATE ROLE gives, pg_autouser's settings reset. */
void
autouser_role_options_clear(const char *name)
{
	Oid                 role = get_role_oid(name, true);
	AutouserRoleOptions none;
	AutouserRoleOptions held;

	if (!OidIsValid(role))
		return;
	autouser_role_options_default(&none);
	autouser_role_options_held(role, &held);
	autouser_role_options_apply(name, &none, &held);
}

/* What applying given over held changes, for the audit trail, or NULL. */
char *
autouser_role_options_detail(const AutouserRoleOptions *given,
							 const AutouserRoleOptions *held)
{
	if (autouser_role_options_equal(given, held))
		return NULL;
	return psprintf("options: connection_limit %d, inherit %s, settings %s",
					given->connection_limit, given->inherit ? "true" : "false",
					given->settings ? given->settings : "{}");
}

/*
 * The merged options as autouser.preview_options() shows them: the keys
 * of add_rule's options that the rules give, and nothing else.
 */
Jsonb *
autouser_role_options_jsonb(List *options)
{
	AutouserRoleOptions given;
	StringInfoData      buf;
	ListCell           *lc;

	autouser_role_options_given(options, &given);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	foreach(lc, options)
	{
		AutouserOption *option = lfirst(lc);

		if (option->kind != AUTOUSER_OPTION_ATTRIBUTE)
			continue;
		if (buf.len > 1)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, option->name);
		/* connection_limit and inherit are a number and a boolean, as given. */
		appendStringInfo(&buf, ": %s", option->value);
	}
	if (given.settings != NULL)
	{
		if (buf.len > 1)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, AUTOUSER_OPTION_SETTINGS);
		appendStringInfo(&buf, ": %s", given.settings);
	}
	appendStringInfoChar(&buf, '}');
	return DatumGetJsonbP(
		DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
