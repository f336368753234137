/*
 * rule_options.c -- the options column of autouser.rules (issue 14):
 * connection_limit, inherit and settings.  Reads a rule's options into the
 * options the core merges -- named, valued as ALTER ROLE takes them, and
 * ranked where one value is more restrictive than another -- and refuses
 * what a rule may not give with 22023 naming the key.  The row trigger on
 * autouser.rules runs it for every row written (add_rule's and direct
 * INSERTs and UPDATEs alike), as the writer; the workers run it again on
 * every row they load and leave out a rule whose options no longer pass.
 * Changes no role: role_options.c applies what the rules give.
 */
#include "postgres.h"

#include <limits.h>

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/varlena.h"

#include "compat.h"
#include "core_bridge.h"
#include "rule_options.h"
#include "run_as.h"

PG_FUNCTION_INFO_V1(autouser_check_rule_options);

typedef enum OptionProblem
{
	OPTION_OK = 0,
	OPTION_NOT_OBJECT,
	OPTION_UNKNOWN_KEY,
	OPTION_LIMIT_TYPE,
	OPTION_INHERIT_TYPE,
	OPTION_SETTINGS_TYPE,
	OPTION_SETTING_UNKNOWN,
	OPTION_SETTING_EXTENSION,
	OPTION_SETTING_DUPLICATE,
	OPTION_SETTING_ROLE,
	OPTION_SETTING_LIBRARY,
	OPTION_SETTING_NOT_USERSET,
	OPTION_SETTING_VALUE_TYPE,
	OPTION_SETTING_VALUE,
	OPTION_LIST_SYNTAX,
	OPTION_SEARCH_PATH_TEMP,
	OPTION_SEARCH_PATH_SYSTEM,
	OPTION_SEARCH_PATH_AUTHOR
} OptionProblem;

/* A problem, and what it is about. */
typedef struct OptionCheck
{
	OptionProblem problem;
	const char   *key;     /* as the rule spells it */
	const char   *name;    /* a setting's own name */
	const char   *element; /* a list element (a schema) */
	const char   *reason;  /* OPTION_SETTING_VALUE: PostgreSQL's message */
} OptionCheck;

/* Settings whose order is known: the most restrictive value wins. */
typedef enum Restriction
{
	RESTRICT_LOWEST,         /* the smallest */
	RESTRICT_LOWEST_NONZERO, /* the smallest; 0 disables it: no limit */
	RESTRICT_TRUE            /* on over off */
} Restriction;

static const struct
{
	const char *name;
	Restriction restriction;
} restrictive_settings[] = {
	{"statement_timeout", RESTRICT_LOWEST_NONZERO},
	{"lock_timeout", RESTRICT_LOWEST_NONZERO},
	{"idle_in_transaction_session_timeout", RESTRICT_LOWEST_NONZERO},
	{"idle_session_timeout", RESTRICT_LOWEST_NONZERO},
	{"work_mem", RESTRICT_LOWEST},
	{"maintenance_work_mem", RESTRICT_LOWEST},
	{"temp_buffers", RESTRICT_LOWEST},
	{"default_transaction_read_only", RESTRICT_TRUE},
};

/* A rank no value reaches: "no limit" sorts after every limit. */
#define RANK_UNLIMITED PG_INT64_MAX

static AutouserOption *
make_option(AutouserOptionKind kind, const char *name, char *value,
			AutouserOptionMerge merge, int64 rank)
{
	AutouserOption *option = palloc0(sizeof(AutouserOption));

	option->kind = kind;
	option->name = pstrdup(name);
	option->value = value;
	option->merge = merge;
	option->rank = rank;
	return option;
}

/* A JSON scalar as a setting's text, or NULL for null, arrays and objects. */
static char *
scalar_text(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(
				numeric_out, NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			return NULL;
	}
}

static OptionProblem
read_connection_limit(const JsonbValue *v, List **options)
{
	char *text;
	char *end;
	long  limit;

	if (v->type != jbvNumeric)
		return OPTION_LIMIT_TYPE;
	text = scalar_text(v);
	errno = 0;
	limit = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || limit < -1 ||
		limit > INT_MAX)
		return OPTION_LIMIT_TYPE;
	*options =
		lappend(*options,
				make_option(AUTOUSER_OPTION_ATTRIBUTE,
							AUTOUSER_OPTION_CONNECTION_LIMIT,
							psprintf("%ld", limit), AUTOUSER_MERGE_LOWEST_RANK,
							limit == -1 ? RANK_UNLIMITED : limit));
	return OPTION_OK;
}

static OptionProblem
read_inherit(const JsonbValue *v, List **options)
{
	if (v->type != jbvBool)
		return OPTION_INHERIT_TYPE;
	/* NOINHERIT is the restrictive one: members use the set only by SET ROLE. */
	*options = lappend(
		*options,
		make_option(AUTOUSER_OPTION_ATTRIBUTE, AUTOUSER_OPTION_INHERIT,
					pstrdup(v->val.boolean ? "true" : "false"),
					AUTOUSER_MERGE_LOWEST_RANK, v->val.boolean ? 1 : 0));
	return OPTION_OK;
}

/* PostgreSQL's own setting of that name (any case), or NULL. */
static struct config_generic *
find_setting(const char *name)
{
	int                     n;
	struct config_generic **vars = AutouserGucVariables(&n);

	for (int i = 0; i < n; i++)
		if ((vars[i]->flags & GUC_CUSTOM_PLACEHOLDER) == 0 &&
			pg_strcasecmp(vars[i]->name, name) == 0)
			return vars[i];
	return NULL;
}

/* Whether a setting may be given at all, by its name and context. */
static OptionProblem
check_setting(const char *key, struct config_generic **conf)
{
	/* Extensions' settings: what one does with its values is unknowable. */
	if (strchr(key, '.') != NULL)
		return OPTION_SETTING_EXTENSION;
	*conf = find_setting(key);
	if (*conf == NULL)
		return OPTION_SETTING_UNKNOWN;
	if (strcmp((*conf)->name, "role") == 0 ||
		strcmp((*conf)->name, "session_authorization") == 0)
		return OPTION_SETTING_ROLE;
	if (strcmp((*conf)->name, "session_preload_libraries") == 0 ||
		strcmp((*conf)->name, "local_preload_libraries") == 0)
		return OPTION_SETTING_LIBRARY;
	if ((*conf)->context != PGC_USERSET)
		return OPTION_SETTING_NOT_USERSET;
	return OPTION_OK;
}

static bool
has_control_char(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* The elements of a list setting in the form canonical_list() writes. */
List *
autouser_setting_list_elements(const char *value)
{
	List *elements = NIL;

	if (!SplitIdentifierString(pstrdup(value), ',', &elements))
		return NIL;
	return elements;
}

/*
 * A list setting (search_path, temp_tablespaces) the way ALTER ROLE ... SET
 * stores it from separate elements: each quoted where it must be.  Its
 * elements are checked; search_path's also for schemas that would let
 * someone else's objects shadow the ones the user meant.
 */
static OptionProblem
canonical_list(const char *name, const char *value, char **canonical,
			   OptionCheck *check)
{
	List          *elements = NIL;
	StringInfoData buf;
	ListCell      *lc;
	bool           search_path = strcmp(name, "search_path") == 0;

	if (!SplitIdentifierString(pstrdup(value), ',', &elements) ||
		elements == NIL)
		return OPTION_LIST_SYNTAX;
	initStringInfo(&buf);
	foreach(lc, elements)
	{
		const char *element = lfirst(lc);

		check->element = element;
		if (element[0] == '\0' || has_control_char(element))
			return OPTION_LIST_SYNTAX;
		if (search_path && (strncmp(element, "pg_temp", 7) == 0 ||
							strncmp(element, "pg_toast_temp", 13) == 0))
			return OPTION_SEARCH_PATH_TEMP;
		if (search_path && strncmp(element, "pg_", 3) == 0 &&
			!(strcmp(element, "pg_catalog") == 0 &&
			  foreach_current_index(lc) == 0))
			return OPTION_SEARCH_PATH_SYSTEM;
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
						 quote_identifier(element));
	}
	check->element = NULL;
	*canonical = buf.data;
	return OPTION_OK;
}

/*
 * Whether PostgreSQL takes value for the setting from role, checked as ALTER
 * ROLE ... SET checks it (validate_option_array_item in guc.c): PGC_S_TEST,
 * without applying it.  Some checks depend on who sets it (temp_tablespaces
 * needs CREATE on each tablespace).  On a refusal, *message is PostgreSQL's.
 */
static bool
setting_accepted(Oid role, const char *name, const char *value, char **message)
{
	MemoryContext context = CurrentMemoryContext;
	Oid           saved_user;
	int           saved_context;
	volatile bool accepted = true;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(role, saved_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		(void) set_config_option(name, value, PGC_USERSET, PGC_S_TEST,
								 GUC_ACTION_SET, false, ERROR, false);
	}
	PG_CATCH();
	{
		ErrorData *edata;

		SetUserIdAndSecContext(saved_user, saved_context);
		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		FlushErrorState();
		*message = edata->message;
		accepted = false;
	}
	PG_END_TRY();
	SetUserIdAndSecContext(saved_user, saved_context);
	return accepted;
}

/*
 * Whether PostgreSQL takes value for the setting.  Writing, it must be
 * taken from the writer and from the role the workers apply it as
 * (pg_autouser.admin_role), or a rule could be accepted that no rule change
 * can then apply; a refusal is raised as 22023 naming the key.  Loading, it
 * is checked as the loader and a refusal is only a false.
 */
static bool
value_is_valid(const char *name, const char *value, bool writing,
			   const char *key)
{
	Oid   applier;
	char *message = NULL;

	if (!writing)
		return set_config_option(name, value, PGC_USERSET, PGC_S_TEST,
								 GUC_ACTION_SET, false, DEBUG1, false) != 0;
	if (!setting_accepted(GetUserId(), name, value, &message))
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for setting \"%s\" in rule options", key),
			 errdetail("PostgreSQL says: %s", message)));
	applier = autouser_admin_role_oid(true);
	if (OidIsValid(applier) && applier != GetUserId() &&
		!setting_accepted(applier, name, value, &message))
		ereport(
			ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg(
				 "the admin role could not apply setting \"%s\" in rule options",
				 key),
			 errdetail("PostgreSQL says, for role \"%s\": %s",
					   GetUserNameFromId(applier, false), message),
			 errhint(
				 "Give pg_autouser.admin_role what the setting needs, or leave the setting out.")));
	return true;
}

/* The merge and rank of a setting's value (valid, in canonical form). */
static void
rank_setting(AutouserOption *option, const struct config_generic *conf)
{
	for (size_t i = 0; i < lengthof(restrictive_settings); i++)
	{
		int  number;
		bool on;

		if (strcmp(restrictive_settings[i].name, conf->name) != 0)
			continue;
		switch (restrictive_settings[i].restriction)
		{
			case RESTRICT_LOWEST:
			case RESTRICT_LOWEST_NONZERO:
				if (!parse_int(option->value, &number, conf->flags, NULL))
					return;
				option->rank =
					number == 0 && restrictive_settings[i].restriction ==
									   RESTRICT_LOWEST_NONZERO
						? RANK_UNLIMITED
						: number;
				break;
			case RESTRICT_TRUE:
				if (!parse_bool(option->value, &on))
					return;
				option->rank = on ? 0 : 1;
				break;
		}
		option->merge = AUTOUSER_MERGE_LOWEST_RANK;
		return;
	}
}

static OptionProblem
read_setting(const char *key, const JsonbValue *v, bool writing,
			 List **options, OptionCheck *check)
{
	struct config_generic *conf = NULL;
	OptionProblem          problem = check_setting(key, &conf);
	char                  *value;
	ListCell              *lc;
	AutouserOption        *option;

	if (problem != OPTION_OK)
	{
		check->name = conf ? conf->name : key;
		return problem;
	}
	check->name = conf->name;
	foreach(lc, *options)
	{
		AutouserOption *other = lfirst(lc);

		if (other->kind == AUTOUSER_OPTION_SETTING &&
			strcmp(other->name, conf->name) == 0)
			return OPTION_SETTING_DUPLICATE;
	}
	value = scalar_text(v);
	if (value == NULL)
		return OPTION_SETTING_VALUE_TYPE;
	if ((conf->flags & GUC_LIST_QUOTE) != 0)
	{
		problem = canonical_list(conf->name, value, &value, check);
		if (problem != OPTION_OK)
			return problem;
	}
	if (strcmp(conf->name, "search_path") == 0 && writing && !superuser())
		return OPTION_SEARCH_PATH_AUTHOR;
	if (!value_is_valid(conf->name, value, writing, key))
		return OPTION_SETTING_VALUE;
	option = make_option(AUTOUSER_OPTION_SETTING, conf->name, value,
						 AUTOUSER_MERGE_FIRST, 0);
	rank_setting(option, conf);
	*options = lappend(*options, option);
	return OPTION_OK;
}

static OptionProblem
read_settings(const JsonbValue *v, bool writing, List **options,
			  OptionCheck *check)
{
	JsonbIterator     *it;
	JsonbIteratorToken token;
	JsonbValue         item;
	char              *key = NULL;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		return OPTION_SETTINGS_TYPE;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((token = JsonbIteratorNext(&it, &item, true)) != WJB_DONE)
	{
		OptionProblem problem;

		if (token == WJB_KEY)
			key = pnstrdup(item.val.string.val, item.val.string.len);
		if (token != WJB_VALUE)
			continue;
		check->key = key;
		problem = read_setting(key, &item, writing, options, check);
		if (problem != OPTION_OK)
			return problem;
	}
	return OPTION_OK;
}

static OptionProblem
read_options(Jsonb *json, bool writing, List **options, OptionCheck *check)
{
	JsonbIterator     *it;
	JsonbIteratorToken token;
	JsonbValue         v;
	char              *key = NULL;

	if (!JB_ROOT_IS_OBJECT(json))
		return OPTION_NOT_OBJECT;
	it = JsonbIteratorInit(&json->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		OptionProblem problem;

		if (token == WJB_KEY)
			key = pnstrdup(v.val.string.val, v.val.string.len);
		if (token != WJB_VALUE)
			continue;
		check->key = key;
		if (strcmp(key, AUTOUSER_OPTION_CONNECTION_LIMIT) == 0)
			problem = read_connection_limit(&v, options);
		else if (strcmp(key, AUTOUSER_OPTION_INHERIT) == 0)
			problem = read_inherit(&v, options);
		else if (strcmp(key, AUTOUSER_OPTION_SETTINGS) == 0)
			problem = read_settings(&v, writing, options, check);
		else
			problem = OPTION_UNKNOWN_KEY;
		if (problem != OPTION_OK)
			return problem;
	}
	return OPTION_OK;
}

/* Why a setting may not be given at all, as report()'s errdetail. */
static int
refusal_detail(const OptionCheck *c)
{
	if (c->problem == OPTION_SETTING_ROLE)
		return errdetail(
			"It chooses the role a session runs as; a rule gives roles only in its roles.");
	if (c->problem == OPTION_SETTING_LIBRARY)
		return errdetail(
			"It loads libraries into every session of the role, which only the server's configuration may do.");
	return errdetail(
		"Only settings a user may change for itself can be given; \"%s\" is reserved to superusers or cannot be set per role.",
		c->name);
}

/* Raises what check says, as 22023 naming the key. */
static void
report(const OptionCheck *c)
{
	const char *key = c->key;

	switch (c->problem)
	{
		case OPTION_OK:
		case OPTION_SETTING_VALUE: /* raised by value_is_valid() */
			break;
		case OPTION_NOT_OBJECT:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rule options must be a JSON object"),
				 errhint(
					 "Give for instance '{\"connection_limit\": 2, \"settings\": {\"statement_timeout\": \"5min\"}}', or '{}' for none.")));
			break;
		case OPTION_UNKNOWN_KEY:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown rule option \"%s\"", key),
				 errdetail(
					 "The rule options are connection_limit, inherit and settings.")));
			break;
		case OPTION_LIMIT_TYPE:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rule option \"%s\" must be an integer of at least -1",
						key),
				 errdetail("A limit of -1 means none.")));
			break;
		case OPTION_INHERIT_TYPE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rule option \"%s\" must be true or false", key)));
			break;
		case OPTION_SETTINGS_TYPE:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rule option \"%s\" must be a JSON object of settings",
						key)));
			break;
		case OPTION_SETTING_UNKNOWN:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown setting \"%s\" in rule options", key)));
			break;
		case OPTION_SETTING_EXTENSION:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "setting \"%s\" in rule options is not one of PostgreSQL's own settings",
					 key),
				 errdetail(
					 "pg_autouser cannot judge what an extension does with its settings.")));
			break;
		case OPTION_SETTING_DUPLICATE:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("setting \"%s\" is given twice in rule options", key),
				 errdetail("Setting names are case-insensitive.")));
			break;
		case OPTION_SETTING_ROLE:
		case OPTION_SETTING_LIBRARY:
		case OPTION_SETTING_NOT_USERSET:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("setting \"%s\" may not be given by rule options",
							key),
					 refusal_detail(c)));
			break;
		case OPTION_SETTING_VALUE_TYPE:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "setting \"%s\" in rule options must be a string, a number or a boolean",
					 key)));
			break;
		case OPTION_LIST_SYNTAX:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "setting \"%s\" in rule options must be a list of names",
					 key),
				 errdetail(
					 "Give one or more names separated by commas, as in SET; a name may not be empty or hold control characters.")));
			break;
		case OPTION_SEARCH_PATH_TEMP:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "setting \"%s\" in rule options may not name temporary schema \"%s\"",
					 key, c->element),
				 errdetail(
					 "Objects a session creates in its temporary schema would take the place of the ones the user meant.")));
			break;
		case OPTION_SEARCH_PATH_SYSTEM:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "setting \"%s\" in rule options may not name system schema \"%s\" there",
					 key, c->element),
				 errdetail(
					 "Of the system schemas only pg_catalog may be named, and only first: behind other schemas, their objects would take the place of PostgreSQL's own functions and operators.")));
			break;
		case OPTION_SEARCH_PATH_AUTHOR:
			ereport(
				ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "only a superuser may give setting \"%s\" in rule options",
					 key),
				 errdetail(
					 "A search_path decides whose functions and operators a user's queries run.  Schemas differ from database to database and a role's settings reach every one, so pg_autouser cannot check that the rule's author could not create objects in the schemas it names.")));
			break;
	}
}

/*
 * Reads options (a rule's jsonb) into *options, AutouserOption entries in
 * the rule's order.  writing: a rule is being written, by the current user
 * -- a problem is raised as 22023 naming the key, and search_path needs a
 * superuser.  Otherwise (loading the rules) a problem is only a false.
 */
bool
autouser_rule_options_read(Jsonb *json, bool writing, List **options)
{
	OptionCheck check;

	memset(&check, 0, sizeof(check));
	*options = NIL;
	check.problem = read_options(json, writing, options, &check);
	if (check.problem != OPTION_OK && writing)
		report(&check);
	return check.problem == OPTION_OK;
}

/* Whether column enabled is true in row (NULL counts as on). */
static bool
rule_enabled(HeapTuple row, TupleDesc desc)
{
	int   attnum = SPI_fnumber(desc, "enabled");
	bool  isnull;
	Datum value;

	if (attnum <= 0)
		elog(ERROR, "pg_autouser: autouser.rules has no column \"enabled\"");
	value = heap_getattr(row, attnum, desc, &isnull);
	return isnull || DatumGetBool(value);
}

/*
 * Whether an update changed nothing but the rule's comment, and switched it
 * off or left it as it was: the row then gives the same options to the same
 * logins, or to none.  Any other change (whom it matches, its roles, its
 * id, which decides among rules, switching it on) may make its options
 * reach logins they did not reach.
 */
static bool
only_comment_or_off(HeapTuple before, HeapTuple after, TupleDesc desc)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);
		bool              before_null;
		bool              after_null;
		Datum             before_value;
		Datum             after_value;

		if (attr->attisdropped ||
			strcmp(NameStr(attr->attname), "comment") == 0 ||
			strcmp(NameStr(attr->attname), "enabled") == 0)
			continue;
		before_value = heap_getattr(before, i + 1, desc, &before_null);
		after_value = heap_getattr(after, i + 1, desc, &after_null);
		if (before_null != after_null ||
			(!before_null && !datumIsEqual(before_value, after_value,
										   attr->attbyval, attr->attlen)))
			return false;
	}
	return rule_enabled(before, desc) || !rule_enabled(after, desc);
}

/*
 * Row trigger on autouser.rules (BEFORE INSERT OR UPDATE): a row whose
 * options a rule may not give is refused, whoever writes it and however.
 */
Datum
autouser_check_rule_options(PG_FUNCTION_ARGS)
{
	TriggerData *trigger = (TriggerData *) fcinfo->context;
	HeapTuple    row;
	TupleDesc    desc;
	int          attnum;
	bool         isnull;
	Datum        options;
	List        *read;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigger->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigger->tg_event))
		elog(ERROR, "pg_autouser: rule options checked outside a row trigger");
	row = TRIGGER_FIRED_BY_UPDATE(trigger->tg_event) ? trigger->tg_newtuple
													 : trigger->tg_trigtuple;
	desc = RelationGetDescr(trigger->tg_relation);
	attnum = SPI_fnumber(desc, "options");
	if (attnum <= 0)
		elog(ERROR, "pg_autouser: autouser.rules has no options column");
	options = heap_getattr(row, attnum, desc, &isnull);
	/*
	 * Options written before are not judged again while the row still
	 * gives them to the same logins, or to none: switching a rule off or
	 * editing its comment must not depend on who wrote its options.
	 */
	if (!isnull && TRIGGER_FIRED_BY_UPDATE(trigger->tg_event) &&
		only_comment_or_off(trigger->tg_trigtuple, row, desc))
		return PointerGetDatum(row);
	if (isnull)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("rule options must not be null"),
						errhint("Give '{}' for no options.")));
	(void) autouser_rule_options_read(DatumGetJsonbP(options), true, &read);
	return PointerGetDatum(row);
}
