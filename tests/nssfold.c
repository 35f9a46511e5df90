/*
 * nssfold.c - a name service for tests, LD_PRELOADed into the test process
 * (and the CLI it runs) only: it knows a few accounts as SSSD with
 * case_sensitive = false, winbind or many LDAP setups do, under any case
 * and with "@example.com" after the name, and answers with the account's
 * own lower-case pw_name.  Every other name goes to the real lookup.
 * NSSFOLD_REUSED=NAME in the environment gives that account another uid,
 * as when a name is deleted and given to a new account;
 * NSSFOLD_ERRNO=N makes its lookups fail with errno N (a directory
 * server down); NSSFOLD_NEED=N makes them want a buffer of N bytes
 * (ERANGE below).  "winuser" is winbind's HOSP\winuser.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#define SHIM __attribute__((visibility("default")))

#define DOMAIN		"@example.com"
#define GID_EXEMPT	4990		/* the group "vpnexempt" */
#define REUSED_UID	5999

static const struct acct {
	const char *name;
	uid_t uid;
	gid_t gid;
	gid_t supp;		/* a supplementary group, 0: none */
	const char *pw_name;	/* its name as answered, if not name */
} accts[] = {
	{ "audit1", 4901, 4901, 0, NULL },
	{ "audit2", 4902, 4902, 0, NULL },
	{ "audit3", 4903, 4903, 0, NULL },
	{ "audit4", 4904, 4904, 0, NULL },
	{ "audit5", 4905, 4905, 0, NULL },
	{ "audit6", 4906, 4906, 0, NULL },
	{ "audit7", 4907, 4907, 0, NULL },
	{ "exempt1", 4911, 4911, GID_EXEMPT, NULL },
	{ "plain1", 4912, 4912, 0, NULL },
	{ "legacy1", 4914, 4914, 0, NULL },
	{ "winuser", 4913, 4913, 0, "HOSP\\winuser" },
};

SHIM int getpwnam_r(const char *, struct passwd *, char *, size_t,
    struct passwd **);
SHIM struct passwd *getpwnam(const char *);
SHIM int getgrouplist(const char *, gid_t, gid_t *, int *);
SHIM int getgrnam_r(const char *, struct group *, char *, size_t,
    struct group **);

/* The account name names, case folded, "@example.com" dropped. */
static const struct acct *
find(const char *name)
{
	size_t len, dl = strlen(DOMAIN), i;

	if (name == NULL)
		return NULL;
	len = strlen(name);
	if (len > dl && strcasecmp(name + len - dl, DOMAIN) == 0)
		len -= dl;
	for (i = 0; i < sizeof(accts) / sizeof(accts[0]); i++)
		if (strlen(accts[i].name) == len &&
		    strncasecmp(accts[i].name, name, len) == 0)
			return &accts[i];
	return NULL;
}

static uid_t
uid_of(const struct acct *a)
{
	const char *r = getenv("NSSFOLD_REUSED");

	return r != NULL && strcmp(r, a->name) == 0 ? REUSED_UID : a->uid;
}

SHIM int
getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
    struct passwd **res)
{
	static int (*real)(const char *, struct passwd *, char *, size_t,
	    struct passwd **);
	static char dir[] = "/nonexistent", shell[] = "/usr/sbin/nologin";
	const struct acct *a = find(name);
	const char *env, *pwn;
	size_t n;

	if (a == NULL) {
		if (real == NULL)
			real = (int (*)(const char *, struct passwd *, char *,
			    size_t, struct passwd **))dlsym(RTLD_NEXT,
			    "getpwnam_r");
		return real(name, pw, buf, len, res);
	}
	*res = NULL;
	if ((env = getenv("NSSFOLD_ERRNO")) != NULL)
		return atoi(env);
	if ((env = getenv("NSSFOLD_NEED")) != NULL &&
	    len < strtoul(env, NULL, 10))
		return ERANGE;
	pwn = a->pw_name != NULL ? a->pw_name : a->name;
	n = strlen(pwn) + 1;
	if (len < n + 2)
		return ERANGE;
	memcpy(buf, pwn, n);
	memcpy(buf + n, "x", 2);
	memset(pw, 0, sizeof(*pw));
	pw->pw_name = buf;
	pw->pw_passwd = buf + n;
	pw->pw_gecos = buf + n + 1;	/* "" */
	pw->pw_dir = dir;
	pw->pw_shell = shell;
	pw->pw_uid = uid_of(a);
	pw->pw_gid = a->gid;
	*res = pw;
	return 0;
}

SHIM struct passwd *
getpwnam(const char *name)
{
	static struct passwd pw;
	static char buf[256];
	struct passwd *res = NULL;
	int err;

	if ((err = getpwnam_r(name, &pw, buf, sizeof(buf), &res)) != 0)
		errno = err;
	return res;
}

SHIM int
getgrouplist(const char *user, gid_t group, gid_t *groups, int *ngroups)
{
	static int (*real)(const char *, gid_t, gid_t *, int *);
	const struct acct *a = NULL;
	size_t i;
	int n;

	/* The account's own name only, as the real one matches member
	 * names in /etc/group. */
	for (i = 0; i < sizeof(accts) / sizeof(accts[0]); i++)
		if (strcmp(accts[i].name, user) == 0)
			a = &accts[i];
	if (a == NULL) {
		if (real == NULL)
			real = (int (*)(const char *, gid_t, gid_t *,
			    int *))dlsym(RTLD_NEXT, "getgrouplist");
		return real(user, group, groups, ngroups);
	}
	n = a->supp != 0 && a->supp != group ? 2 : 1;
	if (*ngroups < n) {
		*ngroups = n;
		return -1;
	}
	groups[0] = group;
	if (n == 2)
		groups[1] = a->supp;
	*ngroups = n;
	return n;
}

SHIM int
getgrnam_r(const char *name, struct group *gr, char *buf, size_t len,
    struct group **res)
{
	static int (*real)(const char *, struct group *, char *, size_t,
	    struct group **);

	if (strcmp(name, "vpnexempt") != 0) {
		if (real == NULL)
			real = (int (*)(const char *, struct group *, char *,
			    size_t, struct group **))dlsym(RTLD_NEXT,
			    "getgrnam_r");
		return real(name, gr, buf, len, res);
	}
	*res = NULL;
	if (len < sizeof("vpnexempt") + 2 + sizeof(char *))
		return ERANGE;
	memset(gr, 0, sizeof(*gr));
	memcpy(buf, "vpnexempt", sizeof("vpnexempt"));
	memcpy(buf + sizeof("vpnexempt"), "x", 2);
	gr->gr_name = buf;
	gr->gr_passwd = buf + sizeof("vpnexempt");
	/* No members listed: membership comes from getgrouplist. */
	gr->gr_mem = (char **)(void *)(buf + ((sizeof("vpnexempt") + 2 +
	    sizeof(char *) - 1) & ~(sizeof(char *) - 1)));
	if ((char *)(gr->gr_mem + 1) > buf + len)
		return ERANGE;
	gr->gr_mem[0] = NULL;
	gr->gr_gid = GID_EXEMPT;
	*res = gr;
	return 0;
}
