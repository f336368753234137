/*
 * login.h -- the types a login's provisioning is made of, shared by the login
 * hook, the request queue, the workers and preview: what is asked (the
 * request), and what was decided (the decision, which is also the worker's
 * answer).  Plain fixed-size data: both live in shared memory.
 */
#ifndef AUTOUSER_LOGIN_H
#define AUTOUSER_LOGIN_H

#include "datatype/timestamp.h"

#define AUTOUSER_ATTRS_BYTES  4096 /* encoded certificate subject */
#define AUTOUSER_DETAIL_BYTES 256  /* server-log detail of a decision */

/* A login's identity, database and verified certificate subject. */
typedef struct AutouserRequest
{
	char identity[NAMEDATALEN];
	char database[NAMEDATALEN];
	int  subject;   /* AutouserSubject: whether attrs are usable */
	int  attrs_len; /* "name\0value\0..." */
	char attrs[AUTOUSER_ATTRS_BYTES];
} AutouserRequest;

/* What happens to a login: exactly one outcome, no side channel. */
typedef enum AutouserOutcome
{
	AUTOUSER_NONE = 0,   /* not ours: plain PostgreSQL goes on */
	AUTOUSER_ADMIT,      /* the role is ready: admit (fast path, or done) */
	AUTOUSER_CREATE,     /* needs a worker: create the role */
	AUTOUSER_REACTIVATE, /* needs a worker: LOGIN and memberships := set */
	/* refused, 28000 */
	AUTOUSER_REJECT_UNMANAGED,
	AUTOUSER_REJECT_NO_RULE,
	AUTOUSER_REJECT_ROLE_MISSING,
	AUTOUSER_REJECT_ROLE_FORBIDDEN,
	AUTOUSER_REJECT_ROLE_INVALID,
	AUTOUSER_REJECT_SET_CHANGED,
	AUTOUSER_REJECT_SUBJECT_UNREADABLE,
	AUTOUSER_REJECT_AMBIGUOUS_CN,
	/* cannot be provisioned now, 57P03 */
	AUTOUSER_UNAVAILABLE_NO_WORKERS,
	AUTOUSER_UNAVAILABLE_NO_DATABASE,
	AUTOUSER_UNAVAILABLE_NO_EXTENSION,
	AUTOUSER_UNAVAILABLE_STANDBY,
	AUTOUSER_UNAVAILABLE_TIMEOUT,
	AUTOUSER_UNAVAILABLE_BUSY, /* the role is locked by another transaction */
	AUTOUSER_UNAVAILABLE_FAILED
} AutouserOutcome;

typedef struct AutouserDecision
{
	AutouserOutcome outcome;
	Oid             role;    /* the identity's role, once it exists */
	int64           rule_id; /* first matching rule */
	int             reason; /* autouser_core_forbidden_reason, for FORBIDDEN */
	int             other_sessions;       /* for SET_CHANGED */
	char bad_role[AUTOUSER_DETAIL_BYTES]; /* the role a refusal names (or a
												 * template's bad expansion) */
	char via_role[NAMEDATALEN]; /* ... inherited from this one, if set */
	char detail[AUTOUSER_DETAIL_BYTES]; /* FAILED: the worker's error */
} AutouserDecision;

#define AutouserOutcomeIsReject(o) \
	((o) >= AUTOUSER_REJECT_UNMANAGED && (o) <= AUTOUSER_REJECT_AMBIGUOUS_CN)
#define AutouserOutcomeIsUnavailable(o) \
	((o) >= AUTOUSER_UNAVAILABLE_NO_WORKERS)
#define AutouserOutcomeNeedsWrite(o) \
	((o) == AUTOUSER_CREATE || (o) == AUTOUSER_REACTIVATE)

#endif /* AUTOUSER_LOGIN_H */
