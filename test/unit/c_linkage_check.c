/* c_linkage_check.c -- compiles core_api.h as C99 and calls the core from C; no test logic. */
#include "pg_autouser/core_api.h"

#include <string.h>

int autouser_test_c_linkage_check(void);
size_t autouser_test_c_sizeof_rule(void);
size_t autouser_test_c_sizeof_option(void);
size_t autouser_test_c_sizeof_login(void);
size_t autouser_test_c_sizeof_eval_result(void);
size_t autouser_test_c_sizeof_set_role(void);
size_t autouser_test_c_sizeof_ancestor(void);
size_t autouser_test_c_sizeof_decision_input(void);
size_t autouser_test_c_sizeof_decision(void);

/* Encodes one rule giving "readers" and "t_<OU>", evaluates it, decides on the result. */
static int
check_evaluate_and_decide(void)
{
	autouser_core_str roles[2];
	autouser_core_rule rule;
	autouser_core_attr attr;
	autouser_core_login login;
	autouser_core_eval_result result;
	autouser_core_set_role set[2];
	autouser_core_ancestor ancestor;
	autouser_core_decision_input in;
	autouser_core_decision out;
	char blob[128];
	char names[32];
	size_t needed = 0;
	const char *p;
	size_t i;

	roles[0].ptr = "readers";
	roles[0].len = 7;
	roles[1].ptr = "t_{{cert.OU}}";
	roles[1].len = 13;
	memset(&rule, 0, sizeof rule);
	rule.id = 7;
	rule.identity.ptr = "*";
	rule.identity.len = 1;
	rule.database.ptr = "*";
	rule.database.len = 1;
	rule.roles = roles;
	rule.n_roles = 2;
	if (autouser_core_rules_encode(&rule, 1, blob, sizeof blob, &needed) != AUTOUSER_CORE_OK)
		return 10;

	attr.name.ptr = "OU";
	attr.name.len = 2;
	attr.value.ptr = "ops";
	attr.value.len = 3;
	login.identity.ptr = "alice";
	login.identity.len = 5;
	login.database.ptr = "app";
	login.database.len = 3;
	login.attrs = &attr;
	login.n_attrs = 1;
	if (autouser_core_rules_evaluate(blob, needed, &login, names, sizeof names, &result) !=
		AUTOUSER_CORE_OK)
		return 11;
	if (result.n_roles != 2 || result.matched_rule_id != 7 || result.candidates != 1)
		return 12;

	/* Each entry: flag byte, then the NUL-terminated name. */
	memset(set, 0, sizeof set);
	p = names;
	for (i = 0; i < result.n_roles; i++)
	{
		set[i].flags = (*p & AUTOUSER_CORE_EVAL_FROM_TEMPLATE) ? AUTOUSER_CORE_ROLE_FROM_TEMPLATE : 0;
		set[i].name.ptr = p + 1;
		set[i].name.len = strlen(p + 1);
		p += set[i].name.len + 2;
	}
	if (strcmp(set[0].name.ptr, "readers") != 0 || set[0].flags != 0 ||
		strcmp(set[1].name.ptr, "t_ops") != 0 ||
		set[1].flags != AUTOUSER_CORE_ROLE_FROM_TEMPLATE)
		return 13;

	memset(&in, 0, sizeof in);
	in.rules_matched = 1;
	in.set = set;
	in.n_set = 2;
	if (autouser_core_decide(&in, &out) != AUTOUSER_CORE_OK ||
		out.action != AUTOUSER_CORE_ACTION_CREATE || out.needs_write != 1)
		return 14;

	/* t_ops inherits from a superuser: named as set 1, ancestor 0. */
	ancestor.name.ptr = "boss";
	ancestor.name.len = 4;
	ancestor.flags = AUTOUSER_CORE_ROLE_SUPERUSER;
	set[1].first_ancestor = 0;
	set[1].n_ancestors = 1;
	in.ancestors = &ancestor;
	in.n_ancestors = 1;
	if (autouser_core_decide(&in, &out) != AUTOUSER_CORE_OK ||
		out.action != AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN || out.bad_role != 1 ||
		out.bad_ancestor != 0 || out.reason != AUTOUSER_CORE_FORBIDDEN_SUPERUSER)
		return 15;

	if (autouser_core_decide(NULL, &out) != AUTOUSER_CORE_INVALID_INPUT ||
		out.action != AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID || out.needs_write != 0)
		return 16;
	return 0;
}

int
autouser_test_c_linkage_check(void)
{
	char out[16];
	size_t needed = 0;

	if (autouser_core_quote_identifier("a\"b", 3, out, sizeof out, &needed) != AUTOUSER_CORE_OK)
		return 1;
	if (needed != 7 || strcmp(out, "\"a\"\"b\"") != 0)
		return 2;
	if (autouser_core_check_identity("alice", 5) != AUTOUSER_CORE_IDENTITY_OK)
		return 3;
	return check_evaluate_and_decide();
}

size_t autouser_test_c_sizeof_rule(void) { return sizeof(autouser_core_rule); }
size_t autouser_test_c_sizeof_option(void) { return sizeof(autouser_core_option); }
size_t autouser_test_c_sizeof_login(void) { return sizeof(autouser_core_login); }
size_t autouser_test_c_sizeof_eval_result(void) { return sizeof(autouser_core_eval_result); }
size_t autouser_test_c_sizeof_set_role(void) { return sizeof(autouser_core_set_role); }
size_t autouser_test_c_sizeof_ancestor(void) { return sizeof(autouser_core_ancestor); }
size_t autouser_test_c_sizeof_decision_input(void) { return sizeof(autouser_core_decision_input); }
size_t autouser_test_c_sizeof_decision(void) { return sizeof(autouser_core_decision); }
