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
	AUTOUSER_CORE_IDENTITY_RESERVED = 5 /* starts with "pg_" */
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

/*
 * Evaluates an encoded rule set for one login.
 *
 * OK: out holds the union of the matching rules' roles, templates expanded,
 * sorted bytewise and de-duplicated, as *n_roles consecutive NUL-terminated
 * names.  NO_MATCH: no rule matched (*n_roles = 0).  INVALID_INPUT: the blob is
 * malformed, or a template expanded to something that cannot be a role name;
 * in the latter case out holds that expansion (cut to fit) and *n_roles = 1.
 * BUFFER_TOO_SMALL: *needed says how much out must hold.
 * matched_rule_id, if not NULL, receives the id of the first matching rule.
 */
autouser_core_status autouser_core_rules_evaluate(const char *blob, size_t blob_len,
												  const autouser_core_login *login, char *out,
												  size_t out_cap, size_t *needed, size_t *n_roles,
												  int64_t *matched_rule_id) AUTOUSER_CORE_NOEXCEPT;

/* Number of rules in an encoded blob, or -1 if it is malformed. */
int64_t		autouser_core_rules_count(const char *blob, size_t blob_len) AUTOUSER_CORE_NOEXCEPT;

/* ---------------------------------------------------------------------
 * Forbidden roles by name (SPEC 6).  Attribute checks (SUPERUSER, ...) and
 * inheritance need the catalogs and are done by the caller, which calls this
 * for the granted role and every role it inherits from.
 * ------------------------------------------------------------------- */
typedef struct
{
	autouser_core_str group_role;
	autouser_core_str admin_role;		  /* empty = none configured */
	const autouser_core_str *extra;		  /* pg_autouser.forbidden_roles */
	size_t		n_extra;
} autouser_core_forbidden_config;

/* 1 if the role may never be granted by a rule, else 0. */
int			autouser_core_forbidden_name(const autouser_core_forbidden_config *config,
										 const char *role, size_t len) AUTOUSER_CORE_NOEXCEPT;

/* ---------------------------------------------------------------------
 * The login decision table (SPEC 5, steps 2-7; step 1 is check_identity)
 * ------------------------------------------------------------------- */
typedef enum
{
	AUTOUSER_CORE_SET_OK = 0,
	AUTOUSER_CORE_SET_MISSING = 1,	 /* a role of the set does not exist */
	AUTOUSER_CORE_SET_FORBIDDEN = 2, /* a role of the set may not be granted */
	AUTOUSER_CORE_SET_INVALID = 3	 /* a template expanded to a non-name */
} autouser_core_set_check;

typedef struct
{
	int32_t		rules_matched;	/* 0 or 1 */
	int32_t		role_exists;
	int32_t		role_managed;	/* member of the group role */
	int32_t		role_can_login; /* rolcanlogin */
	int32_t		other_sessions; /* live sessions of the role, not this one */
	int32_t		set_check;		/* autouser_core_set_check */
	int32_t		set_equal;		/* memberships (less the group) == the set */
} autouser_core_login_facts;

typedef enum
{
	AUTOUSER_CORE_ACTION_NONE = 0,		 /* not ours: plain PostgreSQL goes on */
	AUTOUSER_CORE_ACTION_ADMIT = 1,		 /* fast path: no write needed */
	AUTOUSER_CORE_ACTION_CREATE = 2,	 /* create the role */
	AUTOUSER_CORE_ACTION_REACTIVATE = 3, /* LOGIN + memberships := set */
	AUTOUSER_CORE_ACTION_REJECT_UNMANAGED = 10,
	AUTOUSER_CORE_ACTION_REJECT_NO_RULE = 11,
	AUTOUSER_CORE_ACTION_REJECT_ROLE_MISSING = 12,
	AUTOUSER_CORE_ACTION_REJECT_ROLE_FORBIDDEN = 13,
	AUTOUSER_CORE_ACTION_REJECT_ROLE_INVALID = 14,
	AUTOUSER_CORE_ACTION_REJECT_SET_CHANGED = 15
} autouser_core_action;

autouser_core_action autouser_core_decide(const autouser_core_login_facts *facts)
	AUTOUSER_CORE_NOEXCEPT;

/* 1 if the action writes the catalogs (needs a worker), else 0. */
int			autouser_core_action_needs_write(autouser_core_action action) AUTOUSER_CORE_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif							/* PG_AUTOUSER_CORE_API_H */
