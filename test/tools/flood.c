/* flood.c -- certificate logins of many identities, in parallel (attack tests).
 * flood "CONNINFO-BASE" CERTDIR PREFIX N THREADS
 * Each login: CONNINFO-BASE user=PREFIX<i> sslcert=CERTDIR/PREFIX<i>.crt sslkey=CERTDIR/bulk.key
 * Prints counts of ok / failed and the first distinct error messages. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *base, *dir, *prefix;
static int n, next_i, ok, failed;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char errs[8][256];
static int nerrs;

static void *run(void *arg)
{
	char conninfo[2048];
	for (;;)
	{
		int i;
		pthread_mutex_lock(&mu);
		i = next_i++;
		pthread_mutex_unlock(&mu);
		if (i >= n)
			return NULL;
		snprintf(conninfo, sizeof conninfo, "%s user=%s%d sslcert=%s/%s%d.crt sslkey=%s/bulk.key",
				 base, prefix, i, dir, prefix, i, dir);
		PGconn *c = PQconnectdb(conninfo);
		pthread_mutex_lock(&mu);
		if (PQstatus(c) == CONNECTION_OK)
			ok++;
		else
		{
			failed++;
			const char *m = PQerrorMessage(c);
			int seen = 0;
			for (int k = 0; k < nerrs; k++)
				if (strncmp(errs[k], m, 80) == 0)
					seen = 1;
			if (!seen && nerrs < 8)
				snprintf(errs[nerrs++], 256, "%s", m);
		}
		pthread_mutex_unlock(&mu);
		PQfinish(c);
	}
}

int main(int argc, char **argv)
{
	if (argc != 6)
		return 2;
	base = argv[1]; dir = argv[2]; prefix = argv[3]; n = atoi(argv[4]);
	int threads = atoi(argv[5]);
	pthread_t t[64];
	for (int k = 0; k < threads && k < 64; k++)
		pthread_create(&t[k], NULL, run, NULL);
	for (int k = 0; k < threads && k < 64; k++)
		pthread_join(t[k], NULL);
	printf("ok=%d failed=%d\n", ok, failed);
	for (int k = 0; k < nerrs; k++)
		printf("error: %s", errs[k]);
	return 0;
}
