/*
 * core_bridge.c -- the only file that includes core_api.h.  Turns PostgreSQL
 * data into the core's plain structs and back, owns every buffer the core
 * writes into, and maps each core status to one outcome.  Decides nothing.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "core_bridge.h"
#include "guc.h"
#include "pg_autouser/core_api.h"

StaticAssertDecl(AUTOUSER_CORE_MAX_ROLE_BYTES == NAMEDATALEN - 1,
				 "core role name limit must match NAMEDATALEN");
StaticAssertDecl((int) AUTOUSER_ACTION_REJECT_SET_CHANGED ==
				 (int) AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED &&
				 (int) AUTOUSER_ACTION_REACTIVATE == (int) AUTOUSER_CORE_ACTION_REACTIVATE &&
				 (int) AUTOUSER_ACTION_REJECT_UNMANAGED ==
				 (int) AUTOUSER_CORE_ACTION_REJECT_UNMANAGED &&
				 (int) AUTOUSER_ACTION_REJECT_ROLE_INVALID ==
				 (int) AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID,
				 "AutouserAction must mirror autouser_core_action");
StaticAssertDecl((int) AUTOUSER_SET_INVALID == (int) AUTOUSER_CORE_SET_INVALID,
				 "AutouserSetCheck must mirror autouser_core_set_check");

/* A failure of the core itself: never a user's fault. */
static void
core_failed(autouser_core_status status, const char *what)
{
	if (status == AUTOUSER_CORE_NO_MEMORY)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("pg_autouser could not %s.", what)));
	elog(ERROR, "pg_autouser core failed to %s (status %d)", what, (int) status);
}

const char *
autouser_identity_problem(const char *name, size_t len)
{
	switch (autouser_core_check_identity(name, len))
	{
		case AUTOUSER_CORE_IDENTITY_OK:
			return NULL;
		case AUTOUSER_CORE_IDENTITY_EMPTY:
			return "is empty";
		case AUTOUSER_CORE_IDENTITY_TOO_LONG:
			return "is longer than 63 bytes";
		case AUTOUSER_CORE_IDENTITY_CONTROL_CHAR:
			return "contains control characters";
		case AUTOUSER_CORE_IDENTITY_BAD_UTF8:
			return "is not valid UTF-8";
		case AUTOUSER_CORE_IDENTITY_RESERVED:
			return "starts with the reserved prefix \"pg_\"";
	}
	return "is not a valid role name";
}

const char *
autouser_pattern_problem(const char *pattern)
{
	switch (autouser_core_check_pattern(pattern, strlen(pattern)))
	{
		case AUTOUSER_CORE_PATTERN_OK:
			return NULL;
		case AUTOUSER_CORE_PATTERN_EMPTY:
			return "is empty";
		case AUTOUSER_CORE_PATTERN_CONTROL_CHAR:
			return "contains control characters";
		case AUTOUSER_CORE_PATTERN_BAD_UTF8:
			return "is not valid UTF-8";
		case AUTOUSER_CORE_PATTERN_TOO_LONG:
			return "is longer than 63 bytes";
	}
	return "is not a valid pattern";
}

const char *
autouser_role_entry_problem(const char *entry, bool *is_template)
{
	*is_template = false;
	switch (autouser_core_classify_role_entry(entry, strlen(entry)))
	{
		case AUTOUSER_CORE_ROLE_ENTRY_NAME:
			return NULL;
		case AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE:
			*is_template = true;
			return NULL;
		case AUTOUSER_CORE_ROLE_ENTRY_INVALID:
			break;
	}
	return "is neither a role name nor a valid {{cert.<attribute>}} template";
}

static autouser_core_str
core_str(const char *s)
{
	autouser_core_str out;

	out.ptr = s;
	out.len = s ? strlen(s) : 0;
	return out;
}

char *
autouser_rules_encode(List *rows, Size *len)
{
	int			n = list_length(rows);
	autouser_core_rule *rules = palloc0(sizeof(autouser_core_rule) * Max(n, 1));
	size_t		needed = 0;
	char	   *out;
	autouser_core_status status;
	int			i = 0;
	ListCell   *lc;

	foreach(lc, rows)
	{
		AutouserRuleRow *row = lfirst(lc);
		autouser_core_str *roles = palloc(sizeof(autouser_core_str) * Max(row->nroles, 1));

		for (int r = 0; r < row->nroles; r++)
			roles[r] = core_str(row->roles[r]);
		rules[i].id = row->id;
		rules[i].identity = core_str(row->identity);
		rules[i].database = core_str(row->database);
		rules[i].cert_ou = core_str(row->cert_ou);
		rules[i].roles = roles;
		rules[i].n_roles = row->nroles;
		i++;
	}
	status = autouser_core_rules_encode(rules, n, NULL, 0, &needed);
	if (status != AUTOUSER_CORE_BUFFER_TOO_SMALL && status != AUTOUSER_CORE_OK)
		core_failed(status, "encode the rules");
	out = palloc(Max(needed, 1));
	status = autouser_core_rules_encode(rules, n, out, needed, &needed);
	if (status != AUTOUSER_CORE_OK)
		core_failed(status, "encode the rules");
	*len = needed;
	return out;
}

int64
autouser_rules_count(const char *blob, Size len)
{
	return autouser_core_rules_count(blob, len);
}

/* Decodes "name\0value\0..." (AutouserRequest.attrs) into core attrs. */
static autouser_core_attr *
decode_attrs(const char *attrs, int attrs_len, size_t *n_attrs)
{
	int			count = 0;
	autouser_core_attr *out;
	int			pos = 0;
	size_t		n = 0;

	for (int i = 0; i < attrs_len; i++)
		if (attrs[i] == '\0')
			count++;
	out = palloc0(sizeof(autouser_core_attr) * Max(count / 2, 1));
	while (pos < attrs_len)
	{
		const char *name = attrs + pos;
		size_t		name_len = strnlen(name, attrs_len - pos);
		const char *value;
		size_t		value_len;

		pos += name_len + 1;
		if (pos >= attrs_len)
			break;
		value = attrs + pos;
		value_len = strnlen(value, attrs_len - pos);
		pos += value_len + 1;
		out[n].name.ptr = name;
		out[n].name.len = name_len;
		out[n].value.ptr = value;
		out[n].value.len = value_len;
		n++;
	}
	*n_attrs = n;
	return out;
}

/* One evaluation, split so that its middle step can run under an LWLock. */
struct AutouserEvalJob
{
	autouser_core_login login;
	char	   *out;
	size_t		cap;
	size_t		needed;
	size_t		n_roles;
	int64_t		rule_id;
	autouser_core_status status;
};

/* Allocates everything the evaluation needs (may ereport). */
AutouserEvalJob *
autouser_eval_prepare(const char *identity, const char *database,
					  const char *attrs, int attrs_len)
{
	AutouserEvalJob *job = palloc0(sizeof(AutouserEvalJob));

	job->login.identity = core_str(identity);
	job->login.database = core_str(database);
	job->login.attrs = decode_attrs(attrs, attrs_len, &job->login.n_attrs);
	job->cap = 4096;
	job->out = palloc(job->cap);
	return job;
}

/* Pure computation on the blob: no palloc, no ereport, safe under an LWLock. */
void
autouser_eval_run(AutouserEvalJob *job, const char *blob, Size blob_len)
{
	job->status = autouser_core_rules_evaluate(blob, blob_len, &job->login, job->out, job->cap,
											   &job->needed, &job->n_roles, &job->rule_id);
}

/* Turns the result into an AutouserEval; false if out was too small (rerun). */
bool
autouser_eval_finish(AutouserEvalJob *job, AutouserEval *eval)
{
	memset(eval, 0, sizeof(AutouserEval));
	eval->rule_id = job->rule_id;
	switch (job->status)
	{
		case AUTOUSER_CORE_OK:
			{
				const char *p = job->out;

				eval->result = AUTOUSER_EVAL_MATCH;
				for (size_t i = 0; i < job->n_roles; i++)
				{
					eval->roles = lappend(eval->roles, pstrdup(p));
					p += strlen(p) + 1;
				}
				return true;
			}
		case AUTOUSER_CORE_NO_MATCH:
			eval->result = AUTOUSER_EVAL_NO_MATCH;
			return true;
		case AUTOUSER_CORE_INVALID_INPUT:
			if (job->n_roles == 1)
			{
				eval->result = AUTOUSER_EVAL_INVALID_ROLE;
				eval->invalid_role = pstrdup(job->out);
			}
			else
				eval->result = AUTOUSER_EVAL_BROKEN;
			return true;
		case AUTOUSER_CORE_BUFFER_TOO_SMALL:
			job->cap = job->needed;
			job->out = repalloc(job->out, job->cap);
			return false;
		default:
			core_failed(job->status, "evaluate the rules");
	}
	return false;				/* not reached */
}

void
autouser_rules_evaluate(const char *blob, Size blob_len,
						const char *identity, const char *database,
						const char *attrs, int attrs_len, AutouserEval *eval)
{
	AutouserEvalJob *job = autouser_eval_prepare(identity, database, attrs, attrs_len);

	do
		autouser_eval_run(job, blob, blob_len);
	while (!autouser_eval_finish(job, eval));
}

bool
autouser_forbidden_name(const char *role)
{
	List	   *extra = autouser_forbidden_role_list();
	autouser_core_forbidden_config config;
	autouser_core_str *names = palloc(sizeof(autouser_core_str) * Max(list_length(extra), 1));
	int			i = 0;
	ListCell   *lc;

	foreach(lc, extra)
		names[i++] = core_str((const char *) lfirst(lc));
	config.group_role = core_str(autouser_group_role);
	config.admin_role = core_str(autouser_admin_role ? autouser_admin_role : "");
	config.extra = names;
	config.n_extra = i;
	return autouser_core_forbidden_name(&config, role, strlen(role)) != 0;
}

AutouserAction
autouser_decide(const AutouserFacts *facts)
{
	autouser_core_login_facts f;

	f.rules_matched = facts->rules_matched;
	f.role_exists = facts->role_exists;
	f.role_managed = facts->role_managed;
	f.role_can_login = facts->role_can_login;
	f.other_sessions = facts->other_sessions;
	f.set_check = (int32_t) facts->set_check;
	f.set_equal = facts->set_equal;
	return (AutouserAction) autouser_core_decide(&f);
}

bool
autouser_action_needs_write(AutouserAction action)
{
	return autouser_core_action_needs_write((autouser_core_action) action) != 0;
}

/*
 * Runs the core once in the postmaster, before any backend forks.  Every
 * backend would otherwise resolve the C++ runtime's lazily bound symbols
 * (libstdc++ is not linked with BIND_NOW) on its first rule match: dozens of
 * symbol look-ups and page faults per login, about a millisecond here.
 * Done once, the resolved tables are inherited by every fork.
 */
void
autouser_core_warm_up(void)
{
	static const char *const roles[] = {"warm", "warm_{{cert.OU}}"};
	List	   *rows = NIL;
	AutouserRuleRow row = {1, "w*", "*", NULL, 2, (char **) roles};
	const char	attrs[] = "CN\0warmup\0OU\0a\0OU\0b";
	AutouserEval eval;
	Size		len;
	char	   *blob;

	rows = lappend(rows, &row);
	blob = autouser_rules_encode(rows, &len);
	autouser_rules_evaluate(blob, len, "warmup", "db", attrs, sizeof(attrs), &eval);
	(void) autouser_identity_problem("warmup", 6);
	(void) autouser_forbidden_name("warmup");
	list_free(rows);
	pfree(blob);
}
