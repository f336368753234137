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

#define AUTOUSER_ISSUER_BYTES 256 /* issuer DN, RFC 2253 */
#define AUTOUSER_SERIAL_BYTES 130 /* serial number, hex (64 octets) */
#define AUTOUSER_NODE_BYTES   128 /* a standby's name (pg_autouser.node_name) */

#define AUTOUSER_DIGEST_BYTES 32 /* SHA-256 */

/*
 * Which certificate a login presented (for expiry and revocation).  The
 * texts are for people and may be cut short; revocation compares the
 * digests of the issuer name's and the serial's DER encodings, whole.
 */
typedef struct AutouserCert
{
	char          issuer[AUTOUSER_ISSUER_BYTES];
	char          serial[AUTOUSER_SERIAL_BYTES];
	TimestampTz   not_after;
	unsigned char issuer_digest[AUTOUSER_DIGEST_BYTES];
	unsigned char serial_digest[AUTOUSER_DIGEST_BYTES];
} AutouserCert;

typedef enum AutouserSubject
{
	AUTOUSER_SUBJECT_OK = 0,
	AUTOUSER_SUBJECT_UNREADABLE, /* too big, or a value that is not text */
	AUTOUSER_SUBJECT_AMBIGUOUS_CN /* several CNs, or a CN in a multi-valued RDN */
} AutouserSubject;

/* A login's identity, database and verified certificate subject. */
typedef struct AutouserRequest
{
	char         identity[NAMEDATALEN];
	char         database[NAMEDATALEN];
	AutouserCert cert;
	int          subject;   /* AutouserSubject: whether attrs are usable */
	int          attrs_len; /* "name\0value\0..." */
	char         attrs[AUTOUSER_ATTRS_BYTES];
	/* Asked by this standby through the primary's function; "" = a login here. */
	char        node[AUTOUSER_NODE_BYTES];
	TimestampTz deadline; /* when the asker stops waiting */
} AutouserRequest;

/* What happens to a login: exactly one outcome, no side channel. */
typedef enum AutouserOutcome
{
	AUTOUSER_NONE = 0,   /* not ours: plain PostgreSQL goes on */
	AUTOUSER_ADMIT,      /* the role is ready: admit (fast path, or done) */
	AUTOUSER_CREATE,     /* needs a worker: create the role */
	AUTOUSER_REACTIVATE, /* needs a worker: LOGIN and memberships := set */
	AUTOUSER_UPDATE,     /* needs a worker: the rules changed the set of a
						  * role in use; memberships := set */
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
	AUTOUSER_UNAVAILABLE_PRIMARY, /* a standby could not reach its primary */
	AUTOUSER_UNAVAILABLE_LAG, /* ... or did not replay its answer in time */
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
	int             other_sessions;         /* for SET_CHANGED */
	char   bad_role[AUTOUSER_DETAIL_BYTES]; /* the role a refusal names (or a
												 * template's bad expansion) */
	char   via_role[NAMEDATALEN]; /* ... inherited from this one, if set */
	char   detail[AUTOUSER_DETAIL_BYTES]; /* FAILED: the worker's error */
	char   primary[AUTOUSER_NODE_BYTES];  /* PRIMARY: the one not reached */
	uint64 commit_lsn; /* end of the worker's commit, 0 if it wrote nothing */
} AutouserDecision;

#define AutouserOutcomeIsReject(o) \
	((o) >= AUTOUSER_REJECT_UNMANAGED && (o) <= AUTOUSER_REJECT_AMBIGUOUS_CN)
#define AutouserOutcomeIsUnavailable(o) \
	((o) >= AUTOUSER_UNAVAILABLE_NO_WORKERS)
#define AutouserOutcomeNeedsWrite(o)                         \
	((o) == AUTOUSER_CREATE || (o) == AUTOUSER_REACTIVATE || \
	 (o) == AUTOUSER_UPDATE)

#endif /* AUTOUSER_LOGIN_H */
