/*
 * testutil.c - helpers shared by the C tests; see testutil.h.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

char *
tu_tmpdir(void)
{
	char tmpl[] = "/tmp/pam_mfa_test.XXXXXX";
	char *d = mkdtemp(tmpl);

	if (d == NULL || chmod(d, 0700) != 0)
		return NULL;
	return strdup(d);
}

void
tu_rm_rf(const char *path)
{
	pid_t pid;
	int st;

	if (path == NULL || strncmp(path, "/tmp/", 5) != 0)
		return;
	if ((pid = fork()) == 0) {
		execlp("rm", "rm", "-rf", "--", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
}

int
tu_write_file(const char *path, const char *data, mode_t mode)
{
	size_t len = strlen(data);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);

	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

int
tu_oathtool(char *out, size_t outlen, ...)
{
	char *argv[32];
	const char *tool = getenv("OATHTOOL");
	int pfd[2], st, n = 0;
	ssize_t r;
	size_t got = 0;
	va_list ap;
	pid_t pid;

	argv[n++] = tu_unconst(tool != NULL && tool[0] != '\0' ? tool :
	    "oathtool");
	va_start(ap, outlen);
	while (n < 31 && (argv[n] = tu_unconst(va_arg(ap, const char *))) !=
	    NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (pipe(pfd) != 0)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		/* The oracle runs plain: no pam_wrapper, sanitizer or clock. */
		unsetenv("LD_PRELOAD");
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	while (got + 1 < outlen &&
	    (r = read(pfd[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)r;
	close(pfd[0]);
	out[got] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return -1;
	return 0;
}

char *
tu_unconst(const char *s)
{
	char *r;

	memcpy(&r, &s, sizeof(r));
	return r;
}

void
tu_hex(char *out, const unsigned char *in, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}
