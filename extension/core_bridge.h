/*
 * core_bridge.h -- the C++ core as PostgreSQL C sees it: palloc'd results,
 * Lists, and enums that mirror the core's (core_bridge.c asserts that they
 * match).  Only core_bridge.c includes the core's own header.
 */
#ifndef AUTOUSER_CORE_BRIDGE_H
#define AUTOUSER_CORE_BRIDGE_H

#include "nodes/pg_list.h"

/* Mirrors autouser_core_identity_check. */
typedef enum AutouserIdentityProblem
{
	AUTOUSER_IDENTITY_OK = 0,
	AUTOUSER_IDENTITY_EMPTY,
	AUTOUSER_IDENTITY_TOO_LONG,
	AUTOUSER_IDENTITY_CONTROL_CHAR,
	AUTOUSER_IDENTITY_BAD_UTF8,
	AUTOUSER_IDENTITY_RESERVED,
	AUTOUSER_IDENTITY_RESERVED_NAME
} AutouserIdentityProblem;

/* Mirrors autouser_core_pattern_check. */
typedef enum AutouserPatternProblem
{
	AUTOUSER_PATTERN_OK = 0,
	AUTOUSER_PATTERN_EMPTY,
	AUTOUSER_PATTERN_CONTROL_CHAR,
	AUTOUSER_PATTERN_BAD_UTF8,
	AUTOUSER_PATTERN_TOO_LONG
} AutouserPatternProblem;

/* Mirrors autouser_core_role_entry_kind. */
typedef enum AutouserRoleEntryKind
{
	AUTOUSER_ROLE_ENTRY_NAME = 0,
	AUTOUSER_ROLE_ENTRY_TEMPLATE,
	AUTOUSER_ROLE_ENTRY_INVALID
} AutouserRoleEntryKind;

/* Mirrors autouser_core_action. */
typedef enum AutouserAction
{
	AUTOUSER_ACTION_NONE = 0,
	AUTOUSER_ACTION_ADMIT = 1,
	AUTOUSER_ACTION_CREATE = 2,
	AUTOUSER_ACTION_REACTIVATE = 3,
	AUTOUSER_ACTION_REJECT_UNMANAGED = 10,
	AUTOUSER_ACTION_REJECT_NO_RULE = 11,
	AUTOUSER_ACTION_REJECT_ROLE_MISSING = 12,
	AUTOUSER_ACTION_REJECT_ROLE_FORBIDDEN = 13,
	AUTOUSER_ACTION_REJECT_ROLE_INVALID = 14,
	AUTOUSER_ACTION_REJECT_SET_CHANGED = 15
} AutouserAction;

/* Mirrors autouser_core_forbidden_reason. */
typedef enum AutouserForbiddenReason
{
	AUTOUSER_FORBIDDEN_NONE = 0,
	AUTOUSER_FORBIDDEN_SUPERUSER,
	AUTOUSER_FORBIDDEN_REPLICATION,
	AUTOUSER_FORBIDDEN_BYPASSRLS,
	AUTOUSER_FORBIDDEN_CREATEROLE,
	AUTOUSER_FORBIDDEN_BUILTIN,
	AUTOUSER_FORBIDDEN_GROUP,
	AUTOUSER_FORBIDDEN_ADMIN,
	AUTOUSER_FORBIDDEN_MANAGED,
	AUTOUSER_FORBIDDEN_SELF,
	AUTOUSER_FORBIDDEN_DB_OWNER,
	AUTOUSER_FORBIDDEN_EXT_OWNER,
	AUTOUSER_FORBIDDEN_WRITES_RULES,
	AUTOUSER_FORBIDDEN_LISTED,
	AUTOUSER_FORBIDDEN_TEMPLATE_PREDEFINED,
	AUTOUSER_FORBIDDEN_TEMPLATE_LOGIN
} AutouserForbiddenReason;

/* Facts about a role, as flags (mirror AUTOUSER_CORE_ROLE_*). */
#define AUTOUSER_ROLE_MISSING       0x0001
#define AUTOUSER_ROLE_SUPERUSER     0x0002
#define AUTOUSER_ROLE_REPLICATION   0x0004
#define AUTOUSER_ROLE_BYPASSRLS     0x0008
#define AUTOUSER_ROLE_CREATEROLE    0x0010
#define AUTOUSER_ROLE_LOGIN         0x0020
#define AUTOUSER_ROLE_PREDEFINED    0x0040
#define AUTOUSER_ROLE_GROUP         0x0080
#define AUTOUSER_ROLE_ADMIN         0x0100
#define AUTOUSER_ROLE_MANAGED       0x0200
#define AUTOUSER_ROLE_SELF          0x0400
#define AUTOUSER_ROLE_DB_OWNER      0x0800
#define AUTOUSER_ROLE_EXT_OWNER     0x1000
#define AUTOUSER_ROLE_WRITES_RULES  0x2000
#define AUTOUSER_ROLE_FROM_TEMPLATE 0x4000

/* Mirrors autouser_core_option_kind. */
typedef enum AutouserOptionKind
{
	AUTOUSER_OPTION_ATTRIBUTE = 0, /* connection_limit, inherit */
	AUTOUSER_OPTION_SETTING = 1    /* a role-level setting */
} AutouserOptionKind;

/* Mirrors autouser_core_option_merge. */
typedef enum AutouserOptionMerge
{
	AUTOUSER_MERGE_FIRST = 0,      /* the first matching rule's value */
	AUTOUSER_MERGE_LOWEST_RANK = 1 /* the most restrictive value */
} AutouserOptionMerge;

/*
 * An option of a rule: named, valued and ranked by rule_options.c, merged
 * by the core.  In an evaluation's result only kind, name and value are set.
 */
typedef struct AutouserOption
{
	AutouserOptionKind  kind;
	char               *name;
	char               *value;
	AutouserOptionMerge merge;
	int64               rank; /* LOWEST_RANK: lower is more restrictive */
} AutouserOption;

typedef enum AutouserEvalResult
{
	AUTOUSER_EVAL_MATCH, /* roles holds the set */
	AUTOUSER_EVAL_NO_MATCH,
	AUTOUSER_EVAL_INVALID_ROLE, /* invalid_role holds a bad expansion */
	AUTOUSER_EVAL_BROKEN        /* the blob is malformed */
} AutouserEvalResult;

typedef struct AutouserEvalRole
{
	char *name;
	bool  from_template; /* only certificate text named it */
} AutouserEvalRole;

typedef struct AutouserEval
{
	AutouserEvalResult result;
	List              *roles; /* AutouserEvalRole *, sorted, distinct */
	char              *invalid_role;
	int64              rule_id;    /* first matching rule */
	uint32             candidates; /* rules matching identity and database */
	List *options; /* AutouserOption *, merged, by kind and name (MATCH) */
} AutouserEval;

/* One row of autouser.rules, as the encoder takes it. */
typedef struct AutouserRuleRow
{
	int64  id;
	char  *identity;
	char  *database;
	char  *cert_ou; /* NULL = any */
	int    nroles;
	char **roles;
	List  *options; /* AutouserOption * */
} AutouserRuleRow;

/* A role of the set, with its ancestors at ancestors[first .. first + n). */
typedef struct AutouserSetRoleFacts
{
	const char *name;
	uint32      flags;
	int         first_ancestor;
	int         n_ancestors;
} AutouserSetRoleFacts;

typedef struct AutouserAncestorFacts
{
	const char *name;
	uint32      flags;
} AutouserAncestorFacts;

typedef struct AutouserLoginFacts
{
	bool                   rules_matched;
	bool                   role_exists;
	bool                   role_managed;
	bool                   role_can_login;
	bool                   set_equal;
	bool                   options_equal;
	int                    other_sessions;
	AutouserSetRoleFacts  *set;
	int                    n_set;
	AutouserAncestorFacts *ancestors;
	int                    n_ancestors;
	List *forbidden_names; /* char *: pg_autouser.forbidden_roles */
} AutouserLoginFacts;

typedef struct AutouserVerdict
{
	AutouserAction          action;
	bool                    needs_write;
	int                     bad_role;     /* set index, or -1 */
	int                     bad_ancestor; /* ancestors index, or -1 */
	AutouserForbiddenReason reason;
} AutouserVerdict;

typedef struct AutouserEvalJob AutouserEvalJob;

extern AutouserIdentityProblem
autouser_identity_problem(const char *name, size_t len);
extern AutouserPatternProblem autouser_pattern_problem(const char *pattern);
extern AutouserRoleEntryKind  autouser_role_entry_kind(const char *entry);
extern char                  *autouser_rules_encode(List *rows, Size *len);
extern AutouserEvalJob *
autouser_eval_prepare(const char *identity, const char *database,
					  const char *attrs, int attrs_len);
extern void
autouser_eval_run(AutouserEvalJob *job, const char *blob, Size blob_len);
extern bool autouser_eval_finish(AutouserEvalJob *job, AutouserEval *eval);
extern void
autouser_rules_evaluate(const char *blob, Size blob_len, const char *identity,
						const char *database, const char *attrs, int attrs_len,
						AutouserEval *eval);
extern void
autouser_decide(const AutouserLoginFacts *facts, AutouserVerdict *verdict);
extern void autouser_core_warm_up(void);

#endif /* AUTOUSER_CORE_BRIDGE_H */
