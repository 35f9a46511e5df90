/*
 * cmd_report.c - pam-mfa report: where a rollout stands, for root: each
 * member of a group (the name service's), or each user of the store, as
 * enrolled, pending, pending_expired or unenrolled, and, from the syslog
 * files named, how many times each logged in exempt from the code
 * (result=ignore) and was refused after the enrollment deadline
 * (reason=enroll_deadline).
 *
 * Rules:
 *  1. root only: it reads the log files it is given as root;
 *  2. a log line counts only if it is a pam_mfa line ("pam_mfa(") whose
 *     fields are the module's: the user field ends at the first space, and
 *     the name in it must be one user_valid takes (the module escapes any
 *     other byte, so a typed name can't forge a line of another user; a
 *     local program that writes to syslog under pam_mfa's name can, as it
 *     can fool any log reader);
 *  3. bounded: lines longer than REPORT_LINE_MAX bytes are skipped, at
 *     most REPORT_NAMES_MAX names are kept (then it fails, saying so).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "enrollgrace.h"
#include "pending.h"
#include "store.h"
#include "token.h"
#include "user.h"

#define REPORT_LINE_MAX		4096
#define REPORT_NAMES_MAX	1000000
#define REPORT_LOGS_MAX		16

struct entry {
	char name[MFA_USER_MAX + 1];
	unsigned long exempt;		/* result=ignore lines */
	unsigned long denied;		/* reason=enroll_deadline lines */
	int member;			/* of the group asked about */
};

struct report {
	struct entry *v;
	size_t n, cap;
};

static int
add(struct report *r, const char *name, size_t len, int member,
    unsigned long exempt, unsigned long denied)
{
	struct entry *e;
	size_t cap;

	if (len == 0 || len > MFA_USER_MAX || !user_valid(name, len))
		return CLI_OK;		/* not a name logins can have */
	if (r->n == r->cap) {
		if (r->cap >= REPORT_NAMES_MAX) {
			fprintf(stderr, "pam-mfa: report: more than %d names "
			    "(merged or not): nothing reported\n",
			    REPORT_NAMES_MAX);
			return CLI_FAIL;
		}
		cap = r->cap ? r->cap * 2 : 256;
		if ((e = reallocarray(r->v, cap, sizeof(*e))) == NULL) {
			cli_error("report", MFA_ENOMEM);
			return CLI_FAIL;
		}
		r->v = e;
		r->cap = cap;
	}
	e = &r->v[r->n++];
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	e->member = member;
	e->exempt = exempt;
	e->denied = denied;
	return CLI_OK;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name,
	    ((const struct entry *)b)->name);
}

/* Sort and merge the entries of one name (counts added up). */
static void
merge(struct report *r)
{
	size_t i, out = 0;

	if (r->n == 0)
		return;
	qsort(r->v, r->n, sizeof(r->v[0]), entry_cmp);
	for (i = 1; i < r->n; i++) {
		struct entry *o = &r->v[out];

		if (strcmp(o->name, r->v[i].name) == 0) {
			o->exempt += r->v[i].exempt;
			o->denied += r->v[i].denied;
			o->member |= r->v[i].member;
		} else {
			r->v[++out] = r->v[i];
		}
	}
	r->n = out + 1;
}

/* A member of the group (cli_group_members). */
static int
add_member(const char *name, void *arg)
{
	return add(arg, name, strlen(name), 1, 0, 0);
}

/* The name in "... FIELD NAME ..." (NAME up to a space or the end). */
static const char *
field_after(const char *line, const char *field, size_t *len)
{
	const char *p = strstr(line, field);

	*len = 0;
	if (p == NULL)
		return NULL;
	p += strlen(field);
	*len = strcspn(p, " \n");
	return p;
}

static int
read_log(struct report *r, const char *path)
{
	char line[REPORT_LINE_MAX + 2];
	const char *name;
	size_t len;
	FILE *f;
	int ret = CLI_OK, longline = 0;

	if ((f = fopen(path, "re")) == NULL) {
		fprintf(stderr, "pam-mfa: report: %s: %s\n", path,
		    strerror(errno));
		return CLI_FAIL;
	}
	while (ret == CLI_OK && fgets(line, sizeof(line), f) != NULL) {
		len = strlen(line);
		/* The rest of a line too long: skipped whole. */
		if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
			longline = 1;
			continue;
		}
		if (longline) {
			longline = 0;
			continue;
		}
		if (strstr(line, "pam_mfa(") == NULL)
			continue;
		if ((name = field_after(line, " result=ignore "
		    "reason=not_enrolled user=", &len)) != NULL)
			ret = add(r, name, len, 0, 1, 0);
		else if ((name = field_after(line, " result=deny "
		    "reason=enroll_deadline user=", &len)) != NULL)
			ret = add(r, name, len, 0, 0, 1);
	}
	if (ret == CLI_OK && ferror(f)) {
		fprintf(stderr, "pam-mfa: report: %s: read error\n", path);
		ret = CLI_FAIL;
	}
	fclose(f);
	return ret;
}

/* The users of the store, for a report without a group. */
static int
read_store(struct report *r, struct mfa_store *store)
{
	char **users = NULL;
	size_t n = 0, i;
	enum mfa_err rc;
	int ret = CLI_OK;

	if ((rc = store_list(store, &users, &n)) != MFA_OK) {
		cli_error("report", rc);
		return CLI_FAIL;
	}
	for (i = 0; ret == CLI_OK && i < n; i++)
		ret = add(r, users[i], strlen(users[i]), 1, 0, 0);
	store_list_free(users, n);
	return ret;
}

enum where { W_ENROLLED, W_PENDING, W_EXPIRED, W_UNENROLLED, W_UNREADABLE };
static const char *const where_name[] = { "enrolled", "pending",
    "pending_expired", "unenrolled", "unreadable" };

static enum where
where_of(const struct cli *cli, struct mfa_store *store, const char *user,
    int64_t now)
{
	struct mfa_token tok;
	enum mfa_err rc;
	enum where w;

	rc = store_token_meta(store, user, &tok);
	token_wipe(&tok);
	if (rc == MFA_OK)
		return W_ENROLLED;
	if (rc != MFA_ENOTENROLLED)
		return W_UNREADABLE;
	/* Its creation time as recorded (status opens the token). */
	rc = store_pending_meta(store, user, &tok);
	w = rc == MFA_ENOTENROLLED ? W_UNENROLLED : rc != MFA_OK ?
	    W_UNREADABLE : pending_expired(cli->conf, &tok, now) ? W_EXPIRED :
	    W_PENDING;
	token_wipe(&tok);
	return w;
}

static void
summary(const struct cli *cli, const unsigned count[5], int64_t now)
{
	char day[16];
	struct tm tm;
	time_t t = (time_t)(cli->conf->enroll_deadline - 86400);
	unsigned days;

	printf("# enrolled=%u pending=%u pending_expired=%u unenrolled=%u",
	    count[W_ENROLLED], count[W_PENDING], count[W_EXPIRED],
	    count[W_UNENROLLED]);
	if (count[W_UNREADABLE])
		printf(" unreadable=%u", count[W_UNREADABLE]);
	if (cli->conf->enroll_deadline != 0 && gmtime_r(&t, &tm) != NULL &&
	    strftime(day, sizeof(day), "%Y-%m-%d", &tm) != 0) {
		if (enrollgrace_check(cli->conf, now, &days) == MFA_OK)
			printf(" enroll_deadline=%s days_left=%u", day, days);
		else
			printf(" enroll_deadline=%s passed", day);
	}
	putchar('\n');
}

static int
usage(void)
{
	fprintf(stderr, "usage: pam-mfa report [--unenrolled] [--group GROUP] "
	    "[--log FILE]...\n");
	return CLI_USAGE;
}

int
cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "unenrolled", no_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *group = NULL, *logs[REPORT_LOGS_MAX];
	struct mfa_store *store = NULL;
	struct report r = { NULL, 0, 0 };
	unsigned count[5] = { 0 }, nlogs = 0;
	enum where w;
	int64_t now;
	size_t i;
	int ch, ret, only_unenrolled = 0;

	if ((ret = cli_require_root("report")) != CLI_OK)
		return ret;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			only_unenrolled = 1;
			break;
		case 'g':
			group = optarg;
			break;
		case 'l':
			if (nlogs == REPORT_LOGS_MAX)
				return usage();
			logs[nlogs++] = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	if ((ret = cli_load_conf(cli)) != CLI_OK ||
	    (ret = cli_open_store(cli, &store)) != CLI_OK)
		return ret;
	now = (int64_t)time(NULL);
	ret = group != NULL ? cli_group_members("report", group, add_member,
	    &r) : read_store(&r, store);
	for (i = 0; ret == CLI_OK && i < nlogs; i++)
		ret = read_log(&r, logs[i]);
	if (ret != CLI_OK)
		goto out;
	merge(&r);
	for (i = 0; i < r.n; i++) {
		/* With a group, its members only; without, the store's
		 * users and whoever the logs name. */
		if (group != NULL && !r.v[i].member)
			continue;
		w = where_of(cli, store, r.v[i].name, now);
		count[w]++;
		if (w == W_UNREADABLE)
			ret = CLI_FAIL;
		if (only_unenrolled && w == W_ENROLLED)
			continue;
		printf("%s %s", r.v[i].name, where_name[w]);
		if (nlogs > 0)
			printf(" exempt_logins=%lu deadline_denials=%lu",
			    r.v[i].exempt, r.v[i].denied);
		putchar('\n');
	}
	summary(cli, count, now);
	if (fflush(stdout) != 0)
		ret = CLI_FAIL;
out:
	free(r.v);
	store_close(store);
	return ret;
}
