/*
 * core_bridge.c -- the only file that includes core_api.h.  Turns PostgreSQL
 * data into the core's plain structs and back, owns every buffer the core
 * writes into, and maps each core status to one outcome.  Decides nothing.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "core_bridge.h"
#include "pg_autouser/core_api.h"

StaticAssertDecl(AUTOUSER_CORE_MAX_ROLE_BYTES == NAMEDATALEN - 1,
				 "core role name limit must match NAMEDATALEN");
StaticAssertDecl((int) AUTOUSER_IDENTITY_RESERVED_NAME ==
						 (int) AUTOUSER_CORE_IDENTITY_RESERVED_NAME &&
					 (int) AUTOUSER_PATTERN_TOO_LONG ==
						 (int) AUTOUSER_CORE_PATTERN_TOO_LONG &&
					 (int) AUTOUSER_ROLE_ENTRY_INVALID ==
						 (int) AUTOUSER_CORE_ROLE_ENTRY_INVALID,
				 "the check enums must mirror the core's");
StaticAssertDecl((int) AUTOUSER_ACTION_REJECT_SET_CHANGED ==
						 (int) AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED &&
					 (int) AUTOUSER_ACTION_REACTIVATE ==
						 (int) AUTOUSER_CORE_ACTION_REACTIVATE &&
					 (int) AUTOUSER_ACTION_REJECT_UNMANAGED ==
						 (int) AUTOUSER_CORE_ACTION_REJECT_UNMANAGED,
				 "AutouserAction must mirror autouser_core_action");
StaticAssertDecl(
	(int) AUTOUSER_FORBIDDEN_TEMPLATE_LOGIN ==
			(int) AUTOUSER_CORE_FORBIDDEN_TEMPLATE_LOGIN &&
		(int) AUTOUSER_FORBIDDEN_BUILTIN ==
			(int) AUTOUSER_CORE_FORBIDDEN_BUILTIN,
	"AutouserForbiddenReason must mirror autouser_core_forbidden_reason");
StaticAssertDecl((int) AUTOUSER_OPTION_SETTING ==
						 (int) AUTOUSER_CORE_OPTION_SETTING &&
					 (int) AUTOUSER_MERGE_LOWEST_RANK ==
						 (int) AUTOUSER_CORE_MERGE_LOWEST_RANK,
				 "the option enums must mirror the core's");
StaticAssertDecl(AUTOUSER_ROLE_FROM_TEMPLATE ==
						 AUTOUSER_CORE_ROLE_FROM_TEMPLATE &&
					 AUTOUSER_ROLE_WRITES_RULES ==
						 AUTOUSER_CORE_ROLE_WRITES_RULES &&
					 AUTOUSER_ROLE_MISSING == AUTOUSER_CORE_ROLE_MISSING,
				 "AUTOUSER_ROLE_* must mirror AUTOUSER_CORE_ROLE_*");

/* A failure of the core itself: never a user's fault. */
static void
core_failed(autouser_core_status status, const char *what)
{
	if (status == AUTOUSER_CORE_NO_MEMORY)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
				 errdetail(
					 "The pg_autouser core ran out of memory in step \"%s\".",
					 what)));
	elog(ERROR, "pg_autouser core failed in step \"%s\" (status %d)", what,
		 (int) status);
}

AutouserIdentityProblem
autouser_identity_problem(const char *name, size_t len)
{
	return (AutouserIdentityProblem) autouser_core_check_identity(name, len);
}

AutouserPatternProblem
autouser_pattern_problem(const char *pattern)
{
	return (AutouserPatternProblem) autouser_core_check_pattern(
		pattern, strlen(pattern));
}

AutouserRoleEntryKind
autouser_role_entry_kind(const char *entry)
{
	return (AutouserRoleEntryKind) autouser_core_classify_role_entry(
		entry, strlen(entry));
}

static autouser_core_str
core_str(const char *s)
{
	autouser_core_str out;

	out.ptr = s;
	out.len = s ? strlen(s) : 0;
	return out;
}

/* A row's options as the core takes them. */
static autouser_core_option *
core_options(List *options)
{
	autouser_core_option *out =
		palloc0(sizeof(autouser_core_option) * Max(list_length(options), 1));
	ListCell *lc;

	foreach(lc, options)
	{
		AutouserOption       *option = lfirst(lc);
		autouser_core_option *o = &out[foreach_current_index(lc)];

		o->kind = (int32_t) option->kind;
		o->name = core_str(option->name);
		o->value = core_str(option->value);
		o->merge = (int32_t) option->merge;
		o->rank = option->rank;
	}
	return out;
}

char *
autouser_rules_encode(List *rows, Size *len)
{
	int                 n = list_length(rows);
	autouser_core_rule *rules =
		palloc0(sizeof(autouser_core_rule) * Max(n, 1));
	size_t               needed = 0;
	char                *out;
	autouser_core_status status;
	int                  i = 0;
	ListCell            *lc;

	foreach(lc, rows)
	{
		AutouserRuleRow   *row = lfirst(lc);
		autouser_core_str *roles =
			palloc(sizeof(autouser_core_str) * Max(row->nroles, 1));

		for (int r = 0; r < row->nroles; r++)
			roles[r] = core_str(row->roles[r]);
		rules[i].id = row->id;
		rules[i].identity = core_str(row->identity);
		rules[i].database = core_str(row->database);
		rules[i].cert_ou = core_str(row->cert_ou);
		rules[i].roles = roles;
		rules[i].n_roles = row->nroles;
		rules[i].options = core_options(row->options);
		rules[i].n_options = list_length(row->options);
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

/* Decodes "name\0value\0..." (AutouserRequest.attrs) into core attrs. */
static autouser_core_attr *
decode_attrs(const char *attrs, int attrs_len, size_t *n_attrs)
{
	int                 count = 0;
	autouser_core_attr *out;
	int                 pos = 0;
	size_t              n = 0;

	for (int i = 0; i < attrs_len; i++)
		if (attrs[i] == '\0')
			count++;
	out = palloc0(sizeof(autouser_core_attr) * Max(count / 2, 1));
	while (pos < attrs_len)
	{
		const char *name = attrs + pos;
		size_t      name_len = strnlen(name, attrs_len - pos);
		const char *value;
		size_t      value_len;

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
	autouser_core_login       login;
	char                     *out;
	size_t                    cap;
	autouser_core_eval_result result;
	autouser_core_status      status;
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
	job->status = autouser_core_rules_evaluate(
		blob, blob_len, &job->login, job->out, job->cap, &job->result);
}

/* Reads one "flag byte, name, NUL" entry of the evaluation's output. */
static const char *
read_role(const char *p, AutouserEvalRole *role)
{
	role->from_template = (*p & AUTOUSER_CORE_EVAL_FROM_TEMPLATE) != 0;
	role->name = pstrdup(p + 1);
	return p + 1 + strlen(p + 1) + 1;
}

/* Reads one "kind byte, name, NUL, value, NUL" option of the output. */
static const char *
read_option(const char *p, AutouserOption *option)
{
	option->kind = (AutouserOptionKind) *p++;
	option->name = pstrdup(p);
	p += strlen(p) + 1;
	option->value = pstrdup(p);
	return p + strlen(p) + 1;
}

/* Turns the result into an AutouserEval; false if out was too small (rerun). */
bool
autouser_eval_finish(AutouserEvalJob *job, AutouserEval *eval)
{
	const char *p = job->out;

	memset(eval, 0, sizeof(AutouserEval));
	eval->rule_id = job->result.matched_rule_id;
	eval->candidates = job->result.candidates;
	switch (job->status)
	{
		case AUTOUSER_CORE_OK:
			eval->result = AUTOUSER_EVAL_MATCH;
			for (size_t i = 0; i < job->result.n_roles; i++)
			{
				AutouserEvalRole *role = palloc(sizeof(AutouserEvalRole));

				p = read_role(p, role);
				eval->roles = lappend(eval->roles, role);
			}
			for (size_t i = 0; i < job->result.n_options; i++)
			{
				AutouserOption *option = palloc0(sizeof(AutouserOption));

				p = read_option(p, option);
				eval->options = lappend(eval->options, option);
			}
			return true;
		case AUTOUSER_CORE_NO_MATCH:
			eval->result = AUTOUSER_EVAL_NO_MATCH;
			return true;
		case AUTOUSER_CORE_INVALID_INPUT:
			if (job->result.n_roles == 1)
			{
				AutouserEvalRole role;

				(void) read_role(p, &role);
				eval->result = AUTOUSER_EVAL_INVALID_ROLE;
				eval->invalid_role = role.name;
			}
			else
				eval->result = AUTOUSER_EVAL_BROKEN;
			return true;
		case AUTOUSER_CORE_BUFFER_TOO_SMALL:
			job->cap = job->result.needed;
			job->out = repalloc(job->out, job->cap);
			return false;
		default:
			core_failed(job->status, "evaluate the rules");
	}
	return false; /* not reached */
}

void
autouser_rules_evaluate(const char *blob, Size blob_len, const char *identity,
						const char *database, const char *attrs, int attrs_len,
						AutouserEval *eval)
{
	AutouserEvalJob *job =
		autouser_eval_prepare(identity, database, attrs, attrs_len);

	do
		autouser_eval_run(job, blob, blob_len);
	while (!autouser_eval_finish(job, eval));
}

/* The whole decision in one call into the core. */
void
autouser_decide(const AutouserLoginFacts *facts, AutouserVerdict *verdict)
{
	autouser_core_decision_input in;
	autouser_core_decision       out;
	autouser_core_set_role      *set =
		palloc0(sizeof(autouser_core_set_role) * Max(facts->n_set, 1));
	autouser_core_ancestor *ancestors =
		palloc0(sizeof(autouser_core_ancestor) * Max(facts->n_ancestors, 1));
	autouser_core_str *names =
		palloc0(sizeof(autouser_core_str) *
				Max(list_length(facts->forbidden_names), 1));
	autouser_core_status status;
	ListCell            *lc;

	for (int i = 0; i < facts->n_set; i++)
	{
		set[i].name = core_str(facts->set[i].name);
		set[i].flags = facts->set[i].flags;
		set[i].first_ancestor = facts->set[i].first_ancestor;
		set[i].n_ancestors = facts->set[i].n_ancestors;
	}
	for (int i = 0; i < facts->n_ancestors; i++)
	{
		ancestors[i].name = core_str(facts->ancestors[i].name);
		ancestors[i].flags = facts->ancestors[i].flags;
	}
	foreach(lc, facts->forbidden_names)
		names[foreach_current_index(lc)] = core_str(lfirst(lc));

	in.rules_matched = facts->rules_matched;
	in.role_exists = facts->role_exists;
	in.role_managed = facts->role_managed;
	in.role_can_login = facts->role_can_login;
	in.set_equal = facts->set_equal;
	in.options_equal = facts->options_equal;
	in.other_sessions = facts->other_sessions;
	in.set = set;
	in.n_set = facts->n_set;
	in.ancestors = ancestors;
	in.n_ancestors = facts->n_ancestors;
	in.forbidden_names = names;
	in.n_forbidden_names = list_length(facts->forbidden_names);

	status = autouser_core_decide(&in, &out);
	if (status != AUTOUSER_CORE_OK)
		core_failed(status, "decide");
	verdict->action = (AutouserAction) out.action;
	verdict->needs_write = out.needs_write != 0;
	verdict->bad_role = out.bad_role;
	verdict->bad_ancestor = out.bad_ancestor;
	verdict->reason = (AutouserForbiddenReason) out.reason;
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
	List                    *rows = NIL;
	AutouserRuleRow      row = {1, "w*", "*", NULL, 2, (char **) roles, NIL};
	const char           attrs[] = "CN\0warmup\0OU\0a\0OU\0b";
	AutouserEval         eval;
	AutouserSetRoleFacts set = {"warm", 0, 0, 0};
	AutouserLoginFacts   facts = {true, false, false, false, false, true,
								  0,    &set,  1,     NULL,  0,     NIL};
	AutouserVerdict      verdict;
	Size                 len;
	char                *blob;

	rows = lappend(rows, &row);
	blob = autouser_rules_encode(rows, &len);
	autouser_rules_evaluate(blob, len, "warmup", "db", attrs, sizeof(attrs),
							&eval);
	(void) autouser_identity_problem("warmup", 6);
	autouser_decide(&facts, &verdict);
	list_free(rows);
	pfree(blob);
}
