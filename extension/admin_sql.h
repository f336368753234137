/*
 * admin_sql.h -- running the extension's own SQL under the right identity
 * (admin_sql.c): role DDL as pg_autouser.admin_role, writes to the
 * extension's tables as the bootstrap superuser that owns them.
 */
#ifndef AUTOUSER_ADMIN_SQL_H
#define AUTOUSER_ADMIN_SQL_H

extern void autouser_admin_sql(const char *sql);
extern void autouser_owner_sql(const char *sql, int nargs, Oid *types, Datum *values,
							   const char *nulls);

#endif							/* AUTOUSER_ADMIN_SQL_H */
