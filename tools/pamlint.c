/*
 * pamlint.c - pam-mfa check --pam: the ways a pam.d stack lets a login
 * through without a code, found by reading it as libpam does; see
 * pamlint.h.
 *
 * Controls are read as libpam's actions (pam.conf(5)): required is
 * [success=ok new_authtok_reqd=ok ignore=ignore default=bad], and so on.
 * A line skips a later one if a passing return (success,
 * new_authtok_reqd, ignore) ends the stack (done) or any return jumps
 * over it; a line fails open if a failing return is ignored or jumps.
 * "include" and "@include" lines are read in place, as libpam does (jumps
 * count their lines); a substack is one line of the stack that includes
 * it, and its own lines are checked as a stack of their own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pamlint.h"
#include "profile.h"

#define FILE_MAX	(64 * 1024)	/* a pam.d file larger is refused */
#define TOK_MAX		64		/* words in one line */
#define TEXT_MAX	512		/* a control, module or argument list */

enum { T_AUTH, T_ACCOUNT, T_PASSWORD, T_SESSION, T_N };
static const char *const type_names[T_N] = {
	"auth", "account", "password", "session"
};

/* Keyword controls as the actions libpam gives them. */
static const struct {
	const char *word, *actions;
} keywords[] = {
	{ "required", "success=ok new_authtok_reqd=ok ignore=ignore "
	    "default=bad" },
	{ "requisite", "success=ok new_authtok_reqd=ok ignore=ignore "
	    "default=die" },
	{ "sufficient", "success=done new_authtok_reqd=done default=ignore" },
	{ "optional", "success=ok new_authtok_reqd=ok default=ignore" },
};

/* Returns a module gives when it refuses (a failed code, an error). */
static const char *const failing[] = {
	"auth_err", "perm_denied", "service_err", "system_err", "buf_err",
	"cred_insufficient", "authinfo_unavail", "user_unknown", "maxtries",
	"acct_expired", "abort", "conv_err", "module_unknown", "symbol_err",
	"open_err", "default", NULL
};
/* Returns that let a stack go on toward success. */
static const char *const passing[] = {
	"success", "new_authtok_reqd", "ignore", NULL
};
#define NPASSING	(sizeof(passing) / sizeof(passing[0]) - 1)
#define NFAILING	(sizeof(failing) / sizeof(failing[0]) - 1)
_Static_assert(NPASSING + NFAILING <= 32, "entry.ignores is a 32-bit mask");

/* Modules that never check the password a one-field split hands on. */
static const char *const no_password[] = {
	"pam_env.so", "pam_faildelay.so", "pam_nologin.so", "pam_warn.so",
	"pam_echo.so", "pam_securetty.so", "pam_shells.so", "pam_listfile.so",
	"pam_access.so", "pam_time.so", "pam_group.so", "pam_succeed_if.so",
	"pam_faillock.so", "pam_localuser.so", "pam_limits.so", NULL
};

struct stack;

struct entry {
	char file[PATH_MAX + NAME_MAX + 2];
	unsigned line;
	char via[PATH_MAX + NAME_MAX + 16];	/* "FILE:LINE" of the
						 * include, or "" */
	int dash;			/* "-auth": skipped if the module is
					 * missing */
	char control[TEXT_MAX];		/* as written */
	char actions[TEXT_MAX];		/* key=value ... */
	char module[TEXT_MAX];		/* path; the file of a substack */
	char args[TEXT_MAX];		/* " arg1 arg2 " */
	int mfa;			/* module is pam_mfa.so */
	struct stack *sub;		/* substack */
	/* Its control and actions read once (entry_acts): every pam_mfa
	 * line after it asks them again.  sufficient: the control is;
	 * done: the first passing return whose action is done, or -1;
	 * jumps: each passing, then failing, return's jump (0: none), and
	 * reach the longest; ignores: bit j set if return j's action is
	 * ignore. */
	int sufficient;
	int done;
	unsigned jumps[NPASSING + NFAILING];
	unsigned reach;
	unsigned ignores;
};

struct stack {
	struct entry *v;
	size_t n, cap;
};

struct lint {
	const char *conf_path;
	pamlint_report report;
	void *arg;
	unsigned findings;
	int dirfd;
	char dir[PATH_MAX];
	char via[PATH_MAX + NAME_MAX + 16];	/* the top-level include
						 * being read */
	unsigned loads;			/* included files read so far */
	unsigned lines;			/* module lines of the type kept */
	int too_deep;			/* said so once */
};

static void
finding(struct lint *l, const char *file, unsigned line, const char *fmt,
    ...)
{
	char what[1024];
	va_list ap;

	/* Bounded output, whatever the files (a thousand lines each
	 * skipping a thousand pam_mfa lines). */
	if (l->findings > PAMLINT_FINDINGS_MAX)
		return;
	if (l->findings == PAMLINT_FINDINGS_MAX) {
		l->findings++;
		snprintf(what, sizeof(what), "too-many: more than %d findings: "
		    "the rest are not listed", PAMLINT_FINDINGS_MAX);
		l->report(l->arg, file, 0, what);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	l->findings++;
	l->report(l->arg, file, line, what);
}

/* A finding about entry e, saying which include brought it in. */
static void
efinding(struct lint *l, const struct entry *e, const char *tag,
    const char *fmt, ...)
{
	char what[900];
	va_list ap;

	if (l->findings > PAMLINT_FINDINGS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (e->via[0] != '\0')
		finding(l, e->file, e->line, "%s: %s (included from %s)", tag,
		    what, e->via);
	else
		finding(l, e->file, e->line, "%s: %s", tag, what);
}

static void
stack_free(struct stack *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		stack_free(s->v[i].sub);
	free(s->v);
	free(s);
}

static struct entry *
stack_add(struct stack *s)
{
	struct entry *v;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;

		if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

/* The jump of N lines (1-999) the action of len bytes at v names, or 0. */
static unsigned
span_jump(const char *v, size_t len)
{
	unsigned n = 0;
	size_t i;

	if (len == 0 || len > 3 || v[0] < '1' || v[0] > '9')
		return 0;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		n = n * 10 + (unsigned)(v[i] - '0');
	}
	return n;
}

/*
 * Read e's control into e->sufficient, and its actions into e->done,
 * e->jumps and e->ignores in one pass.  A return's action is its first
 * "key=" word's value, else the last "default=" word's, else bad.
 */
static void
entry_acts(struct entry *e)
{
	const char *v[NPASSING + NFAILING], *def = NULL, *p = e->actions;
	size_t vl[NPASSING + NFAILING], defl = 0, j;

	memset(v, 0, sizeof(v));
	memset(vl, 0, sizeof(vl));
	while (*p != '\0') {
		size_t len = strcspn(p, " \t");
		const char *eq = memchr(p, '=', len);

		if (eq != NULL) {
			size_t klen = (size_t)(eq - p);

			for (j = 0; j < NPASSING + NFAILING; j++) {
				const char *key = j < NPASSING ? passing[j] :
				    failing[j - NPASSING];

				if (v[j] == NULL && strlen(key) == klen &&
				    strncmp(p, key, klen) == 0) {
					v[j] = eq + 1;
					vl[j] = len - klen - 1;
				}
			}
			if (klen == 7 && strncmp(p, "default", 7) == 0) {
				def = eq + 1;
				defl = len - 8;
			}
		}
		p += len;
		p += strspn(p, " \t");
	}
	e->sufficient = strcmp(e->control, "sufficient") == 0;
	e->done = -1;
	e->reach = 0;
	e->ignores = 0;
	for (j = 0; j < NPASSING + NFAILING; j++) {
		const char *a = v[j] != NULL ? v[j] : def != NULL ? def : "bad";
		size_t al = v[j] != NULL ? vl[j] : def != NULL ? defl : 3;

		if (e->done < 0 && j < NPASSING && al == 4 &&
		    strncmp(a, "done", 4) == 0)
			e->done = (int)j;
		e->jumps[j] = span_jump(a, al);
		if (e->jumps[j] > e->reach)
			e->reach = e->jumps[j];
		if (al == 6 && strncmp(a, "ignore", 6) == 0)
			e->ignores |= 1u << j;
	}
}

/* Whether " args " holds the word w. */
static int
has_arg(const struct entry *e, const char *w)
{
	char pat[TEXT_MAX + 2];

	snprintf(pat, sizeof(pat), " %s ", w);
	return strstr(e->args, pat) != NULL;
}

/* The value of "key=value" among the args, or NULL. */
static const char *
arg_value(const struct entry *e, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	if ((p = strstr(e->args, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	snprintf(out, len, "%.*s", (int)strcspn(p, " "), p);
	return out;
}

static const char *
basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* An include's name: a plain file name in the service's directory. */
static int
name_ok(const char *n)
{
	size_t i, len = strlen(n);

	if (len == 0 || len > NAME_MAX || n[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') ||
		    (n[i] >= 'A' && n[i] <= 'Z') ||
		    (n[i] >= '0' && n[i] <= '9') ||
		    n[i] == '.' || n[i] == '_' || n[i] == '-' || n[i] == '+'))
			return 0;
	return 1;
}

/* The text of fd, NUL-terminated, or NULL with errno set. */
static char *
slurp(int fd)
{
	struct stat sb;
	char *text;
	size_t got = 0;
	ssize_t n;

	if (fstat(fd, &sb) != 0)
		return NULL;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		return NULL;
	}
	if (sb.st_size > FILE_MAX) {
		errno = EFBIG;
		return NULL;
	}
	if ((text = malloc((size_t)sb.st_size + 1)) == NULL)
		return NULL;
	while (got < (size_t)sb.st_size) {
		n = read(fd, text + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	text[got] = '\0';
	return text;
}

static int load(struct lint *l, const char *file, unsigned line,
    const char *name, int type, int depth, struct stack *out);

/*
 * Split one logical line into words; a word that opens with '[' runs to
 * the matching ']' (a control, or an argument, may hold spaces).
 */
static size_t
words(char *s, char *w[TOK_MAX])
{
	size_t n = 0;

	while (n < TOK_MAX) {
		s += strspn(s, " \t\r");
		if (*s == '\0')
			break;
		w[n++] = s;
		if (*s == '[') {
			char *close = strchr(s, ']');

			s = close != NULL ? close + 1 : s + strlen(s);
		} else {
			s += strcspn(s, " \t\r");
		}
		if (*s != '\0')
			*s++ = '\0';
	}
	return n;
}

/* Join w[from..n) as " a b c " into out. */
static void
join(char *out, size_t len, char **w, size_t from, size_t n)
{
	size_t i, used;

	snprintf(out, len, " ");
	for (i = from; i < n; i++) {
		used = strlen(out);
		snprintf(out + used, len - used, "%s ", w[i]);
	}
}

/*
 * The lines of type in text (the file file), appended to out; includes
 * read in place, substacks as one line.
 */
static int
parse(struct lint *l, const char *file, char *text, int type, int depth,
    struct stack *out)
{
	char *p = text, *w[TOK_MAX];
	unsigned lineno = 1;

	while (*p != '\0') {
		char *eol, *c, *src, *dst;
		unsigned start = lineno;
		size_t n, t;
		int dash = 0;
		struct entry *e;

		/* A logical line: "\\\n" continues it. */
		for (eol = p; *eol != '\0'; eol++) {
			if (*eol == '\n') {
				lineno++;
				if (eol > p && eol[-1] == '\\')
					continue;
				break;
			}
		}
		if (*eol == '\n')
			*eol++ = '\0';
		for (src = dst = p; *src != '\0'; src++)
			if (!(src[0] == '\\' && src[1] == '\n'))
				*dst++ = *src == '\n' ? ' ' : *src;
		*dst = '\0';
		if ((c = strchr(p, '#')) != NULL)
			*c = '\0';
		n = words(p, w);
		p = eol;
		if (n == 0)
			continue;
		if (strcmp(w[0], "@include") == 0) {
			if (n < 2) {
				finding(l, file, start, "include: @include "
				    "without a file name");
				continue;
			}
			if (load(l, file, start, w[1], type, depth + 1,
			    out) != 0)
				return -1;
			continue;
		}
		if (w[0][0] == '-') {
			dash = 1;
			w[0]++;
		}
		for (t = 0; t < T_N; t++)
			if (strcasecmp(w[0], type_names[t]) == 0)
				break;
		if (t == T_N) {
			finding(l, file, start, "syntax: unknown type \"%s\": "
			    "libpam ignores the line", w[0]);
			continue;
		}
		if ((int)t != type)
			continue;
		if (n < 3) {
			finding(l, file, start, "syntax: a %s line without a "
			    "module", type_names[t]);
			continue;
		}
		if (strcmp(w[1], "include") == 0) {
			if (load(l, file, start, w[2], type, depth + 1,
			    out) != 0)
				return -1;
			continue;
		}
		/* Bounded memory and time, whatever the files. */
		if (++l->lines > PAMLINT_LINES_MAX) {
			if (l->lines == PAMLINT_LINES_MAX + 1)
				finding(l, file, start, "include: more than %d "
				    "%s lines: the rest not checked",
				    PAMLINT_LINES_MAX, type_names[type]);
			continue;
		}
		if ((e = stack_add(out)) == NULL)
			return -1;
		snprintf(e->file, sizeof(e->file), "%s", file);
		snprintf(e->via, sizeof(e->via), "%s", l->via);
		e->line = start;
		e->dash = dash;
		snprintf(e->control, sizeof(e->control), "%s", w[1]);
		snprintf(e->module, sizeof(e->module), "%s", w[2]);
		join(e->args, sizeof(e->args), w, 3, n);
		if (strcmp(w[1], "substack") == 0) {
			struct stack *sub = calloc(1, sizeof(*sub));

			if (sub == NULL)
				return -1;
			e->sub = sub;
			/* The substack as a whole: as if required. */
			snprintf(e->actions, sizeof(e->actions), "%s",
			    keywords[0].actions);
			entry_acts(e);
			if (load(l, file, start, w[2], type, depth + 1,
			    sub) != 0)
				return -1;
			continue;
		}
		for (t = 0; t < sizeof(keywords) / sizeof(keywords[0]); t++)
			if (strcmp(w[1], keywords[t].word) == 0)
				snprintf(e->actions, sizeof(e->actions), "%s",
				    keywords[t].actions);
		if (e->actions[0] == '\0') {
			size_t len = strlen(w[1]);

			if (w[1][0] != '[' || w[1][len - 1] != ']') {
				finding(l, file, start, "syntax: unknown "
				    "control \"%s\"", w[1]);
				/* libpam treats it as an error: bad. */
				snprintf(e->actions, sizeof(e->actions),
				    "default=bad");
			} else {
				snprintf(e->actions, sizeof(e->actions),
				    "%.*s", (int)(len - 2), w[1] + 1);
			}
		}
		entry_acts(e);
		e->mfa = strcmp(basename_of(e->module), "pam_mfa.so") == 0;
	}
	return 0;
}

/* Read include name (from file:line) in place, type lines only. */
static int
load(struct lint *l, const char *file, unsigned line, const char *name,
    int type, int depth, struct stack *out)
{
	char path[PATH_MAX + NAME_MAX + 2], saved[sizeof(l->via)];
	char *text;
	int fd, rc;

	/* Bounded work, whatever the files: a fan of includes too. */
	if (++l->loads > PAMLINT_LOADS_MAX) {
		if (l->loads == PAMLINT_LOADS_MAX + 1)
			finding(l, file, line, "include: %s: more than %d "
			    "includes read: the rest not followed", name,
			    PAMLINT_LOADS_MAX);
		return 0;
	}
	if (depth > PAMLINT_DEPTH_MAX) {
		if (!l->too_deep)
			finding(l, file, line, "include: %s: includes nested "
			    "deeper than %d (a loop?): not followed", name,
			    PAMLINT_DEPTH_MAX);
		l->too_deep = 1;
		return 0;
	}
	if (!name_ok(name)) {
		finding(l, file, line, "include: \"%s\" is not a file name "
		    "in %s: not followed, libpam may read a file elsewhere",
		    name, l->dir);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/%s", l->dir, name);
	fd = openat(l->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK);
	if (fd < 0 || (text = slurp(fd)) == NULL) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		finding(l, file, line, "include: %s: %s: not checked", path,
		    err == ELOOP ? "a symbolic link, not followed" :
		    err == EINVAL ? "not a regular file" :
		    err == EFBIG ? "larger than 64 KiB" : strerror(err));
		return 0;
	}
	close(fd);
	memcpy(saved, l->via, sizeof(saved));
	if (l->via[0] == '\0')
		snprintf(l->via, sizeof(l->via), "%s:%u", file, line);
	rc = parse(l, path, text, type, depth, out);
	memcpy(l->via, saved, sizeof(saved));
	free(text);
	return rc;
}

/* Whether a stack (substacks too) has a pam_mfa line that checks a
 * code: the code step, or verify. */
static int
is_code(const struct entry *e)
{
	return e->mfa && !has_arg(e, "onefield=split") &&
	    !has_arg(e, "preauth") && !has_arg(e, "authfail");
}

static int
bears_code(const struct entry *e)
{
	size_t i;

	if (e->sub == NULL)
		return is_code(e);
	for (i = 0; i < e->sub->n; i++)
		if (bears_code(&e->sub->v[i]))
			return 1;
	return 0;
}

static int
bears_mfa(const struct entry *e)
{
	size_t i;

	if (e->sub == NULL)
		return e->mfa;
	for (i = 0; i < e->sub->n; i++)
		if (bears_mfa(&e->sub->v[i]))
			return 1;
	return 0;
}

/* Lines before s->v[k] that skip it; k's own control failing open. */
static void
check_reached(struct lint *l, const struct stack *s, size_t k,
    const char *what)
{
	const struct entry *c = &s->v[k];
	char act[64];
	size_t i, j;
	unsigned n;

	for (i = 0; i < k; i++) {
		const struct entry *e = &s->v[i];

		if (e->sufficient) {
			efinding(l, e, "skipped", "sufficient %s before %s "
			    "(%s:%u): its success ends the stack without "
			    "a code", basename_of(e->module), what,
			    basename_of(c->file), c->line);
			continue;
		}
		if (e->done >= 0) {
			efinding(l, e, "skipped", "%s %s before %s (%s:%u): "
			    "%s=done ends the stack without a code",
			    e->control, basename_of(e->module), what,
			    basename_of(c->file), c->line, passing[e->done]);
			continue;
		}
		/* Any return that jumps over c: passing ones, then
		 * failing ones (a failure that jumps is not recorded). */
		if (i + e->reach < k)
			continue;
		for (j = 0; j < NPASSING + NFAILING; j++) {
			if ((n = e->jumps[j]) != 0 && i + n >= k) {
				efinding(l, e, "skipped", "%s %s jumps over %s "
				    "(%s:%u): %s=%u", e->control,
				    basename_of(e->module), what,
				    basename_of(c->file), c->line,
				    j < NPASSING ? passing[j] :
				    failing[j - NPASSING], n);
				break;
			}
		}
	}
	if (c->sub != NULL)
		return;
	if (strcmp(c->control, "optional") == 0 ||
	    strcmp(c->control, "sufficient") == 0) {
		efinding(l, c, "fails-open", "%s is %s: a login goes on "
		    "when it fails", what, c->control);
		return;
	}
	for (j = NPASSING; j < NPASSING + NFAILING; j++) {
		if (c->ignores & (1u << j))
			snprintf(act, sizeof(act), "ignore");
		else if (c->jumps[j] != 0)
			snprintf(act, sizeof(act), "%u", c->jumps[j]);
		else
			continue;
		efinding(l, c, "fails-open", "%s with %s: %s=%s lets a "
		    "failure through", what, c->control, failing[j - NPASSING],
		    act);
		return;
	}
}

/* What every pam_mfa line must have: the CLI's config, a real module,
 * arguments that mean something for its type. */
static void
check_line(struct lint *l, const struct entry *e, int type)
{
	char v[TEXT_MAX];
	const char *conf = arg_value(e, "conf", v, sizeof(v));

	if (conf == NULL && strcmp(l->conf_path, MFA_CONF_PATH) != 0)
		efinding(l, e, "conf", "no conf=: pam_mfa reads %s, not %s",
		    MFA_CONF_PATH, l->conf_path);
	else if (conf != NULL && strcmp(conf, l->conf_path) != 0)
		efinding(l, e, "conf", "conf=%s is not %s, the config "
		    "pam-mfa manages", conf, l->conf_path);
	if (e->dash)
		efinding(l, e, "missing-module-skipped", "-%s: libpam skips "
		    "the line if the module is missing", type_names[type]);
	if (arg_value(e, "profile", v, sizeof(v)) != NULL &&
	    profile_find(v) == NULL)
		efinding(l, e, "bad-argument", "profile=%s: no such profile "
		    "(the module refuses every login)", v);
	if (type == T_ACCOUNT && (has_arg(e, "onefield=split") ||
	    has_arg(e, "onefield=verify") || has_arg(e, "preauth") ||
	    has_arg(e, "authfail")))
		efinding(l, e, "bad-argument", "an auth mode on the account "
		    "line (the module refuses every login)");
}

/* Whether an auth line hands a one-field password on. */
static int
onefield(const struct entry *e)
{
	char v[TEXT_MAX];
	const struct mfa_profile *p;

	if (!e->mfa || has_arg(e, "onefield=verify") ||
	    has_arg(e, "preauth") || has_arg(e, "authfail"))
		return 0;
	if (has_arg(e, "onefield") || has_arg(e, "onefield=split"))
		return 1;
	return arg_value(e, "profile", v, sizeof(v)) != NULL &&
	    (p = profile_find(v)) != NULL && p->input == MFA_INPUT_ONEFIELD;
}

/* The first line after k in s that checks a password, or NULL. */
static const struct entry *
password_module(const struct stack *s, size_t k)
{
	size_t i, j;

	for (i = k + 1; i < s->n; i++) {
		const struct entry *e = &s->v[i];

		if (e->mfa)
			continue;
		if (e->sub != NULL) {
			const struct entry *p = e->sub->n > 0 ?
			    password_module(e->sub, (size_t)-1) : NULL;

			if (p != NULL)
				return p;
			continue;
		}
		for (j = 0; no_password[j] != NULL; j++)
			if (strcmp(basename_of(e->module), no_password[j]) ==
			    0)
				break;
		if (no_password[j] == NULL)
			return e;
	}
	return NULL;
}

static void
check_auth(struct lint *l, const struct stack *s)
{
	const struct entry *pw;
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct entry *e = &s->v[i];

		if (e->sub != NULL) {
			check_auth(l, e->sub);
			if (bears_code(e))
				check_reached(l, s, i, "the substack with "
				    "pam_mfa");
			continue;
		}
		if (!e->mfa)
			continue;
		check_line(l, e, T_AUTH);
		if (has_arg(e, "onefield=split")) {
			for (j = i + 1; j < s->n; j++)
				if (s->v[j].mfa &&
				    has_arg(&s->v[j], "onefield=verify"))
					break;
			if (j == s->n)
				efinding(l, e, "split-without-verify",
				    "onefield=split with no onefield=verify "
				    "after it: the password alone logs in");
		}
		if (is_code(e))
			check_reached(l, s, i, "pam_mfa");
		if (onefield(e)) {
			pw = password_module(s, i);
			if (pw == NULL)
				efinding(l, e, "no-use-first-pass", "one field "
				    "and no password module after it: the "
				    "password is never checked");
			else if (!has_arg(pw, "use_first_pass") &&
			    !has_arg(pw, "try_first_pass"))
				efinding(l, pw, "no-use-first-pass", "%s after "
				    "pam_mfa's one field (%s:%u) has no "
				    "use_first_pass or try_first_pass",
				    basename_of(pw->module),
				    basename_of(e->file), e->line);
		}
	}
}

static void
check_account(struct lint *l, const struct stack *s, int *seen)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct entry *e = &s->v[i];

		if (e->sub != NULL) {
			check_account(l, e->sub, seen);
			if (bears_mfa(e))
				check_reached(l, s, i, "the substack with "
				    "pam_mfa");
			continue;
		}
		if (!e->mfa)
			continue;
		*seen = 1;
		check_line(l, e, T_ACCOUNT);
		check_reached(l, s, i, "pam_mfa's account step");
	}
}

unsigned
pamlint_check(const char *path, const char *conf_path,
    pamlint_report report, void *arg)
{
	struct lint l;
	struct stack *auth = NULL, *acct = NULL;
	char *text = NULL, *copy = NULL;
	const char *slash;
	size_t i;
	int fd = -1, seen = 0, code = 0;

	memset(&l, 0, sizeof(l));
	l.conf_path = conf_path;
	l.report = report;
	l.arg = arg;
	l.dirfd = -1;
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(l.dir, sizeof(l.dir), ".");
	else if (slash == path)
		snprintf(l.dir, sizeof(l.dir), "/");
	else
		snprintf(l.dir, sizeof(l.dir), "%.*s", (int)(slash - path),
		    path);
	if ((l.dirfd = open(l.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 ||
	    (text = slurp(fd)) == NULL || (copy = strdup(text)) == NULL) {
		finding(&l, path, 0, "unreadable: %s", errno == EINVAL ?
		    "not a regular file" : errno == EFBIG ?
		    "larger than 64 KiB" : strerror(errno));
		goto out;
	}
	if ((auth = calloc(1, sizeof(*auth))) == NULL ||
	    (acct = calloc(1, sizeof(*acct))) == NULL ||
	    parse(&l, path, text, T_AUTH, 0, auth) != 0 ||
	    (l.lines = 0, parse(&l, path, copy, T_ACCOUNT, 0, acct)) != 0) {
		finding(&l, path, 0, "unreadable: out of memory");
		goto out;
	}
	for (i = 0; i < auth->n; i++)
		code |= bears_code(&auth->v[i]);
	if (!code)
		finding(&l, path, 0, "no-code: no auth line runs pam_mfa "
		    "to check a code");
	check_auth(&l, auth);
	check_account(&l, acct, &seen);
	if (!seen)
		finding(&l, path, 0, "no-account: no account line runs "
		    "pam_mfa: nothing refuses a login whose auth skipped the "
		    "code");
out:
	stack_free(auth);
	stack_free(acct);
	free(text);
	free(copy);
	if (fd >= 0)
		close(fd);
	if (l.dirfd >= 0)
		close(l.dirfd);
	return l.findings;
}
