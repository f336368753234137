/*
 * self_alter.h -- installs the ProcessUtility_hook that keeps a managed role
 * from altering itself (self_alter.c).
 */
#ifndef AUTOUSER_SELF_ALTER_H
#define AUTOUSER_SELF_ALTER_H

extern void autouser_self_alter_init(void);

#endif /* AUTOUSER_SELF_ALTER_H */
