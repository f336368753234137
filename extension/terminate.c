/*
 * terminate.c -- ends the sessions of managed roles whose access has ended,
 * the way pg_terminate_backend does (SIGTERM, then a bounded wait for the
 * backend to go): the role was deactivated, the rules took its roles away,
 * its certificate expired (a timer armed in the session itself at login,
 * and a backstop check by the cleanup worker), or its certificate was
 * revoked (the cleanup worker reads the server's revocation lists at every
 * reload, since PostgreSQL checks them only at the handshake).  In the
 * terminated backend, PostgreSQL's "terminating connection due to
 * administrator command" (57P01) becomes a message that says why; its exit
 * counts and records the end.  Who may end a session is the caller's
 * business.
 */
#include "postgres.h"

#include <signal.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "utils/elog.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timeout.h"

#include "cert_attrs.h"
#include "events.h"
#include "guc.h"
#include "stats.h"
#include "terminate.h"

#define AUTOUSER_TERMINATE_POLL_MS 10

static emit_log_hook_type prev_emit_log_hook = NULL;
static TimeoutId          expiry_timeout = MAX_TIMEOUTS;

/* In a backend pg_autouser terminates: say why in the 57P01 it reports. */
static void
explain_termination(ErrorData *edata)
{
	const char *message = NULL;

	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
	if (edata->elevel != FATAL || edata->sqlerrcode != ERRCODE_ADMIN_SHUTDOWN)
		return;
	switch (autouser_session_my_end_reason())
	{
		case AUTOUSER_END_NONE:
			return;
		case AUTOUSER_END_DEACTIVATE:
			message =
				"terminating connection because pg_autouser deactivated its role";
			break;
		case AUTOUSER_END_RULE_CHANGE:
			message =
				"terminating connection because the pg_autouser rules no longer grant its roles";
			break;
		case AUTOUSER_END_CERT_EXPIRED:
			message =
				"terminating connection because its client certificate expired";
			break;
		case AUTOUSER_END_CERT_REVOKED:
			message =
				"terminating connection because its client certificate was revoked";
			break;
	}
	edata->message = MemoryContextStrdup(ErrorContext, message);
}

void
autouser_terminate_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = explain_termination;
}

/*
 * A session of a managed role ended for reason (its exit callback): count
 * it and queue the event.  Never fails.
 */
void
autouser_session_ended(const char *identity, AutouserEndReason reason)
{
	const char     *detail = NULL;
	AutouserCounter counter = AUTOUSER_STAT_ENDED_DEACTIVATE;

	switch (reason)
	{
		case AUTOUSER_END_NONE:
			return;
		case AUTOUSER_END_DEACTIVATE:
			detail = "the role was deactivated";
			break;
		case AUTOUSER_END_RULE_CHANGE:
			detail =
				"rule change: the rules no longer grant what the session holds";
			counter = AUTOUSER_STAT_ENDED_RULE_CHANGE;
			break;
		case AUTOUSER_END_CERT_EXPIRED:
			detail = "certificate expired";
			counter = AUTOUSER_STAT_ENDED_EXPIRY;
			break;
		case AUTOUSER_END_CERT_REVOKED:
			detail = "certificate revoked";
			counter = AUTOUSER_STAT_ENDED_CRL;
			break;
	}
	autouser_stats_count(counter, 1);
	autouser_event_queue(AUTOUSER_EVENT_TERMINATE, identity, NULL, detail,
						 NULL);
}

/*
 * Timeout handler, in the session itself: its certificate's notAfter has
 * passed.  Dies as if pg_terminate_backend had been called.
 */
static void
certificate_expired(void)
{
	if (!autouser_enforce_expiry)
		return;
	autouser_session_mark_my_end(AUTOUSER_END_CERT_EXPIRED);
	ProcDiePending = true;
	InterruptPending = true;
	SetLatch(MyLatch);
}

/* Login side: end this session when its certificate expires. */
void
autouser_expiry_arm(TimestampTz not_after)
{
	if (not_after == 0)
		return;
	if (expiry_timeout == MAX_TIMEOUTS)
		expiry_timeout = RegisterTimeout(USER_TIMEOUT, certificate_expired);
	enable_timeout_at(expiry_timeout, not_after);
}

/* Whether pid is still a backend logged in as role (any role, if invalid). */
static bool
still_there(pid_t pid, Oid role)
{
	PGPROC *proc = BackendPidGetProc(pid);

	return proc != NULL && (!OidIsValid(role) || proc->roleId == role);
}

static void
signal_all(const pid_t *pids, int n)
{
	for (int k = 0; k < n; k++)
		if (still_there(pids[k], InvalidOid))
			(void) kill(pids[k], SIGTERM);
}

/*
 * Ends role's sessions (the counted ones, and any other backend logged in as
 * it), waiting up to wait_ms for them to go.  With started_before, only the
 * counted sessions that started before it.  Returns how many were
 * signalled.
 */
int
autouser_terminate_sessions(Oid role, AutouserEndReason reason, long wait_ms,
							TimestampTz started_before)
{
	int    max = MaxBackends;
	pid_t *pids = palloc(sizeof(pid_t) * max);
	int    n =
		autouser_sessions_mark_ending(role, reason, started_before, pids, max);
	TimestampTz deadline;

	/* Backends of the role that did not come through pg_autouser. */
	LWLockAcquire(ProcArrayLock, LW_SHARED);
	for (uint32 i = 0;
		 i < ProcGlobal->allProcCount && n < max && started_before == 0; i++)
	{
		PGPROC *proc = &ProcGlobal->allProcs[i];
		bool    known = false;

		if (proc->pid == 0 || proc->pid == MyProcPid || proc->roleId != role)
			continue;
		for (int k = 0; k < n && !known; k++)
			known = pids[k] == proc->pid;
		if (!known)
			pids[n++] = proc->pid;
	}
	LWLockRelease(ProcArrayLock);

	signal_all(pids, n);
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), wait_ms);
	for (int k = 0; k < n; k++)
	{
		while (still_there(pids[k], role) && GetCurrentTimestamp() < deadline)
		{
			(void) WaitLatch(MyLatch,
							 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 AUTOUSER_TERMINATE_POLL_MS, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
		}
	}
	return n;
}

/* Ends the counted sessions pids (of a role a rule change concerns). */
void
autouser_terminate_pids(const pid_t *pids, int n, AutouserEndReason reason)
{
	for (int k = 0; k < n; k++)
		(void) autouser_session_mark_pid(pids[k], reason);
	signal_all(pids, n);
}

/*
 * The cleanup worker's backstop for expiry (a session whose timer was not
 * armed: enforce_expiry turned on later): ends sessions whose certificate
 * has expired.  Returns how many.
 */
int
autouser_terminate_expired(void)
{
	int    max = MaxBackends;
	pid_t *pids;
	int    n;

	if (!autouser_enforce_expiry)
		return 0;
	pids = palloc(sizeof(pid_t) * max);
	n = autouser_sessions_mark_expired(GetCurrentTimestamp(),
									   AUTOUSER_END_CERT_EXPIRED, pids, max);
	signal_all(pids, n);
	pfree(pids);
	return n;
}

/* Appends the CRLs of one PEM file to crls; false if it cannot be read. */
static bool
read_crl_file(const char *path, STACK_OF(X509_CRL) * crls)
{
	FILE     *file = AllocateFile(path, "r");
	X509_CRL *crl;
	int       found = 0;

	if (file == NULL)
		return false;
	while ((crl = PEM_read_X509_CRL(file, NULL, NULL, NULL)) != NULL)
	{
		sk_X509_CRL_push(crls, crl);
		found++;
	}
	ERR_clear_error();
	FreeFile(file);
	return found > 0;
}

/* The server's revocation lists: ssl_crl_file, and every file in ssl_crl_dir. */
static STACK_OF(X509_CRL) * read_server_crls(void)
{
	STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
	const char *file = GetConfigOption("ssl_crl_file", false, false);
	const char *dir = GetConfigOption("ssl_crl_dir", false, false);

	if (file && file[0] && !read_crl_file(file, crls))
		ereport(
			LOG,
			(errmsg("pg_autouser could not read revocation list file \"%s\"",
					file)));
	if (dir && dir[0])
	{
		DIR           *d = AllocateDir(dir);
		struct dirent *de;

		while (d && (de = ReadDir(d, dir)) != NULL)
		{
			char        path[MAXPGPATH];
			struct stat st;

			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (de->d_name[0] != '.' && stat(path, &st) == 0 &&
				S_ISREG(st.st_mode))
				(void) read_crl_file(path, crls);
		}
		if (d)
			FreeDir(d);
	}
	return crls;
}

/*
 * Whether the certificate is on one of the lists: a list by its issuer
 * (the whole name) naming its serial (the whole number).
 */
static bool
is_revoked(STACK_OF(X509_CRL) * crls, const AutouserCert *cert)
{
	static const unsigned char none[AUTOUSER_DIGEST_BYTES] = {0};

	if (memcmp(cert->serial_digest, none, AUTOUSER_DIGEST_BYTES) == 0)
		return false;
	for (int i = 0; i < sk_X509_CRL_num(crls); i++)
	{
		X509_CRL *crl = sk_X509_CRL_value(crls, i);
		STACK_OF(X509_REVOKED) *entries = X509_CRL_get_REVOKED(crl);
		unsigned char issuer[AUTOUSER_DIGEST_BYTES];

		autouser_name_digest(X509_CRL_get_issuer(crl), issuer);
		if (memcmp(issuer, cert->issuer_digest, AUTOUSER_DIGEST_BYTES) != 0)
			continue;
		for (int k = 0; k < sk_X509_REVOKED_num(entries); k++)
		{
			unsigned char serial[AUTOUSER_DIGEST_BYTES];

			autouser_serial_digest(X509_REVOKED_get0_serialNumber(
									   sk_X509_REVOKED_value(entries, k)),
								   serial);
			if (memcmp(serial, cert->serial_digest, AUTOUSER_DIGEST_BYTES) ==
				0)
				return true;
		}
	}
	return false;
}

/*
 * The cleanup worker, at start and after every reload: the sessions whose
 * certificate is now on one of the server's revocation lists.  With
 * on_revoke = terminate they are ended; otherwise their roles are returned
 * (each once) for the caller to strip.  Returns how many sessions.
 */
int
autouser_terminate_revoked(List **roles_to_strip)
{
	STACK_OF(X509_CRL) *crls = read_server_crls();
	AutouserSessionRow *rows;
	int                 nrows = autouser_sessions_snapshot(&rows);
	pid_t              *pids = palloc(sizeof(pid_t) * Max(nrows, 1));
	int                 n = 0;
	bool terminate = autouser_on_revoke == AUTOUSER_ON_REVOKE_TERMINATE;

	*roles_to_strip = NIL;
	for (int i = 0; i < nrows && sk_X509_CRL_num(crls) > 0; i++)
	{
		if (!is_revoked(crls, &rows[i].cert))
			continue;
		if (!terminate)
		{
			*roles_to_strip =
				list_append_unique_oid(*roles_to_strip, rows[i].role);
			n++;
		}
		else if (autouser_session_mark_pid(rows[i].pid,
										   AUTOUSER_END_CERT_REVOKED))
			pids[n++] = rows[i].pid;
	}
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	if (terminate)
		signal_all(pids, n);
	pfree(pids);
	pfree(rows);
	return n;
}
