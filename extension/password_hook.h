/*
 * password_hook.h -- installs the check_password_hook (password_hook.c).
 */
#ifndef AUTOUSER_PASSWORD_HOOK_H
#define AUTOUSER_PASSWORD_HOOK_H

extern void autouser_password_hook_init(void);

#endif /* AUTOUSER_PASSWORD_HOOK_H */
