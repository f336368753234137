/*
 * core_api.h -- the one bridge between the PostgreSQL glue (C) and the
 * pg_autouser core (C++17).  Plain data only: explicit-length strings,
 * fixed-width integers, enums with explicit values.  The caller owns every
 * buffer; the core never keeps a pointer it was given and never returns its
 * own memory.  Every function is noexcept: a C++ exception never crosses here.
 */
#ifndef PG_AUTOUSER_CORE_API_H
#define PG_AUTOUSER_CORE_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define AUTOUSER_CORE_NOEXCEPT noexcept
extern "C" {
#else
#define AUTOUSER_CORE_NOEXCEPT
#endif

/* == NAMEDATALEN - 1; core_bridge.c checks it with a StaticAssert. */
#define AUTOUSER_CORE_MAX_ROLE_BYTES 63

typedef enum
{
	AUTOUSER_CORE_OK = 0,
	AUTOUSER_CORE_NO_MATCH = 1,
	AUTOUSER_CORE_INVALID_INPUT = 2,
	AUTOUSER_CORE_BUFFER_TOO_SMALL = 3,
	AUTOUSER_CORE_NO_MEMORY = 4,
	AUTOUSER_CORE_INTERNAL = 5
} autouser_core_status;

/* A string that need not be NUL-terminated.  ptr == NULL means SQL NULL. */
typedef struct
{
	const char *ptr;
	size_t		len;
} autouser_core_str;

/* ---------------------------------------------------------------------
 * Identities (certificate CNs that become role names)
 * ------------------------------------------------------------------- */
typedef enum
{
	AUTOUSER_CORE_IDENTITY_OK = 0,
	AUTOUSER_CORE_IDENTITY_EMPTY = 1,
	AUTOUSER_CORE_IDENTITY_TOO_LONG = 2,	/* over MAX_ROLE_BYTES */
	AUTOUSER_CORE_IDENTITY_CONTROL_CHAR = 3, /* bytes < 0x20 or 0x7f, NUL */
	AUTOUSER_CORE_IDENTITY_BAD_UTF8 = 4,
	AUTOUSER_CORE_IDENTITY_RESERVED = 5, /* starts with "pg_" */
	AUTOUSER_CORE_IDENTITY_RESERVED_NAME = 6 /* "public" or "none" */
} autouser_core_identity_check;

/* Never truncates: a name that does not fit is TOO_LONG. */
autouser_core_identity_check autouser_core_check_identity(const char *name, size_t len)
	AUTOUSER_CORE_NOEXCEPT;

/*
 * Always double-quotes and doubles embedded '"'.  Output is NUL-terminated;
 * BUFFER_TOO_SMALL sets *needed (bytes including the NUL).
 */
autouser_core_status autouser_core_quote_identifier(const char *name, size_t len, char *out,
													size_t out_cap,
													size_t *needed) AUTOUSER_CORE_NOEXCEPT;

/* ---------------------------------------------------------------------
 * Patterns: exact names or globs where '*' matches any run of bytes
 * ------------------------------------------------------------------- */

/* 1 if text matches pattern, else 0. */
int			autouser_core_glob_match(const char *pattern, size_t pattern_len, const char *text,
									 size_t text_len) AUTOUSER_CORE_NOEXCEPT;

typedef enum
{
	AUTOUSER_CORE_PATTERN_OK = 0,
	AUTOUSER_CORE_PATTERN_EMPTY = 1,
	AUTOUSER_CORE_PATTERN_CONTROL_CHAR = 2,
	AUTOUSER_CORE_PATTERN_BAD_UTF8 = 3,
	AUTOUSER_CORE_PATTERN_TOO_LONG = 4 /* more than MAX_ROLE_BYTES bytes besides '*' */
} autouser_core_pattern_check;

autouser_core_pattern_check autouser_core_check_pattern(const char *pattern, size_t len)
	AUTOUSER_CORE_NOEXCEPT;

/* ---------------------------------------------------------------------
 * Role entries of a rule: a role name, or text with {{cert.<attr>}}
 * ------------------------------------------------------------------- */
typedef enum
{
	AUTOUSER_CORE_ROLE_ENTRY_NAME = 0,	   /* a plain role name */
	AUTOUSER_CORE_ROLE_ENTRY_TEMPLATE = 1, /* holds at least one {{cert.X}} */
	AUTOUSER_CORE_ROLE_ENTRY_INVALID = 2   /* empty, too long, bad UTF-8, control
											* char, or malformed braces */
} autouser_core_role_entry_kind;

autouser_core_role_entry_kind autouser_core_classify_role_entry(const char *entry, size_t len)
	AUTOUSER_CORE_NOEXCEPT;

/* One certificate subject attribute: short name ("CN", "O", "OU", ...) and value. */
typedef struct
{
	autouser_core_str name;
	autouser_core_str value;
} autouser_core_attr;

/* ---------------------------------------------------------------------
 * Rule options: what a rule gives its logins besides roles.  The glue
 * names and values them and says how two rules' values of one option
 * combine; the core only merges.
 * ------------------------------------------------------------------- */
typedef enum
{
	AUTOUSER_CORE_OPTION_ATTRIBUTE = 0, /* a role attribute (CONNECTION LIMIT, INHERIT) */
	AUTOUSER_CORE_OPTION_SETTING = 1	/* a role-level setting (ALTER ROLE ... SET) */
} autouser_core_option_kind;

typedef enum
{
	AUTOUSER_CORE_MERGE_FIRST = 0,		/* the first matching rule giving it wins */
	AUTOUSER_CORE_MERGE_LOWEST_RANK = 1 /* the lowest rank wins: the most restrictive;
										 * of equal ranks, the first */
} autouser_core_option_merge;

/* kind and merge are plain integers: the core checks them, and an enum
 * holding a value it does not list would be undefined behaviour in C++. */
typedef struct
{
	int32_t		kind;			/* autouser_core_option_kind */
	autouser_core_str name;		/* non-empty; no NUL byte */
	autouser_core_str value;	/* no NUL byte */
	int32_t		merge;			/* autouser_core_option_merge */
	int64_t		rank;			/* for LOWEST_RANK: lower is more restrictive */
} autouser_core_option;

/* ---------------------------------------------------------------------
 * Rule sets: encoded once into a flat blob (what the workers publish in
 * shared memory), evaluated directly on the blob.
 * ------------------------------------------------------------------- */
typedef struct
{
	int64_t		id;
	autouser_core_str identity; /* exact or glob */
	autouser_core_str database; /* exact or glob */
	autouser_core_str cert_ou;	/* exact; ptr NULL = any */
	const autouser_core_str *roles;
	size_t		n_roles;
	const autouser_core_option *options;
	size_t		n_options;
} autouser_core_rule;

/* Encodes rules (only enabled ones should be passed) into out. */
autouser_core_status autouser_core_rules_encode(const autouser_core_rule *rules, size_t n_rules,
												char *out, size_t out_cap,
												size_t *needed) AUTOUSER_CORE_NOEXCEPT;

typedef struct
{
	autouser_core_str identity; /* the CN */
	autouser_core_str database;
	const autouser_core_attr *attrs; /* the subject; names may repeat (OU) */
	size_t		n_attrs;
} autouser_core_login;

/* Flag byte in front of each evaluated role (see autouser_core_rules_evaluate). */
#define AUTOUSER_CORE_EVAL_FROM_TEMPLATE 0x01 /* only certificate text named it */

typedef struct
{
	size_t		needed;			/* bytes out must hold */
	size_t		n_roles;		/* roles written (or that would be) */
	int64_t		matched_rule_id; /* first matching rule, or 0 */
	uint32_t	candidates;		/* rules whose identity and database patterns
								 * match, whatever the certificate's OU */
	size_t		n_options;		/* options after the roles (OK, BUFFER_TOO_SMALL) */
} autouser_core_eval_result;

/*
 * Evaluates an encoded rule set for one login.
 *
 * OK: out holds the union of the matching rules' roles, templates expanded,
 * sorted bytewise by name and de-duplicated, as result->n_roles consecutive
 * entries, each one flag byte (AUTOUSER_CORE_EVAL_FROM_TEMPLATE when no rule
 * names the role literally, only a template expansion gives it) followed by
 * the NUL-terminated name.  Then the matching rules' options, merged, as
 * result->n_options entries sorted by kind and bytewise by name, each one
 * kind byte (autouser_core_option_kind), the NUL-terminated name and the
 * NUL-terminated value.  Rules are taken in the order they were encoded;
 * when several give an option of one kind and name, the merge of the first
 * decides which value stays.  NO_MATCH: no rule matched (n_roles = 0).
 * INVALID_INPUT: the blob or login is malformed or result is NULL (*result
 * then all zero), or a template expanded to something that cannot be a role
 * name; in the latter case n_roles = 1 and out holds one entry with that
 * expansion, cut to fit (nothing if out_cap < 2).  BUFFER_TOO_SMALL:
 * result->needed says how much out must hold.  candidates is always set for
 * a well-formed blob.  Pure computation: safe to call under a lock.
 */
autouser_core_status autouser_core_rules_evaluate(const char *blob, size_t blob_len,
												  const autouser_core_login *login, char *out,
												  size_t out_cap,
												  autouser_core_eval_result *result) AUTOUSER_CORE_NOEXCEPT;

/* ---------------------------------------------------------------------
 * The login decision (SPEC 5 steps 2-7, SPEC 6).  The caller collects the
 * catalog facts as flags; the core applies every policy to them in one call.
 * Step 1 is autouser_core_check_identity.
 * ------------------------------------------------------------------- */

/* Facts about one role, as flags. */
#define AUTOUSER_CORE_ROLE_MISSING		0x0001	/* no such role (set entries only) */
#define AUTOUSER_CORE_ROLE_SUPERUSER	0x0002
#define AUTOUSER_CORE_ROLE_REPLICATION	0x0004
#define AUTOUSER_CORE_ROLE_BYPASSRLS	0x0008
#define AUTOUSER_CORE_ROLE_CREATEROLE	0x0010
#define AUTOUSER_CORE_ROLE_LOGIN		0x0020	/* rolcanlogin */
#define AUTOUSER_CORE_ROLE_PREDEFINED	0x0040	/* a predefined (pg_*) role */
#define AUTOUSER_CORE_ROLE_GROUP		0x0080	/* pg_autouser.group_role */
#define AUTOUSER_CORE_ROLE_ADMIN		0x0100	/* pg_autouser.admin_role */
#define AUTOUSER_CORE_ROLE_MANAGED		0x0200	/* another role managed by pg_autouser */
#define AUTOUSER_CORE_ROLE_SELF			0x0400	/* the login's own role */
#define AUTOUSER_CORE_ROLE_DB_OWNER		0x0800	/* owns pg_autouser.database */
#define AUTOUSER_CORE_ROLE_EXT_OWNER	0x1000	/* owns the extension's objects */
#define AUTOUSER_CORE_ROLE_WRITES_RULES 0x2000	/* may change autouser.rules */
#define AUTOUSER_CORE_ROLE_FROM_TEMPLATE 0x4000 /* set entry named only by certificate
												 * text (the evaluation's flag) */

/* A role the rules give, with the roles it is a member of (directly or not). */
typedef struct
{
	autouser_core_str name;
	uint32_t	flags;
	size_t		first_ancestor; /* index into autouser_core_decision_input.ancestors */
	size_t		n_ancestors;
} autouser_core_set_role;

typedef struct
{
	autouser_core_str name;
	uint32_t	flags;
} autouser_core_ancestor;

typedef struct
{
	int32_t		rules_matched;	/* 0 or 1 */
	int32_t		role_exists;	/* the identity's role */
	int32_t		role_managed;	/* ... is a member of the group role */
	int32_t		role_can_login; /* ... has rolcanlogin */
	int32_t		set_equal;		/* its memberships (less the group) == the set */
	int32_t		options_equal;	/* its attributes and settings == the rules' options */
	int32_t		other_sessions; /* its live sessions but this one; needed only when
								 * role_managed && role_can_login && !(set_equal &&
								 * options_equal) */
	const autouser_core_set_role *set;
	size_t		n_set;
	const autouser_core_ancestor *ancestors;
	size_t		n_ancestors;
	const autouser_core_str *forbidden_names; /* pg_autouser.forbidden_roles */
	size_t		n_forbidden_names;
} autouser_core_decision_input;

typedef enum
{
	AUTOUSER_CORE_ACTION_NONE = 0,		 /* not ours: plain PostgreSQL goes on */
	AUTOUSER_CORE_ACTION_ADMIT = 1,		 /* fast path: same set and options */
	AUTOUSER_CORE_ACTION_CREATE = 2,	 /* create the role */
	AUTOUSER_CORE_ACTION_REACTIVATE = 3, /* LOGIN + memberships := set */
	AUTOUSER_CORE_ACTION_REJECT_UNMANAGED = 10,
	AUTOUSER_CORE_ACTION_REJECT_NO_RULE = 11,
	AUTOUSER_CORE_ACTION_REJECT_ROLE_MISSING = 12,
	AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN = 13,
	AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID = 14,
	AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED = 15
} autouser_core_action;

/* Why a role may not be granted (SPEC 6). */
typedef enum
{
	AUTOUSER_CORE_FORBIDDEN_NONE = 0,
	AUTOUSER_CORE_FORBIDDEN_SUPERUSER = 1,
	AUTOUSER_CORE_FORBIDDEN_REPLICATION = 2,
	AUTOUSER_CORE_FORBIDDEN_BYPASSRLS = 3,
	AUTOUSER_CORE_FORBIDDEN_CREATEROLE = 4,
	AUTOUSER_CORE_FORBIDDEN_BUILTIN = 5, /* pg_execute_server_program, pg_read_server_files,
										  * pg_write_server_files, pg_write_all_data */
	AUTOUSER_CORE_FORBIDDEN_GROUP = 6,
	AUTOUSER_CORE_FORBIDDEN_ADMIN = 7,
	AUTOUSER_CORE_FORBIDDEN_MANAGED = 8,
	AUTOUSER_CORE_FORBIDDEN_SELF = 9,
	AUTOUSER_CORE_FORBIDDEN_DB_OWNER = 10,
	AUTOUSER_CORE_FORBIDDEN_EXT_OWNER = 11,
	AUTOUSER_CORE_FORBIDDEN_WRITES_RULES = 12,
	AUTOUSER_CORE_FORBIDDEN_LISTED = 13,		 /* in pg_autouser.forbidden_roles */
	AUTOUSER_CORE_FORBIDDEN_TEMPLATE_PREDEFINED = 14, /* certificate text named a pg_* role */
	AUTOUSER_CORE_FORBIDDEN_TEMPLATE_LOGIN = 15 /* certificate text named a LOGIN role */
} autouser_core_forbidden_reason;

typedef struct
{
	autouser_core_action action;
	int32_t		needs_write;	/* 1 for CREATE and REACTIVATE */
	int32_t		bad_role;		/* set index the rejection names, or -1 */
	int32_t		bad_ancestor;	/* ancestors index it inherits the problem from, or -1 */
	autouser_core_forbidden_reason reason; /* for REJECT_ROLE_FORBIDDEN */
} autouser_core_decision;

/*
 * Decides a login from its facts.  The set is checked in the order given and
 * the first role with a problem names the rejection; for each role: MISSING,
 * then (FROM_TEMPLATE only) TEMPLATE_PREDEFINED and TEMPLATE_LOGIN, since
 * templates may never yield a predefined or a LOGIN role, then its own flags
 * and name, then each ancestor's, both in the order of
 * autouser_core_forbidden_reason.  INVALID_INPUT for malformed input (or an
 * exception inside); out is then a rejection (REJECT_ROLE_INVALID), never an
 * admitting action.
 */
autouser_core_status autouser_core_decide(const autouser_core_decision_input *in,
										  autouser_core_decision *out) AUTOUSER_CORE_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif							/* PG_AUTOUSER_CORE_API_H */
