/*
 * worker_settings.h -- the settings every worker runs with
 * (worker_settings.c).
 */
#ifndef AUTOUSER_WORKER_SETTINGS_H
#define AUTOUSER_WORKER_SETTINGS_H

extern void autouser_settings_note(void);
extern void autouser_settings_shed(void);
extern void autouser_settings_pin(void);

#endif /* AUTOUSER_WORKER_SETTINGS_H */
