/*
 * rules_cache.c -- owns the published rules in shared memory: the encoded
 * blob, the owners the forbidden list needs, and the change count that says
 * whether they are current.  The count is bumped when a change of
 * autouser.rules commits (COMMIT PREPARED included: a prepared transaction
 * that changed them is remembered and counted once it is no longer in
 * progress), and when the extension, its database, schema or rules table
 * is dropped or altered (a new owner, a new name).  Logins evaluate the
 * blob in place only when it reflects the current count.
 * Reads the table through run_as.c; knows nothing of what rules mean.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/twophase.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_database.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "core_bridge.h"
#include "guc.h"
#include "rule_options.h"
#include "rules_cache.h"
#include "schema_trust.h"
#include "shmem.h"
#include "workers.h"

typedef struct AutouserRules
{
	pg_atomic_uint64 change_count; /* bumped by every committed change */
	pg_atomic_uint32 nprepared;    /* used entries of prepared[] */
	/* the rest under the rules lock */
	uint64              loaded_count; /* change count the blob reflects */
	AutouserRulesState  state;
	AutouserRulesOwners owners;
	int                 inert_logged; /* why it was logged; 0: not yet */
	Size                len;
	int                 max_prepared; /* max_prepared_transactions */
	TransactionId *prepared; /* prepared transactions that changed rules */
	char          *blob;     /* AUTOUSER_RULES_BYTES */
} AutouserRules;

static AutouserRules          *rules = NULL;
static object_access_hook_type prev_object_access_hook = NULL;
static bool                    xact_callback_registered = false;
static bool                    rules_changed_in_xact = false;

Size
autouser_rules_shmem_size(void)
{
	Size size = MAXALIGN(sizeof(AutouserRules));

	size = add_size(size, MAXALIGN(mul_size(Max(max_prepared_xacts, 1),
											sizeof(TransactionId))));
	return add_size(size, AUTOUSER_RULES_BYTES);
}

void
autouser_rules_shmem_startup(void)
{
	bool  found;
	char *base;

	base = ShmemInitStruct("pg_autouser rules", autouser_rules_shmem_size(),
						   &found);
	rules = (AutouserRules *) base;
	if (found)
		return;
	memset(rules, 0, sizeof(AutouserRules));
	pg_atomic_init_u64(&rules->change_count, 1);
	pg_atomic_init_u32(&rules->nprepared, 0);
	rules->state = AUTOUSER_RULES_UNKNOWN;
	rules->max_prepared = max_prepared_xacts;
	base += MAXALIGN(sizeof(AutouserRules));
	rules->prepared = (TransactionId *) base;
	base +=
		MAXALIGN(mul_size(Max(max_prepared_xacts, 1), sizeof(TransactionId)));
	rules->blob = base;
}

/*
 * Whether the schema is 1.1's: a 1.0 schema, still there until ALTER
 * EXTENSION pg_autouser UPDATE, has no certificate columns in user_state
 * and no update or terminate events, and no standby_sessions.
 */
bool
autouser_schema_is_current(void)
{
	Oid namespace = autouser_extension_namespace();
	Oid table = OidIsValid(namespace)
					? get_relname_relid("user_state", namespace)
					: InvalidOid;

	return OidIsValid(table) &&
		   get_attnum(table, "cert_not_after") != InvalidAttrNumber;
}

/*
 * Whether the extension is created here and schema autouser is its own
 * (schema_trust.c): whether to act.  Never, when connected to no database.
 */
bool
autouser_extension_exists(void)
{
	return autouser_schema_state(NULL) == AUTOUSER_SCHEMA_OWN;
}

/*
 * The owners the forbidden list needs, as this database has them now: the
 * caller is connected to pg_autouser.database.
 */
void
autouser_rules_owners_now(AutouserRulesOwners *owners)
{
	/* Fresh: a worker woken by a new owner's commit must see it. */
	HeapTuple tuple =
		autouser_fresh_catalog_row(DatabaseRelationId, DatabaseOidIndexId,
								   Anum_pg_database_oid, MyDatabaseId);

	owners->database_owner =
		HeapTupleIsValid(tuple) ? ((Form_pg_database) GETSTRUCT(tuple))->datdba
								: InvalidOid;
	owners->extension_owner = autouser_extension_owner();
}

/*
 * A row written past add_rule's checks that the core cannot encode is left
 * out (and logged), so one bad row cannot take every other rule down.  Its
 * options are read here too (into row->options): the trigger checked them
 * when the row was written, but a setting may have changed since.
 */
static bool
rule_is_usable(AutouserRuleRow *row, Jsonb *options)
{
	bool usable =
		row->identity != NULL && row->database != NULL &&
		autouser_pattern_problem(row->identity) == AUTOUSER_PATTERN_OK &&
		autouser_pattern_problem(row->database) == AUTOUSER_PATTERN_OK &&
		(row->cert_ou == NULL ||
		 autouser_pattern_problem(row->cert_ou) == AUTOUSER_PATTERN_OK);

	for (int r = 0; usable && r < row->nroles; r++)
		usable = autouser_role_entry_kind(row->roles[r]) !=
				 AUTOUSER_ROLE_ENTRY_INVALID;
	if (usable && options != NULL)
		usable = autouser_rule_options_read(options, false, &row->options);
	if (!usable)
		ereport(
			LOG,
			(errmsg("pg_autouser ignores rule %lld because it is not valid",
					(long long) row->id),
			 errdetail(
				 "Its identity, database or cert_ou pattern, a role entry or its options would be refused by autouser.add_rule().")));
	return usable;
}

/* Whether autouser.rules has the options column (a 1.0 schema has not). */
bool
autouser_rules_have_options(void)
{
	Oid namespace = get_namespace_oid("autouser", true);
	Oid table = OidIsValid(namespace) ? get_relname_relid("rules", namespace)
									  : InvalidOid;

	return OidIsValid(table) &&
		   get_attnum(table, "options") != InvalidAttrNumber;
}

/*
 * Enabled, usable rules in id order, encoded, as actor sees them.  Caller is
 * connected to SPI.  Unless read_only, the read takes a new snapshot: it
 * sees every change committed before the call.
 */
char *
autouser_rules_read(AutouserActor actor, bool read_only, Size *len)
{
	List *rows = NIL;

	(void) autouser_sql(actor,
						autouser_rules_have_options()
							? "SELECT id, identity, database, cert_ou, roles,"
							  " options FROM autouser.rules WHERE enabled"
							  " ORDER BY id"
							: "SELECT id, identity, database, cert_ou, roles,"
							  " NULL::pg_catalog.jsonb FROM autouser.rules"
							  " WHERE enabled ORDER BY id",
						0, NULL, NULL, NULL, read_only);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple        tuple = SPI_tuptable->vals[i];
		TupleDesc        desc = SPI_tuptable->tupdesc;
		AutouserRuleRow *row = palloc0(sizeof(AutouserRuleRow));
		bool             isnull;
		Datum            roles;
		Datum            options;

		row->id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
		row->identity = SPI_getvalue(tuple, desc, 2);
		row->database = SPI_getvalue(tuple, desc, 3);
		row->cert_ou = SPI_getvalue(tuple, desc, 4);
		roles = SPI_getbinval(tuple, desc, 5, &isnull);
		if (!isnull)
		{
			Datum *elems;
			bool  *nulls;
			int    n;

			deconstruct_array(DatumGetArrayTypeP(roles), TEXTOID, -1, false,
							  TYPALIGN_INT, &elems, &nulls, &n);
			row->roles = palloc0(sizeof(char *) * Max(n, 1));
			for (int r = 0; r < n; r++)
				if (!nulls[r])
					row->roles[row->nroles++] = TextDatumGetCString(elems[r]);
		}
		options = SPI_getbinval(tuple, desc, 6, &isnull);
		if (rule_is_usable(row, isnull ? NULL : DatumGetJsonbP(options)))
			rows = lappend(rows, row);
	}
	return autouser_rules_encode(rows, len);
}

/*
 * Caller holds the rules lock exclusively: forgets the remembered prepared
 * transactions that have ended (committed or rolled back: either way the
 * rules must be read again) and counts them as one change.
 */
static void
forget_ended_prepared(void)
{
	int n = (int) pg_atomic_read_u32(&rules->nprepared);
	int ended = 0;

	for (int i = 0; i < n;)
	{
		if (TransactionIdIsInProgress(rules->prepared[i]))
			i++;
		else
		{
			rules->prepared[i] = rules->prepared[--n];
			ended++;
		}
	}
	pg_atomic_write_u32(&rules->nprepared, n);
	if (ended > 0)
		pg_atomic_fetch_add_u64(&rules->change_count, 1);
}

/*
 * The change count as of now: a copy of the rules that reflects it is
 * current.  Changes become visible before they are counted, so a snapshot
 * taken after reading the count sees every change it includes.
 */
uint64
autouser_rules_change_count(void)
{
	if (pg_atomic_read_u32(&rules->nprepared) > 0)
	{
		autouser_lock(AUTOUSER_LOCK_RULES, LW_EXCLUSIVE);
		forget_ended_prepared();
		autouser_unlock(AUTOUSER_LOCK_RULES);
	}
	return pg_atomic_read_u64(&rules->change_count);
}

static void
remember_prepared(TransactionId xid)
{
	int  n;
	bool known = false;
	bool full = false;

	autouser_lock(AUTOUSER_LOCK_RULES, LW_EXCLUSIVE);
	forget_ended_prepared();
	n = (int) pg_atomic_read_u32(&rules->nprepared);
	for (int i = 0; i < n; i++)
		known |= TransactionIdEquals(rules->prepared[i], xid);
	if (!known && n < rules->max_prepared)
	{
		rules->prepared[n] = xid;
		pg_atomic_write_u32(&rules->nprepared, n + 1);
	}
	else if (!known)
		full = true;
	autouser_unlock(AUTOUSER_LOCK_RULES);
	/* Only when max_prepared_transactions are prepared already: PREPARE fails anyway. */
	if (full)
		ereport(
			ERROR,
			(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
			 errmsg("too many prepared transactions change autouser.rules"),
			 errhint(
				 "Commit or roll back prepared transactions, or raise max_prepared_transactions.")));
}

/*
 * Worker side, at start (shared memory may be new after a restart, prepared
 * transactions are not): remember every prepared transaction of this
 * database, since any of them may have changed the rules.
 */
void
autouser_rules_register_prepared(void)
{
	(void) autouser_sql(
		AUTOUSER_AS_OWNER,
		"SELECT transaction::text FROM pg_catalog.pg_prepared_xacts"
		" WHERE database OPERATOR(pg_catalog.=) pg_catalog.current_database()",
		0, NULL, NULL, NULL, true);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char *xid =
			SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		remember_prepared((TransactionId) strtoul(xid, NULL, 10));
	}
}

/*
 * Publish a blob that reflects every rule change counted up to change_count.
 * A publication older than the current one is dropped, so two workers
 * reloading at once cannot roll the rules back.
 */
void
autouser_rules_publish(AutouserRulesState state, const char *blob, Size len,
					   const AutouserRulesOwners *owners, uint64 change_count)
{
	if (state == AUTOUSER_RULES_LOADED && len > AUTOUSER_RULES_BYTES)
		state = AUTOUSER_RULES_TOO_BIG;
	autouser_lock(AUTOUSER_LOCK_RULES, LW_EXCLUSIVE);
	if (change_count >= rules->loaded_count)
	{
		rules->state = state;
		rules->loaded_count = change_count;
		rules->len = state == AUTOUSER_RULES_LOADED ? len : 0;
		if (owners)
			rules->owners = *owners;
		if (state == AUTOUSER_RULES_LOADED)
			memcpy(rules->blob, blob, len);
		if (state == AUTOUSER_RULES_LOADED)
			rules->inert_logged = 0;
	}
	autouser_unlock(AUTOUSER_LOCK_RULES);
}

/*
 * A copy of the published rules in context, or NULL when none are loaded
 * (or they were too big to publish).
 */
char *
autouser_rules_copy_published(MemoryContext context, Size *len)
{
	char *copy = NULL;

	*len = 0;
	autouser_lock(AUTOUSER_LOCK_RULES, LW_SHARED);
	if (rules->state == AUTOUSER_RULES_LOADED)
	{
		/* No palloc under an LWLock: the size is fixed, so allocate it first. */
		Size n = rules->len;

		autouser_unlock(AUTOUSER_LOCK_RULES);
		copy = MemoryContextAlloc(context, Max(n, 1));
		autouser_lock(AUTOUSER_LOCK_RULES, LW_SHARED);
		if (rules->state == AUTOUSER_RULES_LOADED && rules->len == n)
		{
			memcpy(copy, rules->blob, n);
			*len = n;
		}
		else
		{
			pfree(copy);
			copy = NULL;
		}
	}
	autouser_unlock(AUTOUSER_LOCK_RULES);
	return copy;
}

/* What is published, and whether a rule change has been counted since. */
AutouserRulesState
autouser_rules_published_state(bool *stale)
{
	uint64             changes = autouser_rules_change_count();
	AutouserRulesState state;

	autouser_lock(AUTOUSER_LOCK_RULES, LW_SHARED);
	state = rules->state;
	*stale = rules->loaded_count != changes;
	autouser_unlock(AUTOUSER_LOCK_RULES);
	return state;
}

/*
 * Evaluates a login against the published rules where they lie, without
 * copying them: with thousands of rules a copy would fault in hundreds of
 * fresh pages in every new backend.  The rules lock is held shared for the
 * evaluation itself -- pure computation in the core, no palloc or ereport --
 * which is longer than the "copy only" rule for LWLocks elsewhere; other
 * logins share it, and only a republication waits.  Returns false when the
 * published rules cannot decide (not loaded, not current, too big): ask a
 * worker.  *state says what is published; a state that is not current is
 * reported as UNKNOWN.
 */
bool
autouser_rules_evaluate_published(const AutouserRequest *request,
								  AutouserEval          *eval,
								  AutouserRulesOwners   *owners,
								  AutouserRulesState    *state)
{
	AutouserEvalJob *job =
		autouser_eval_prepare(request->identity, request->database,
							  request->attrs, request->attrs_len);
	uint64 changes = autouser_rules_change_count();
	bool   current;

	for (;;)
	{
		autouser_lock(AUTOUSER_LOCK_RULES, LW_SHARED);
		current = rules->loaded_count == changes;
		*state = current ? rules->state : AUTOUSER_RULES_UNKNOWN;
		*owners = rules->owners;
		if (*state == AUTOUSER_RULES_LOADED)
			autouser_eval_run(job, rules->blob, rules->len);
		autouser_unlock(AUTOUSER_LOCK_RULES);
		if (*state != AUTOUSER_RULES_LOADED)
			return false;
		if (autouser_eval_finish(job, eval))
			return true;
	}
}

/*
 * True once per inert period and reason (why, not 0): whether to log why
 * nothing is provisioned.
 */
bool
autouser_rules_log_inert_once(int why)
{
	bool first;

	autouser_lock(AUTOUSER_LOCK_RULES, LW_EXCLUSIVE);
	first = rules->inert_logged != why;
	rules->inert_logged = why;
	autouser_unlock(AUTOUSER_LOCK_RULES);
	return first;
}

static void
rules_xact_callback(XactEvent event, void *arg)
{
	if (!rules_changed_in_xact)
		return;
	switch (event)
	{
		case XACT_EVENT_PRE_PREPARE:
			/* Counted when it ends: COMMIT PREPARED runs no callback here. */
			remember_prepared(GetTopTransactionId());
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			/* Visible now: every copy older than this is stale. */
			pg_atomic_fetch_add_u64(&rules->change_count, 1);
			rules_changed_in_xact = false;
			/* Provisioners republish; the cleanup worker applies it to sessions. */
			autouser_wake_all_workers();
			break;
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			rules_changed_in_xact = false;
			break;
		default:
			break;
	}
}

/* The rules (or what they depend on) change in this transaction: count it. */
void
autouser_rules_changed(void)
{
	if (!autouser_shmem_ready())
		return;
	if (!xact_callback_registered)
	{
		RegisterXactCallback(rules_xact_callback, NULL);
		xact_callback_registered = true;
	}
	rules_changed_in_xact = true;
}

/* Whether the object is the extension, its database, schema or rules. */
static bool
rules_depend_on(Oid classId, Oid objectId, int subId)
{
	char *name;
	Oid   owner;
	Oid namespace;

	switch (classId)
	{
		case ExtensionRelationId:
			name = get_extension_name(objectId);
			return name && strcmp(name, "pg_autouser") == 0;
		case DatabaseRelationId:
			name = get_database_name(objectId);
			return name && autouser_database &&
				   strcmp(name, autouser_database) == 0;
		case NamespaceRelationId:
			name = get_namespace_name(objectId);
			return (name && strcmp(name, "autouser") == 0) ||
				   (OidIsValid(MyDatabaseId) &&
					OidIsValid(autouser_extension_row(&owner, &namespace)) &&
					namespace == objectId);
		case RelationRelationId:
			if (subId != 0 || !OidIsValid(MyDatabaseId) ||
				!OidIsValid(autouser_extension_row(&owner, &namespace)))
				return false;
			name = get_rel_name(objectId);
			return name && strcmp(name, "rules") == 0 &&
				   get_rel_namespace(objectId) == namespace;
		default:
			return false;
	}
}

/*
 * What fires no trigger on autouser.rules but changes what the rules mean
 * counts as a rule change too: DROP EXTENSION pg_autouser and DROP
 * DATABASE, so that no login is judged by rules that are gone, and any
 * ALTER of the extension, its database, its schema or the rules table (a
 * new owner by ALTER ... OWNER TO or REASSIGN OWNED, a rename), so that no
 * login is judged by the owners the forbidden list had before, nor by rules
 * read from a schema that is no longer the extension's own.
 */
static void
rules_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (access == OAT_DROP &&
		(classId == ExtensionRelationId || classId == DatabaseRelationId) &&
		rules_depend_on(classId, objectId, subId))
		autouser_rules_changed();
	else if (access == OAT_POST_ALTER &&
			 rules_depend_on(classId, objectId, subId))
		autouser_rules_changed();
}

void
autouser_rules_cache_init(void)
{
	prev_object_access_hook = object_access_hook;
	object_access_hook = rules_object_access;
}
