/*
 * fuzz_pamlint.c - pam-mfa check --pam over any bytes: the input is
 * written as a service file "svc" and as "inc", which it may include (and
 * which includes itself, so include, @include and substack recurse to the
 * depth and work bounds).  The linter must return, report exactly as many
 * findings as it counts, each a non-empty NUL-terminated line with a file
 * name and no newline, and report the same findings twice.  pamlint.c is a
 * source of the CLI, not of the core run.sh builds: it is compiled in here.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/pamlint.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
	unsigned n;
	unsigned long sum;	/* of line numbers and lengths */
};

static void
count(void *arg, const char *file, unsigned line, const char *what)
{
	struct tally *t = arg;

	if (file == NULL || what == NULL || what[0] == '\0' ||
	    strchr(what, '\n') != NULL || file[0] == '\0')
		abort();
	t->n++;
	t->sum += line + strlen(what) + strlen(file);
}

static void
put(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[] = "/tmp/fuzz_pamlint.XXXXXX";
	static int made;
	struct tally a = { 0, 0 }, b = { 0, 0 };
	char svc[600];
	unsigned n;

	if (!made) {
		if (mkdtemp(dir) == NULL)
			abort();
		made = 1;
	}
	put(dir, "svc", data, size);
	put(dir, "inc", data, size);
	snprintf(svc, sizeof(svc), "%s/svc", dir);
	n = pamlint_check(svc, "/etc/security/pam_mfa.conf", count, &a);
	if (n != a.n || (n == 0 && size == 0))
		abort();
	if (pamlint_check(svc, "/etc/security/pam_mfa.conf", count, &b) !=
	    n || b.n != a.n || b.sum != a.sum)
		abort();
	return 0;
}
