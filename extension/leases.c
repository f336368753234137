/*
 * leases.c -- owns autouser.standby_sessions on the primary (SPEC 10): the
 * sessions of managed roles that standbys report, each a lease that lapses
 * unless renewed.  A role with a live lease is in use: cleanup leaves it
 * alone.  A provisioning for a standby login takes a lease for its role in
 * the same transaction (pid 0), so no cleanup can slip in before the
 * standby's next report.  Roles whose last lease goes -- reported ended, or
 * lapsed -- are handed to the cleanup worker, which checks again under the
 * role's lock.  The caller is connected to SPI and in a transaction.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "guc.h"
#include "leases.h"
#include "run_as.h"
#include "sessions.h"

/* A lease outlives at least two reports, whatever the settings say. */
static int
lease_expiry_s(void)
{
	return Max(autouser_lease_expiry, 2 * autouser_lease_interval);
}

/* Whether a standby holds a session of role (by name) under a live lease. */
bool
autouser_leases_hold(const char *role)
{
	Oid   types[1] = {TEXTOID};
	Datum values[1];

	values[0] = CStringGetTextDatum(role);
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"SELECT FROM autouser.standby_sessions"
		" WHERE role OPERATOR(pg_catalog.=) $1"
		" AND expires_at OPERATOR(pg_catalog.>) pg_catalog.now() LIMIT 1",
		1, types, values, NULL, true);
	return SPI_processed > 0;
}

/* The lease a provisioning for a login on standby node takes for role. */
void
autouser_lease_take(const char *node, const char *role)
{
	Oid   types[3] = {TEXTOID, TEXTOID, INT4OID};
	Datum values[3];

	values[0] = CStringGetTextDatum(node);
	values[1] = CStringGetTextDatum(role);
	values[2] = Int32GetDatum(lease_expiry_s());
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"INSERT INTO autouser.standby_sessions AS t (node, pid, role, expires_at)"
		" VALUES ($1, 0, $2, pg_catalog.now() OPERATOR(pg_catalog.+)"
		" pg_catalog.make_interval(secs => $3))"
		" ON CONFLICT (node, instance, pid, role) DO UPDATE"
		" SET expires_at = GREATEST(t.expires_at, EXCLUDED.expires_at)",
		3, types, values, NULL, false);
}

/* Hands every role named in column 1 of the last result to cleanup. */
static int
enqueue_returned_roles(void)
{
	uint64 n = SPI_processed;
	int    queued = 0;

	for (uint64 i = 0; i < n; i++)
	{
		bool  isnull;
		Datum name = SPI_getbinval(SPI_tuptable->vals[i],
								   SPI_tuptable->tupdesc, 1, &isnull);
		Oid   role;

		if (isnull)
			continue;
		role = get_role_oid(TextDatumGetCString(name), true);
		if (!OidIsValid(role))
			continue;
		autouser_cleanup_enqueue(role, 0, 0);
		queued++;
	}
	return queued;
}

/*
 * Replaces what node reported in this server run (instance) with sessions
 * (a JSON array of objects: pid, role, database, backend_start, cert_serial,
 * cert_issuer, cert_not_after), every one leased anew; the leases taken by
 * provisionings (pid 0) are left to lapse, and so are those of another run
 * (a restart, or another standby under the same name).  Roles whose
 * reported sessions ended go to cleanup.  Returns how many sessions were
 * reported.
 */
int
autouser_leases_renew(const char *node, const char *instance, Jsonb *sessions)
{
	Oid   types[4] = {TEXTOID, JSONBOID, INT4OID, TEXTOID};
	Datum values[4];

	values[0] = CStringGetTextDatum(node);
	values[1] = JsonbPGetDatum(sessions);
	values[2] = Int32GetDatum(lease_expiry_s());
	values[3] = CStringGetTextDatum(instance);
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"DELETE FROM autouser.standby_sessions t"
		" WHERE t.node OPERATOR(pg_catalog.=) $1"
		" AND t.instance OPERATOR(pg_catalog.=) $4"
		" AND t.pid OPERATOR(pg_catalog.<>) 0"
		" AND NOT EXISTS (SELECT FROM pg_catalog.jsonb_to_recordset($2)"
		"   AS r(pid integer, role text)"
		"   WHERE r.pid OPERATOR(pg_catalog.=) t.pid"
		"   AND r.role OPERATOR(pg_catalog.=) t.role)"
		" RETURNING t.role",
		4, types, values, NULL, false);
	(void) enqueue_returned_roles();
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"INSERT INTO autouser.standby_sessions AS t"
		" (node, instance, pid, role, database, backend_start, cert_serial,"
		"  cert_issuer, cert_not_after, expires_at)"
		" SELECT $1, $4, r.pid, r.role, r.database, r.backend_start, r.cert_serial,"
		"  r.cert_issuer, r.cert_not_after,"
		"  pg_catalog.now() OPERATOR(pg_catalog.+) pg_catalog.make_interval(secs => $3)"
		" FROM pg_catalog.jsonb_to_recordset($2) AS r(pid integer, role text,"
		"  database text, backend_start timestamptz, cert_serial text,"
		"  cert_issuer text, cert_not_after timestamptz)"
		" WHERE r.pid OPERATOR(pg_catalog.>) 0 AND r.role IS NOT NULL"
		" ON CONFLICT (node, instance, pid, role) DO UPDATE"
		" SET expires_at = EXCLUDED.expires_at",
		4, types, values, NULL, false);
	return (int) SPI_processed;
}

/*
 * Deletes the leases that lapsed (a standby that stopped reporting: dead,
 * or cut off) and hands their roles to cleanup.  Returns how many roles.
 */
int
autouser_leases_expire(void)
{
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"DELETE FROM autouser.standby_sessions"
		" WHERE expires_at OPERATOR(pg_catalog.<=) pg_catalog.now()"
		" RETURNING role",
		0, NULL, NULL, NULL, false);
	return enqueue_returned_roles();
}
