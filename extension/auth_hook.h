/*
 * auth_hook.h -- installs the ClientAuthentication_hook (auth_hook.c).
 */
#ifndef AUTOUSER_AUTH_HOOK_H
#define AUTOUSER_AUTH_HOOK_H

extern void autouser_auth_hook_init(void);

#endif /* AUTOUSER_AUTH_HOOK_H */
