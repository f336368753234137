/*
 * auth_hook.c -- the login path, top to bottom: the ClientAuthentication_hook
 * filters logins, reads the verified certificate, decides from the published
 * rules and the shared catalogs (the fast path), hands anything that needs a
 * write to a worker and waits for its answer (bounded, interruptible), then
 * admits or refuses.  Never writes a catalog itself: no database is selected
 * yet at this point.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xlog.h"
#include "catalog/pg_authid.h"
#include "libpq/auth.h"
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/condition_variable.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/inval.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "ask.h"
#include "auth_hook.h"
#include "cert_attrs.h"
#include "compat.h"
#include "events.h"
#include "guc.h"
#include "managed.h"
#include "plan.h"
#include "queue.h"
#include "report.h"
#include "role_lock.h"
#include "rules_cache.h"
#include "sessions.h"
#include "shmem.h"
#include "stats.h"
#include "terminate.h"
#include "workers.h"

static ClientAuthentication_hook_type prev_client_auth_hook = NULL;

/* The hba line made PostgreSQL check the user name against the CN. */
static bool
cn_bound_to_user(const HbaLine *hba)
{
	if (hba == NULL || hba->clientcertname != clientCertCN)
		return false;
	return hba->auth_method == uaCert || hba->clientcert == clientCertFull;
}

/* A login pg_autouser provisions: a verified certificate whose CN is the user name. */
static bool
certificate_login(const Port *port)
{
	return port->peer_cert_valid && port->peer_cn != NULL &&
		   cn_bound_to_user(port->hba) &&
		   strcmp(port->user_name, port->peer_cn) == 0;
}

/*
 * PostgreSQL cut the requested user name to 63 bytes and the cert check
 * failed; say why instead of leaving a bare CN mismatch.
 */
static void
explain_long_cn(Port *port)
{
	if (port->peer_cert_valid && port->peer_cn &&
		cn_bound_to_user(port->hba) && strlen(port->peer_cn) >= NAMEDATALEN &&
		strncmp(port->peer_cn, port->user_name, NAMEDATALEN - 1) == 0)
		autouser_report_identity(FATAL,
								 ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
								 AUTOUSER_IDENTITY_TOO_LONG, port->peer_cn);
}

/* Admits, or raises what the decision stands for; counts it either way. */
static void
conclude(const AutouserRequest *request, const AutouserDecision *decision)
{
	autouser_stats_outcome(decision->outcome);
	autouser_report(FATAL, request, decision);
}

/*
 * A login that waits for a worker holds its connection slot meanwhile; it
 * may not take one of the slots reserved for superusers, which PostgreSQL
 * itself checks only after authentication.
 */
static void
check_reserved_slots(const AutouserRequest *request)
{
	int reserved = AutouserReservedConnections();

	if (reserved > 0 && !autouser_have_free_procs(reserved))
		ereport(
			FATAL,
			(errcode(ERRCODE_TOO_MANY_CONNECTIONS),
			 errmsg("remaining connection slots are reserved for superusers"),
			 errdetail_log(
				 "Role \"%s\" would have waited for provisioning in one of the superuser_reserved_connections slots.",
				 request->identity)));
}

/*
 * The fast path: decide from the published rules and the catalogs alone.
 * Returns true when the login is settled (admitted, or not ours), false
 * when a worker must decide; a refusal does not return.  The role's lock,
 * tried shared and never waited for, keeps a cleanup from starting between
 * the decision and this backend being counted as a session of the role; if
 * a writer holds it, a worker decides after that writer has committed.
 */
static bool
decided_here(Port *port, AutouserRequest *request, const AutouserEval *eval,
			 const AutouserRulesOwners *owners)
{
	AutouserDecision decision;

	if (!autouser_lock_role(request->identity, ShareLock, false))
		return false;
	autouser_plan(request, eval, owners, false, &decision, NULL);
	switch (decision.outcome)
	{
		case AUTOUSER_NONE:
			autouser_unlock_role(request->identity, ShareLock);
			return true;
		case AUTOUSER_ADMIT:
			autouser_cert_facts(port, &request->cert);
			autouser_session_start(decision.role, request);
			autouser_unlock_role(request->identity, ShareLock);
			autouser_expiry_arm(request->cert.not_after);
			autouser_stats_count(AUTOUSER_STAT_FAST_PATH, 1);
			autouser_stats_outcome(AUTOUSER_ADMIT);
			autouser_event_queue(AUTOUSER_EVENT_LOGIN, request->identity,
								 request->database, NULL, &request->cert);
			return true;
		case AUTOUSER_CREATE:
		case AUTOUSER_REACTIVATE:
		case AUTOUSER_UPDATE:
			autouser_unlock_role(request->identity, ShareLock);
			return false;
		default:
			autouser_unlock_role(request->identity, ShareLock);
			autouser_event_queue(
				AUTOUSER_EVENT_REJECT, request->identity, request->database,
				autouser_decision_detail(request, &decision), NULL);
			conclude(request, &decision);
			return false; /* not reached */
	}
}

/* The role a worker made ready: make it visible here and check it. */
static void
admit_provisioned(const AutouserRequest  *request,
				  const AutouserDecision *answer)
{
	AutouserDecision failed;

	/* Without this, a stale negative syscache entry says "role does not exist". */
	AcceptInvalidationMessages();
	autouser_stats_outcome(answer->outcome);
	if (SearchSysCacheExists1(AUTHNAME, CStringGetDatum(request->identity)))
	{
		/* The worker counted this session; it ends when the certificate does. */
		autouser_expiry_arm(request->cert.not_after);
		return;
	}
	memset(&failed, 0, sizeof(failed));
	failed.outcome = AUTOUSER_UNAVAILABLE_FAILED;
	strlcpy(failed.detail, "The provisioned role is not visible to the login.",
			AUTOUSER_DETAIL_BYTES);
	conclude(request, &failed);
}

/*
 * An existing role pg_autouser does not manage: left alone while the
 * extension is inert.  Asked only there, as it costs a catalog scan.
 */
static bool
role_is_unmanaged(Oid role)
{
	return OidIsValid(role) &&
		   !autouser_role_is_managed(role, autouser_group_role_oid());
}

static void
provision(Port *port, Oid role)
{
	AutouserRequest     request;
	AutouserEval        eval;
	AutouserRulesOwners owners;
	AutouserRulesState  state;
	AutouserDecision    decision;
	bool                stale;
	bool                evaluated;

	memset(&request, 0, sizeof(request));
	strlcpy(request.identity, port->peer_cn, NAMEDATALEN);
	strlcpy(request.database, port->database_name, NAMEDATALEN);
	memset(&decision, 0, sizeof(decision));

	/*
	 * Inert (no extension, or its database is gone): an unmanaged role logs
	 * in as in plain PostgreSQL, and nothing is read from its certificate.
	 */
	state = autouser_rules_published_state(&stale);
	if (!stale && (state == AUTOUSER_RULES_NO_EXTENSION ||
				   state == AUTOUSER_RULES_NO_DATABASE))
	{
		if (role_is_unmanaged(role))
			return;
		decision.outcome = state == AUTOUSER_RULES_NO_EXTENSION
							   ? AUTOUSER_UNAVAILABLE_NO_EXTENSION
							   : AUTOUSER_UNAVAILABLE_NO_DATABASE;
		conclude(&request, &decision);
	}

	request.subject = autouser_cert_attrs(
		port, request.attrs, AUTOUSER_ATTRS_BYTES, &request.attrs_len);
	evaluated =
		autouser_rules_evaluate_published(&request, &eval, &owners, &state);
	if (evaluated && decided_here(port, &request, &eval, &owners))
		return;

	/* Needs a write, or the rules here are not current: a worker decides. */
	decision.outcome = autouser_workers_unreachable(false);
	if (decision.outcome != AUTOUSER_ADMIT)
	{
		/* Never loaded any rules: inert, so an unmanaged role is left alone. */
		if (!evaluated && role_is_unmanaged(role))
			return;
		conclude(&request, &decision);
	}
	check_reserved_slots(&request);
	autouser_cert_facts(port, &request.cert);
	autouser_session_prepare(); /* the worker counts this backend */
	autouser_ask_workers(&request, &decision);
	switch (decision.outcome)
	{
		case AUTOUSER_NONE:
			return;
		case AUTOUSER_ADMIT:
		case AUTOUSER_CREATE:
		case AUTOUSER_REACTIVATE:
		case AUTOUSER_UPDATE:
			admit_provisioned(&request, &decision);
			return;
		case AUTOUSER_UNAVAILABLE_NO_EXTENSION:
			if (role_is_unmanaged(role))
				return;
			conclude(&request, &decision);
			return;
		default:
			conclude(&request, &decision);
	}
}

/*
 * Every login passes here once authentication has succeeded.  A login that
 * is not a certificate login pg_autouser provisions costs two syscache
 * look-ups (is its role managed?) and touches no shared memory.
 */
static void
autouser_client_auth(Port *port, int status)
{
	Oid                     role;
	AutouserIdentityProblem problem;

	if (prev_client_auth_hook)
		prev_client_auth_hook(port, status);
	if (!autouser_enabled || IsBinaryUpgrade || !autouser_shmem_ready())
		return;
	if (status != STATUS_OK)
	{
		explain_long_cn(port);
		return;
	}

	role = autouser_role_oid(port->user_name);
	/* Superusers and the admin role are plain PostgreSQL's, always. */
	if (OidIsValid(role) && autouser_role_is_exempt(role))
		return;
	if (!certificate_login(port))
	{
		/* A managed role logs in only with its certificate (SPEC 5). */
		if (OidIsValid(role) && autouser_role_is_recorded(role))
			ereport(
				FATAL,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg(
					 "role \"%s\" is managed by pg_autouser and logs in only with its certificate",
					 port->user_name),
				 errdetail_log(
					 "Connection matched pg_hba.conf line %d, which does not authenticate the role by a certificate whose CN is the user name.",
					 port->hba ? port->hba->linenumber : 0)));
		return;
	}

	problem = autouser_identity_problem(port->peer_cn, strlen(port->peer_cn));
	if (problem != AUTOUSER_IDENTITY_OK)
	{
		/* An existing unmanaged role keeps plain certificate auth. */
		if (OidIsValid(role) &&
			!autouser_role_is_managed(role, autouser_group_role_oid()))
			return;
		autouser_report_identity(FATAL,
								 ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION,
								 problem, port->peer_cn);
	}
	provision(port, role);
}

void
autouser_auth_hook_init(void)
{
	prev_client_auth_hook = ClientAuthentication_hook;
	ClientAuthentication_hook = autouser_client_auth;
}
