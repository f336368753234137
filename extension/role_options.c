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
#include "catalog/pg_type.h"
#include "executor/spi.h"
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

/*
 * The settings label records, besides the settings pg_autouser gave, the
 * attributes it set, under these keys (no setting has a name starting with
 * '@').
 */
#define LABEL_CONNECTION_LIMIT "@connection_limit"
#define LABEL_INHERIT          "@inherit"
#define LABEL_LIMIT_BY_HAND    "@connection_limit_by_hand"
#define LABEL_BY_HAND_PREFIX   "@by_hand:"

void
autouser_role_options_default(AutouserRoleOptions *options)
{
	options->connection_limit = -1;
	options->inherit = true;
	options->connection_limit_ours = false;
	options->inherit_ours = false;
	options->connection_limit_by_hand = -1;
	options->settings = NULL;
	options->by_hand = NULL;
	options->label = NULL;
}

/* json as jsonb prints it: its keys in jsonb's order, so texts compare. */
static char *
canonical_json(const char *json)
{
	Jsonb *value =
		DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(json)));

	return JsonbToCString(NULL, &value->root, VARSIZE(value));
}

/* Appends "name": "value" to a settings object being built. */
static void
append_setting(StringInfo settings, const char *name, const char *value)
{
	appendStringInfoString(settings, settings->len == 0 ? "{" : ", ");
	escape_json(settings, name);
	appendStringInfoString(settings, ": ");
	escape_json(settings, value);
}

/* The settings object built, canonical, or NULL when it holds none. */
static char *
settings_done(StringInfo settings)
{
	if (settings->len == 0)
		return NULL;
	appendStringInfoChar(settings, '}');
	return canonical_json(settings->data);
}

/* The string-valued pairs of a JSON object (Setting *), NIL for NULL. */
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
 * The settings label for options: its settings, and the attributes
 * pg_autouser set; NULL when there are none.
 */
static char *
label_text(const AutouserRoleOptions *options)
{
	StringInfoData label;

	initStringInfo(&label);
	appendStringInfoString(&label,
						   options->settings ? options->settings : "{}");
	label.data[--label.len] = '\0'; /* the closing brace */
	if (options->connection_limit_ours)
	{
		appendStringInfoString(&label, label.len > 1 ? ", " : "");
		escape_json(&label, LABEL_CONNECTION_LIMIT);
		appendStringInfo(&label, ": \"%d\"", options->connection_limit);
		if (options->connection_limit_by_hand != -1)
		{
			appendStringInfoString(&label, ", ");
			escape_json(&label, LABEL_LIMIT_BY_HAND);
			appendStringInfo(&label, ": \"%d\"",
							 options->connection_limit_by_hand);
		}
	}
	if (options->inherit_ours)
	{
		appendStringInfoString(&label, label.len > 1 ? ", " : "");
		escape_json(&label, LABEL_INHERIT);
		appendStringInfoString(&label, ": \"false\"");
	}
	if (options->by_hand != NULL)
	{
		ListCell *lc;

		foreach(lc, settings_list(options->by_hand))
		{
			Setting *pair = lfirst(lc);

			appendStringInfoString(&label, label.len > 1 ? ", " : "");
			escape_json(&label,
						psprintf("%s%s", LABEL_BY_HAND_PREFIX, pair->name));
			appendStringInfoString(&label, ": ");
			escape_json(&label, pair->value);
		}
	}
	if (label.len == 1)
		return NULL;
	appendStringInfoChar(&label, '}');
	return canonical_json(label.data);
}

/*
 * Reads a settings label into held: its settings (as given would print
 * them), and which of the attributes held pg_autouser set -- those the
 * label records with the value the role still holds.
 */
static void
label_read(const char *label, AutouserRoleOptions *held)
{
	StringInfoData settings;
	ListCell      *lc;

	StringInfoData by_hand;

	held->settings = NULL;
	held->label = label ? canonical_json(label) : NULL;
	initStringInfo(&settings);
	initStringInfo(&by_hand);
	foreach(lc, settings_list(label))
	{
		Setting *pair = lfirst(lc);

		if (strcmp(pair->name, LABEL_CONNECTION_LIMIT) == 0)
			held->connection_limit_ours =
				held->connection_limit == pg_strtoint32(pair->value);
		else if (strncmp(pair->name, LABEL_BY_HAND_PREFIX,
						 strlen(LABEL_BY_HAND_PREFIX)) == 0)
			append_setting(&by_hand, pair->name + strlen(LABEL_BY_HAND_PREFIX),
						   pair->value);
		else if (strcmp(pair->name, LABEL_LIMIT_BY_HAND) == 0)
			held->connection_limit_by_hand = pg_strtoint32(pair->value);
		else if (strcmp(pair->name, LABEL_INHERIT) == 0)
			held->inherit_ours = !held->inherit;
		else if (pair->name[0] != '@')
			append_setting(&settings, pair->name, pair->value);
	}
	held->settings = settings_done(&settings);
	held->by_hand = settings_done(&by_hand);
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
			append_setting(&settings, option->name, option->value);
		else if (strcmp(option->name, AUTOUSER_OPTION_CONNECTION_LIMIT) == 0)
		{
			given->connection_limit = pg_strtoint32(option->value);
			given->connection_limit_ours = true;
		}
		else if (strcmp(option->name, AUTOUSER_OPTION_INHERIT) == 0)
		{
			given->inherit = strcmp(option->value, "true") == 0;
			given->inherit_ours = true;
		}
	}
	given->settings = settings_done(&settings);
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
	label_read(autouser_role_settings_label(role), held);
}

/* How restrictive a connection limit is: the smaller, the more (-1: none). */
static int64
limit_rank(int limit)
{
	return limit < 0 ? PG_INT64_MAX : limit;
}

/*
 * What role should hold, given what the rules give and what it holds: the
 * settings the rules give; the rules' connection limit and INHERIT, except
 * that a connection limit or NOINHERIT an administrator set by hand is kept
 * where it is more restrictive; and what pg_autouser set and the rules no
 * longer give, back to what CREATE ROLE gives.
 */
void
autouser_role_options_target(const AutouserRoleOptions *given,
							 const AutouserRoleOptions *held,
							 AutouserRoleOptions       *target)
{
	AutouserRoleOptions rules = *given; /* target may be given */
	/* The limit an administrator set, whether pg_autouser's replaced it. */
	int  manual_limit = held->connection_limit_ours
							? held->connection_limit_by_hand
							: held->connection_limit;
	bool manual_noinherit = !held->inherit && !held->inherit_ours;

	StringInfoData by_hand;
	ListCell      *lc;

	given = &rules;
	autouser_role_options_default(target);
	target->settings = given->settings;
	/* Values set by hand stay recorded while a rule's value replaces them. */
	initStringInfo(&by_hand);
	foreach(lc, settings_list(held->by_hand))
	{
		Setting *pair = lfirst(lc);

		if (find_setting(settings_list(given->settings), pair->name) != NULL)
			append_setting(&by_hand, pair->name, pair->value);
	}
	target->by_hand = settings_done(&by_hand);
	target->connection_limit = manual_limit;
	if (given->connection_limit_ours &&
		limit_rank(given->connection_limit) < limit_rank(manual_limit))
	{
		target->connection_limit = given->connection_limit;
		target->connection_limit_ours = true;
		target->connection_limit_by_hand = manual_limit;
	}
	if (manual_noinherit)
		target->inherit = false;
	else if (given->inherit_ours && !given->inherit)
	{
		target->inherit = false;
		target->inherit_ours = true;
	}
}

static bool
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
		   (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool
autouser_role_options_equal(const AutouserRoleOptions *target,
							const AutouserRoleOptions *held)
{
	return target->connection_limit == held->connection_limit &&
		   target->inherit == held->inherit &&
		   same_text(target->settings, held->settings) &&
		   same_text(label_text(target), held->label);
}

/*
 * A setting's value as ALTER ROLE ... SET takes it (sql), or as it stores
 * it then: one literal, or for a list setting one literal per element (a
 * single literal would be one element holding the commas), which it
 * stores each quoted as an identifier where needed (guc.c's
 * flatten_set_variable_args).
 */
static char *
setting_text(const char *name, const char *value, bool sql)
{
	StringInfoData buf;
	ListCell      *lc;

	if ((GetConfigOptionFlags(name, true) & GUC_LIST_QUOTE) == 0)
		return sql ? quote_literal_cstr(value) : pstrdup(value);
	initStringInfo(&buf);
	foreach(lc, autouser_setting_list_elements(value))
	{
		char *element = lfirst(lc);

		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
						 sql ? quote_literal_cstr(element)
							 : quote_identifier(element));
	}
	return buf.data;
}

static char *
value_sql(const char *name, const char *value)
{
	return setting_text(name, value, true);
}

/*
 * The role-wide value of a setting that role name holds now (ALTER ROLE
 * ... SET, in no database), or NULL.
 */
static char *
role_setting_now(const char *name, const char *setting)
{
	Oid   types[2] = {TEXTOID, TEXTOID};
	Datum values[2] = {CStringGetTextDatum(name),
					   CStringGetTextDatum(setting)};

	(void) autouser_sql(
		AUTOUSER_AS_ADMIN,
		"SELECT pg_catalog.substr(c, pg_catalog.strpos(c, '=') OPERATOR(pg_catalog.+) 1)"
		" FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) c"
		" WHERE s.setdatabase OPERATOR(pg_catalog.=) 0"
		" AND s.setrole OPERATOR(pg_catalog.=) pg_catalog.to_regrole(pg_catalog.quote_ident($1))"
		" AND pg_catalog.lower(pg_catalog.split_part(c, '=', 1))"
		" OPERATOR(pg_catalog.=) pg_catalog.lower($2)",
		2, types, values, NULL, true);
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * Whether now, a role's value for a setting (role_setting_now), is the one
 * pg_autouser gave it: nobody set or reset it by hand since.
 */
static bool
holds_as_given(const char *now, const Setting *given)
{
	return now != NULL &&
		   strcmp(now, setting_text(given->name, given->value, false)) == 0;
}

/* settings with name's entry replaced by value, or removed (value NULL). */
static List *
put_setting(List *settings, const char *name, char *value)
{
	Setting *entry = find_setting(settings, name);

	if (entry != NULL)
		settings = list_delete_ptr(settings, entry);
	if (value == NULL)
		return settings;
	entry = palloc(sizeof(Setting));
	entry->name = pstrdup(name);
	entry->value = value;
	return lappend(settings, entry);
}

/*
 * Brings role name from held to given: its attributes, then its settings
 * (those pg_autouser gave and the rules no longer give are reset, or put
 * back to the value set by hand they replaced), then the settings label
 * that records them.  Nothing is run for what is equal.
 */
void
autouser_role_options_apply(const char *name, const AutouserRoleOptions *given,
							const AutouserRoleOptions *held)
{
	const char         *role = quote_identifier(name);
	List               *want = settings_list(given->settings);
	List               *had = settings_list(held->settings);
	List               *hand = settings_list(held->by_hand);
	AutouserRoleOptions written = *given;
	List               *manual_values;
	StringInfoData      by_hand;
	ListCell           *lc;

	if (given->connection_limit != held->connection_limit ||
		given->inherit != held->inherit)
		autouser_admin_ddl(psprintf("ALTER ROLE %s CONNECTION LIMIT %d %s",
									role, given->connection_limit,
									given->inherit ? "INHERIT" : "NOINHERIT"));
	foreach(lc, had)
	{
		Setting *setting = lfirst(lc);

		Setting *manual = find_setting(hand, setting->name);

		if (find_setting(want, setting->name) != NULL)
			continue;
		/* Set or reset by hand since pg_autouser gave it: left as it is. */
		if (!holds_as_given(role_setting_now(name, setting->name), setting))
			continue;
		if (manual != NULL) /* back to the value set by hand */
			autouser_admin_ddl(
				psprintf("ALTER ROLE %s SET %s = %s", role,
						 quote_identifier(manual->name),
						 value_sql(manual->name, manual->value)));
		else
			autouser_admin_ddl(psprintf("ALTER ROLE %s RESET %s", role,
										quote_identifier(setting->name)));
	}
	manual_values = settings_list(given->by_hand);
	foreach(lc, want)
	{
		Setting *setting = lfirst(lc);
		Setting *before = find_setting(had, setting->name);
		char    *now;

		if (before != NULL && strcmp(before->value, setting->value) == 0)
			continue;
		/*
		 * A value set by hand that this replaces is kept, to be put back:
		 * the one found where pg_autouser gave nothing yet, or the newest,
		 * set over pg_autouser's value since (none, if that was reset).
		 */
		now = role_setting_now(name, setting->name);
		if (before == NULL ? now != NULL : !holds_as_given(now, before))
			manual_values = put_setting(manual_values, setting->name, now);
		autouser_admin_ddl(psprintf("ALTER ROLE %s SET %s = %s", role,
									quote_identifier(setting->name),
									value_sql(setting->name, setting->value)));
	}
	initStringInfo(&by_hand);
	foreach(lc, manual_values)
	{
		Setting *pair = lfirst(lc);

		append_setting(&by_hand, pair->name, pair->value);
	}
	written.by_hand = settings_done(&by_hand);
	if (!same_text(label_text(&written), held->label))
	{
		char *label = label_text(&written);

		autouser_admin_ddl(
			psprintf("SECURITY LABEL FOR %s ON ROLE %s IS %s",
					 AUTOUSER_LABEL_SETTINGS_PROVIDER, role,
					 label ? quote_literal_cstr(label) : "NULL"));
	}
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
