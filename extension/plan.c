/*
 * plan.c -- decides what one login gets (SPEC 5 steps 2-7, SPEC 6): collects
 * the facts the core needs from syscache look-ups of the shared catalogs
 * (so that it works inside authentication, before a database is selected),
 * asks the core once, and turns its verdict into an AutouserDecision and the
 * membership and option changes that carry it out.  Changes nothing:
 * worker.c carries a plan out, report.c words it.
 * Never uses is_member_of_role-style caches: they are not refreshed within
 * the login's transaction.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "lib/stringinfo.h"
#include "catalog/namespace.h"
#include "catalog/pg_auth_members.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_proc.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "cert_attrs.h"
#include "compat.h"
#include "guc.h"
#include "managed.h"
#include "plan.h"
#include "run_as.h"
#include "schema_trust.h"
#include "sessions.h"

/* What the catalogs say about the login's own role. */
typedef struct LoginRole
{
	Oid   oid; /* InvalidOid: does not exist */
	bool  can_login;
	bool  recorded; /* pg_autouser provisioned or adopted it */
	bool  in_group; /* a member of the group role */
	List *parents;  /* direct memberships but the group role (oids) */
} LoginRole;

/* Shared by every role looked at for one decision. */
typedef struct FactContext
{
	Oid   group;
	Oid   admin;
	Oid   login_role;
	Oid   rules_table;    /* autouser.rules, when in its database */
	List *rule_functions; /* add_rule and drop_rule, which change them */
	const AutouserRulesOwners *owners;
} FactContext;

static Oid
role_oid(const char *name, Form_pg_authid *form_out, HeapTuple *tuple_out)
{
	HeapTuple tuple = SearchSysCache1(AUTHNAME, CStringGetDatum(name));
	Oid       oid;

	if (!HeapTupleIsValid(tuple))
		return InvalidOid;
	oid = ((Form_pg_authid) GETSTRUCT(tuple))->oid;
	if (tuple_out)
	{
		*tuple_out = tuple;
		*form_out = (Form_pg_authid) GETSTRUCT(tuple);
	}
	else
		ReleaseSysCache(tuple);
	return oid;
}

/* The oid of the role named name, or InvalidOid (a syscache look-up). */
Oid
autouser_role_oid(const char *name)
{
	return role_oid(name, NULL, NULL);
}

Oid
autouser_group_role_oid(void)
{
	return role_oid(autouser_group_role, NULL, NULL);
}

/* Roles that role is a direct member of (pg_auth_members.roleid), each once. */
List *
autouser_role_parents(Oid role)
{
	CatCList *members =
		SearchSysCacheList1(AUTHMEMMEMROLE, ObjectIdGetDatum(role));
	List *out = NIL;

	for (int i = 0; i < members->n_members; i++)
	{
		Form_pg_auth_members m =
			(Form_pg_auth_members) GETSTRUCT(&members->members[i]->tuple);

		out = list_append_unique_oid(out, m->roleid);
	}
	ReleaseSysCacheList(members);
	return out;
}

/*
 * Whether role is a member of the group role.  An ADMIN-only grant (16 and
 * later: what the admin role holds on the group role it created, or was
 * given to hand it out) is no membership.
 */
static bool
in_group_role(Oid role, Oid group)
{
	CatCList *members =
		SearchSysCacheList1(AUTHMEMMEMROLE, ObjectIdGetDatum(role));
	bool in_group = false;

	for (int i = 0; i < members->n_members && !in_group; i++)
	{
		Form_pg_auth_members m =
			(Form_pg_auth_members) GETSTRUCT(&members->members[i]->tuple);

		in_group = m->roleid == group && !AutouserMembershipIsAdminOnly(m);
	}
	ReleaseSysCacheList(members);
	return in_group;
}

/*
 * Whether role is managed by pg_autouser: recorded as such, or a member of
 * the group role (to be adopted at its next certificate login).
 */
bool
autouser_role_is_managed(Oid role, Oid group)
{
	return autouser_role_is_recorded(role) ||
		   (OidIsValid(group) && in_group_role(role, group));
}

/* Superusers and the admin role are never provisioned, refused or cleaned. */
bool
autouser_role_is_exempt(Oid role)
{
	return superuser_arg(role) || role == autouser_admin_role_oid(true);
}

char *
autouser_role_name(Oid role)
{
	HeapTuple tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	char     *name;

	if (!HeapTupleIsValid(tuple))
		return psprintf("%u", role);
	name = pstrdup(NameStr(((Form_pg_authid) GETSTRUCT(tuple))->rolname));
	ReleaseSysCache(tuple);
	return name;
}

/* Whether role may execute one of functions (oids). */
static bool
may_call_any(List *functions, Oid role)
{
	ListCell *lc;

	foreach(lc, functions)
		if (AutouserProcAclcheck(lfirst_oid(lc), role, ACL_EXECUTE) ==
			ACLCHECK_OK)
			return true;
	return false;
}

/*
 * add_rule and drop_rule in namespace, whatever their signatures: they
 * change autouser.rules with the extension owner's rights for whoever may
 * execute them.
 */
static List *
rule_functions(Oid namespace)
{
	const char *names[] = {"add_rule", "drop_rule"};
	List       *out = NIL;

	for (int n = 0; n < (int) lengthof(names); n++)
	{
		CatCList *list =
			SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(names[n]));

		for (int i = 0; i < list->n_members; i++)
		{
			Form_pg_proc proc =
				(Form_pg_proc) GETSTRUCT(&list->members[i]->tuple);

			if (proc->pronamespace == namespace)
				out = lappend_oid(out, proc->oid);
		}
		ReleaseSysCacheList(list);
	}
	return out;
}

/* The flags the core judges one existing role by. */
static uint32
role_flags(Oid oid, const FactContext *ctx)
{
	HeapTuple      tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(oid));
	Form_pg_authid form;
	uint32         flags = 0;

	if (!HeapTupleIsValid(tuple))
		return AUTOUSER_ROLE_MISSING;
	form = (Form_pg_authid) GETSTRUCT(tuple);
	if (form->rolsuper)
		flags |= AUTOUSER_ROLE_SUPERUSER;
	if (form->rolreplication)
		flags |= AUTOUSER_ROLE_REPLICATION;
	if (form->rolbypassrls)
		flags |= AUTOUSER_ROLE_BYPASSRLS;
	if (form->rolcreaterole)
		flags |= AUTOUSER_ROLE_CREATEROLE;
	if (form->rolcanlogin)
		flags |= AUTOUSER_ROLE_LOGIN;
	ReleaseSysCache(tuple);
	/* Predefined roles and the bootstrap superuser come with initdb. */
	if (oid < FirstNormalObjectId)
		flags |= AUTOUSER_ROLE_PREDEFINED;
	if (oid == ctx->group)
		flags |= AUTOUSER_ROLE_GROUP;
	if (oid == ctx->admin)
		flags |= AUTOUSER_ROLE_ADMIN;
	if (oid == ctx->login_role)
		flags |= AUTOUSER_ROLE_SELF;
	else if (autouser_role_is_managed(oid, ctx->group))
		flags |= AUTOUSER_ROLE_MANAGED;
	if (oid == ctx->owners->database_owner)
		flags |= AUTOUSER_ROLE_DB_OWNER;
	if (oid == ctx->owners->extension_owner)
		flags |= AUTOUSER_ROLE_EXT_OWNER;
	if (OidIsValid(ctx->rules_table) &&
		(pg_class_aclcheck(ctx->rules_table, oid,
						   ACL_INSERT | ACL_UPDATE | ACL_DELETE |
							   ACL_TRUNCATE) == ACLCHECK_OK ||
		 may_call_any(ctx->rule_functions, oid)))
		flags |= AUTOUSER_ROLE_WRITES_RULES;
	return flags;
}

/*
 * Appends the facts of the role named name (and of every role it is a
 * member of, breadth-first, each once) to facts; its oid goes to *oid.
 */
static void
add_set_role(AutouserLoginFacts *facts, const char *name, bool from_template,
			 const FactContext *ctx, Oid *oid)
{
	AutouserSetRoleFacts *entry = &facts->set[facts->n_set++];
	List                 *to_visit;
	List                 *seen = NIL;

	entry->name = name;
	entry->first_ancestor = facts->n_ancestors;
	entry->n_ancestors = 0;
	*oid = role_oid(name, NULL, NULL);
	if (!OidIsValid(*oid))
	{
		entry->flags = AUTOUSER_ROLE_MISSING |
					   (from_template ? AUTOUSER_ROLE_FROM_TEMPLATE : 0);
		return;
	}
	entry->flags = role_flags(*oid, ctx) |
				   (from_template ? AUTOUSER_ROLE_FROM_TEMPLATE : 0);
	to_visit = autouser_role_parents(*oid);
	seen = list_make1_oid(*oid);
	while (to_visit != NIL)
	{
		Oid ancestor = linitial_oid(to_visit);

		to_visit = list_delete_first(to_visit);
		if (list_member_oid(seen, ancestor))
			continue;
		seen = lappend_oid(seen, ancestor);
		if (facts->n_ancestors % 16 == 0)
			facts->ancestors =
				repalloc(facts->ancestors, sizeof(AutouserAncestorFacts) *
											   (facts->n_ancestors + 16));
		facts->ancestors[facts->n_ancestors].name =
			autouser_role_name(ancestor);
		facts->ancestors[facts->n_ancestors].flags = role_flags(ancestor, ctx);
		facts->n_ancestors++;
		entry->n_ancestors++;
		to_visit = list_concat(to_visit, autouser_role_parents(ancestor));
	}
}

static void
init_context(FactContext *ctx, Oid login_role,
			 const AutouserRulesOwners *owners, bool in_database)
{
	Oid namespace;

	ctx->group = autouser_group_role_oid();
	ctx->admin = autouser_admin_role_oid(true);
	ctx->login_role = login_role;
	ctx->owners = owners;
	ctx->rules_table = InvalidOid;
	ctx->rule_functions = NIL;
	if (in_database)
	{
		namespace = autouser_extension_namespace();
		if (OidIsValid(namespace))
		{
			ctx->rules_table = get_relname_relid("rules", namespace);
			ctx->rule_functions = rule_functions(namespace);
		}
	}
}

static void
init_facts(AutouserLoginFacts *facts, int n_set)
{
	memset(facts, 0, sizeof(AutouserLoginFacts));
	facts->set = palloc0(sizeof(AutouserSetRoleFacts) * Max(n_set, 1));
	facts->ancestors = palloc(sizeof(AutouserAncestorFacts) * 16);
	facts->forbidden_names = autouser_forbidden_role_list();
}

static void
read_login_role(const char *identity, Oid group, LoginRole *login)
{
	HeapTuple      tuple;
	Form_pg_authid form;
	ListCell      *lc;

	memset(login, 0, sizeof(LoginRole));
	login->oid = role_oid(identity, &form, &tuple);
	if (!OidIsValid(login->oid))
		return;
	login->can_login = form->rolcanlogin;
	ReleaseSysCache(tuple);
	login->recorded = autouser_role_is_recorded(login->oid);
	foreach(lc, autouser_role_parents(login->oid))
	{
		if (lfirst_oid(lc) == group && OidIsValid(group))
			login->in_group = true;
		else
			login->parents = lappend_oid(login->parents, lfirst_oid(lc));
	}
}

/*
 * Whether request presents the same subject for the same database as a
 * session of role: then a different set can only come from a change of
 * the rules.
 */
static bool
same_subject_as_sessions(Oid role, const AutouserRequest *request)
{
	pid_t           *pids;
	AutouserRequest *sessions;
	int              n = autouser_sessions_of_role(role, &pids, &sessions);

	for (int i = 0; i < n; i++)
		if (strcmp(sessions[i].database, request->database) == 0 &&
			sessions[i].attrs_len == request->attrs_len &&
			memcmp(sessions[i].attrs, request->attrs, request->attrs_len) == 0)
			return true;
	return false;
}

/*
 * The group role only marks managed roles: every one of them holds what it
 * holds, outside the rules and their checks.  So it may have no attribute
 * worth having and be a member of nothing.
 */
bool
autouser_group_role_is_privileged(Oid group)
{
	HeapTuple      tuple;
	Form_pg_authid form;
	bool           privileged;

	if (!OidIsValid(group))
		return false;
	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(group));
	if (!HeapTupleIsValid(tuple))
		return false;
	form = (Form_pg_authid) GETSTRUCT(tuple);
	privileged = form->rolcanlogin || form->rolsuper || form->rolcreaterole ||
				 form->rolreplication || form->rolbypassrls;
	ReleaseSysCache(tuple);
	return privileged || autouser_role_parents(group) != NIL;
}

/*
 * A name for a message: control characters (a template may expand a
 * certificate's newline into it) become \xNN, so nothing a certificate says
 * can start a line of its own in the client's message, the log or an event.
 */
static void
copy_printable(char *dst, const char *src, size_t cap)
{
	size_t n = 0;

	for (; *src && n + 1 < cap; src++)
	{
		unsigned char c = (unsigned char) *src;

		if (c >= 0x20 && c != 0x7f)
			dst[n++] = (char) c;
		else if (n + 5 <= cap)
			n += snprintf(dst + n, cap - n, "\\x%02x", c);
		else
			break;
	}
	dst[n] = '\0';
}

/* Fills the decision's description of a refusal from the core's verdict. */
static void
describe_rejection(const AutouserLoginFacts *facts,
				   const AutouserVerdict *verdict, AutouserDecision *decision)
{
	if (verdict->bad_role >= 0)
		copy_printable(decision->bad_role, facts->set[verdict->bad_role].name,
					   sizeof(decision->bad_role));
	if (verdict->bad_ancestor >= 0)
		copy_printable(decision->via_role,
					   facts->ancestors[verdict->bad_ancestor].name,
					   NAMEDATALEN);
	decision->reason = verdict->reason;
}

static AutouserOutcome
outcome_of(AutouserAction action)
{
	switch (action)
	{
		case AUTOUSER_ACTION_NONE:
			return AUTOUSER_NONE;
		case AUTOUSER_ACTION_ADMIT:
			return AUTOUSER_ADMIT;
		case AUTOUSER_ACTION_CREATE:
			return AUTOUSER_CREATE;
		case AUTOUSER_ACTION_REACTIVATE:
			return AUTOUSER_REACTIVATE;
		case AUTOUSER_ACTION_REJECT_UNMANAGED:
			return AUTOUSER_REJECT_UNMANAGED;
		case AUTOUSER_ACTION_REJECT_NO_RULE:
			return AUTOUSER_REJECT_NO_RULE;
		case AUTOUSER_ACTION_REJECT_ROLE_MISSING:
			return AUTOUSER_REJECT_ROLE_MISSING;
		case AUTOUSER_ACTION_REJECT_ROLE_FORBIDDEN:
			return AUTOUSER_REJECT_ROLE_FORBIDDEN;
		case AUTOUSER_ACTION_REJECT_ROLE_INVALID:
			return AUTOUSER_REJECT_ROLE_INVALID;
		case AUTOUSER_ACTION_REJECT_SET_CHANGED:
			return AUTOUSER_REJECT_SET_CHANGED;
	}
	return AUTOUSER_REJECT_ROLE_INVALID; /* fail closed */
}

/*
 * The decision for one login, from its evaluated rules and the catalogs.
 * in_database: connected to pg_autouser.database (a worker or a SQL
 * function), where privileges on autouser.rules can be checked too.  With
 * changes non-NULL, a decision that writes also gets its membership and
 * option changes.
 */
void
autouser_plan(const AutouserRequest *request, const AutouserEval *eval,
			  const AutouserRulesOwners *owners, bool in_database,
			  AutouserDecision *decision, AutouserChanges *changes)
{
	FactContext         ctx;
	LoginRole           login;
	AutouserLoginFacts  facts;
	AutouserVerdict     verdict;
	AutouserRoleOptions given;
	AutouserRoleOptions held;
	List               *set_oids = NIL;
	ListCell           *lc;

	memset(decision, 0, sizeof(AutouserDecision));
	decision->rule_id = eval->rule_id;
	read_login_role(request->identity, autouser_group_role_oid(), &login);
	decision->role = login.oid;
	if (OidIsValid(login.oid) && autouser_role_is_exempt(login.oid))
	{
		decision->outcome = AUTOUSER_NONE;
		return;
	}
	/*
	 * A subject that cannot be used fails only a login pg_autouser would act
	 * on: one a rule may match (whatever the OU), or a managed role's.
	 */
	if (request->subject != AUTOUSER_SUBJECT_OK)
	{
		if (eval->result == AUTOUSER_EVAL_NO_MATCH && eval->candidates == 0 &&
			!login.recorded && !login.in_group)
			decision->outcome = AUTOUSER_NONE;
		else if (request->subject == AUTOUSER_SUBJECT_AMBIGUOUS_CN)
			decision->outcome = AUTOUSER_REJECT_AMBIGUOUS_CN;
		else
			decision->outcome = AUTOUSER_REJECT_SUBJECT_UNREADABLE;
		return;
	}
	/* Step 3 comes before the set's checks: an unmanaged role is named so. */
	if (eval->result == AUTOUSER_EVAL_INVALID_ROLE)
	{
		if (OidIsValid(login.oid) && !login.recorded && !login.in_group)
			decision->outcome = AUTOUSER_REJECT_UNMANAGED;
		else
		{
			decision->outcome = AUTOUSER_REJECT_ROLE_INVALID;
			copy_printable(decision->bad_role, eval->invalid_role,
						   sizeof(decision->bad_role));
		}
		return;
	}

	init_context(&ctx, login.oid, owners, in_database);
	init_facts(&facts, list_length(eval->roles));
	facts.rules_matched = eval->result == AUTOUSER_EVAL_MATCH;
	facts.role_exists = OidIsValid(login.oid);
	facts.role_managed = login.recorded || login.in_group;
	/* One not yet recorded, or outside the group, is adopted: a write. */
	facts.role_can_login = login.can_login && login.recorded && login.in_group;
	foreach(lc, eval->roles)
	{
		AutouserEvalRole *role = lfirst(lc);
		Oid               oid;

		add_set_role(&facts, role->name, role->from_template, &ctx, &oid);
		if (OidIsValid(oid))
			set_oids = lappend_oid(set_oids, oid);
	}
	facts.set_equal = list_length(set_oids) == list_length(eval->roles) &&
					  list_difference_oid(set_oids, login.parents) == NIL &&
					  list_difference_oid(login.parents, set_oids) == NIL;
	/*
	 * A role that does not exist yet is created with no options; without a
	 * matching rule, options decide nothing (and the login costs no look-up).
	 */
	autouser_role_options_given(eval->options, &given);
	autouser_role_options_default(&held);
	if (OidIsValid(login.oid) && facts.rules_matched)
		autouser_role_options_held(login.oid, &held);
	autouser_role_options_target(&given, &held, &given);
	facts.options_equal = autouser_role_options_equal(&given, &held);
	/* Only step 7 needs the count: an active managed role whose set moved. */
	if (facts.role_managed && facts.role_can_login &&
		!(facts.set_equal && facts.options_equal))
		facts.other_sessions = autouser_sessions_count(login.oid);
	decision->other_sessions = facts.other_sessions;

	autouser_decide(&facts, &verdict);
	decision->outcome = outcome_of(verdict.action);
	/*
	 * The sessions hold another set because the rules changed, not because
	 * this certificate differs: the change is applied, not refused (SPEC 7).
	 */
	if (decision->outcome == AUTOUSER_REJECT_SET_CHANGED &&
		same_subject_as_sessions(login.oid, request))
		decision->outcome = AUTOUSER_UPDATE;
	if (AutouserOutcomeIsReject(decision->outcome))
		describe_rejection(&facts, &verdict, decision);
	if ((decision->outcome == AUTOUSER_ADMIT ||
		 AutouserOutcomeNeedsWrite(decision->outcome)) &&
		autouser_group_role_is_privileged(ctx.group))
	{
		decision->outcome = AUTOUSER_UNAVAILABLE_FAILED;
		snprintf(
			decision->detail, sizeof(decision->detail),
			"pg_autouser.group_role \"%s\" has LOGIN, SUPERUSER, CREATEROLE, REPLICATION or BYPASSRLS, or is a member of other roles; every managed role would hold that.",
			autouser_group_role);
		return;
	}
	if (changes == NULL || !AutouserOutcomeNeedsWrite(decision->outcome))
		return;
	memset(changes, 0, sizeof(AutouserChanges));
	changes->join_group = !login.in_group;
	changes->options = given;
	changes->held = held;
	foreach(lc, eval->roles)
		changes->set =
			lappend(changes->set, ((AutouserEvalRole *) lfirst(lc))->name);
	foreach(lc, set_oids)
		if (!list_member_oid(login.parents, lfirst_oid(lc)))
			changes->grant =
				lappend(changes->grant, autouser_role_name(lfirst_oid(lc)));
	foreach(lc, login.parents)
		if (!list_member_oid(set_oids, lfirst_oid(lc)))
			changes->revoke =
				lappend(changes->revoke, autouser_role_name(lfirst_oid(lc)));
}

/*
 * Whether a rule may name these roles literally (autouser.add_rule): the
 * decision is CREATE when it may, else the refusal naming the first bad role.
 */
void
autouser_plan_roles(List *names, const AutouserRulesOwners *owners,
					AutouserDecision *decision)
{
	FactContext        ctx;
	AutouserLoginFacts facts;
	AutouserVerdict    verdict;
	ListCell          *lc;

	memset(decision, 0, sizeof(AutouserDecision));
	init_context(&ctx, InvalidOid, owners, true);
	init_facts(&facts, list_length(names));
	facts.rules_matched = true;
	foreach(lc, names)
	{
		Oid oid;

		add_set_role(&facts, lfirst(lc), false, &ctx, &oid);
	}
	autouser_decide(&facts, &verdict);
	decision->outcome = outcome_of(verdict.action);
	if (AutouserOutcomeIsReject(decision->outcome))
		describe_rejection(&facts, &verdict, decision);
}

/* What a provisioning changed, for the audit trail. */
char *
autouser_changes_detail(const AutouserChanges *changes)
{
	StringInfoData buf;
	ListCell      *lc;
	char          *options =
		autouser_role_options_detail(&changes->options, &changes->held);

	if (changes->grant == NIL && changes->revoke == NIL && options == NULL)
		return NULL;
	initStringInfo(&buf);
	if (changes->grant != NIL)
		appendStringInfoString(&buf, "granted:");
	foreach(lc, changes->grant)
		appendStringInfo(&buf, " %s", quote_identifier(lfirst(lc)));
	if (changes->grant != NIL && changes->revoke != NIL)
		appendStringInfoString(&buf, "; ");
	if (changes->revoke != NIL)
		appendStringInfoString(&buf, "revoked:");
	foreach(lc, changes->revoke)
		appendStringInfo(&buf, " %s", quote_identifier(lfirst(lc)));
	if (options != NULL)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? "; " : "", options);
	return buf.data;
}
