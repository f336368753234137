/*
 * core_bridge.h -- the C++ core as PostgreSQL C sees it: palloc'd results,
 * Lists, and status codes mapped to what the callers act on.  Only
 * core_bridge.c includes the core's own header.
 */
#ifndef AUTOUSER_CORE_BRIDGE_H
#define AUTOUSER_CORE_BRIDGE_H

#include "nodes/pg_list.h"

/* Mirrors autouser_core_action; core_bridge.c asserts the values match. */
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

/* Mirrors autouser_core_set_check. */
typedef enum AutouserSetCheck
{
	AUTOUSER_SET_OK = 0,
	AUTOUSER_SET_MISSING = 1,
	AUTOUSER_SET_FORBIDDEN = 2,
	AUTOUSER_SET_INVALID = 3
} AutouserSetCheck;

typedef struct AutouserFacts
{
	bool		rules_matched;
	bool		role_exists;
	bool		role_managed;
	bool		role_can_login;
	int			other_sessions;
	AutouserSetCheck set_check;
	bool		set_equal;
} AutouserFacts;

typedef enum AutouserEvalResult
{
	AUTOUSER_EVAL_MATCH,		/* roles holds the set */
	AUTOUSER_EVAL_NO_MATCH,
	AUTOUSER_EVAL_INVALID_ROLE, /* invalid_role holds a bad expansion */
	AUTOUSER_EVAL_BROKEN		/* the blob is malformed */
} AutouserEvalResult;

typedef struct AutouserEval
{
	AutouserEvalResult result;
	List	   *roles;			/* char *, sorted, distinct */
	char	   *invalid_role;
	int64		rule_id;		/* first matching rule */
} AutouserEval;

/* One row of autouser.rules, as the encoder takes it. */
typedef struct AutouserRuleRow
{
	int64		id;
	char	   *identity;
	char	   *database;
	char	   *cert_ou;		/* NULL = any */
	int			nroles;
	char	  **roles;
} AutouserRuleRow;

extern const char *autouser_identity_problem(const char *name, size_t len);
extern const char *autouser_pattern_problem(const char *pattern);
extern const char *autouser_role_entry_problem(const char *entry, bool *is_template);
extern char *autouser_rules_encode(List *rows, Size *len);
extern int64 autouser_rules_count(const char *blob, Size len);
typedef struct AutouserEvalJob AutouserEvalJob;

extern AutouserEvalJob *autouser_eval_prepare(const char *identity, const char *database,
											  const char *attrs, int attrs_len);
extern void autouser_eval_run(AutouserEvalJob *job, const char *blob, Size blob_len);
extern bool autouser_eval_finish(AutouserEvalJob *job, AutouserEval *eval);
extern void autouser_rules_evaluate(const char *blob, Size blob_len,
									const char *identity, const char *database,
									const char *attrs, int attrs_len,
									AutouserEval *eval);
extern bool autouser_forbidden_name(const char *role);
extern AutouserAction autouser_decide(const AutouserFacts *facts);
extern bool autouser_action_needs_write(AutouserAction action);
extern void autouser_core_warm_up(void);

#endif							/* AUTOUSER_CORE_BRIDGE_H */
