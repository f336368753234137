/*
 * run_as.h -- runs the extension's own SQL with the least rights that do the
 * job, immune to the caller's search_path and settings (run_as.c).
 */
#ifndef AUTOUSER_RUN_AS_H
#define AUTOUSER_RUN_AS_H

typedef enum AutouserActor
{
	AUTOUSER_AS_CALLER, /* the current user: reads done for it */
	AUTOUSER_AS_OWNER,  /* the extension's owner: its own tables */
	AUTOUSER_AS_ADMIN   /* pg_autouser.admin_role: role DDL */
} AutouserActor;

extern int
autouser_sql(AutouserActor actor, const char *sql, int nargs, Oid *types,
			 Datum *values, const char *nulls, bool read_only);
extern void autouser_admin_ddl(const char *sql);
extern Oid  autouser_admin_role_oid(bool missing_ok);
extern Oid  autouser_extension_owner(void);
extern Oid  autouser_extension_row(Oid *owner, Oid *namespace);

#endif /* AUTOUSER_RUN_AS_H */
