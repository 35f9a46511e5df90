/*
 * test_wipe.c - secrets don't outlive the call that needed them.  Each
 * call of the core that holds a token's secret, a one-time code or a
 * backup code in a buffer of its own runs in a thread on a stack of the
 * test's (mmap'd, all zero), while free() is watched (the heap check,
 * outside ASan, whose allocator is its own); afterwards the whole of that
 * stack and every buffer freed during the call are searched for the
 * secret, the code and the backup code.  A buffer left unwiped
 * (token_unseal's plaintext, a candidate code, a backup code's digits, a
 * token on the stack) is found there, whichever frame it was in.  The
 * inputs themselves live on the heap, outside the searched stack.
 * Skipped under ASan, whose instrumented frames and allocator are its
 * own (its probe finds nothing there); the plain and valgrind runs check.
 */
#include "config.h"

#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#endif
#endif
#ifndef VALGRIND_MAKE_MEM_DEFINED
#define VALGRIND_MAKE_MEM_DEFINED(a, n) ((void)(a), (void)(n))
#endif

#include "account.h"
#include "auth.h"
#include "backup.h"
#include "conf.h"
#include "crypto.h"
#include "keyring.h"
#include "otp.h"
#include "store.h"
#include "testutil.h"
#include "token.h"

#define STACK_SIZE	(512 * 1024)
#define NEEDLES_MAX	4

/* What must not be found, set before each call. */
static struct {
	const void *p;
	size_t n;
	const char *what;
} needles[NEEDLES_MAX];
static size_t n_needles;
static int heap_watch;		/* free() searches what it frees */
static char heap_found[128];	/* the first needle found in a freed buffer */
#ifndef __SANITIZE_ADDRESS__
static unsigned long heap_frees;	/* buffers searched */
#endif

static const unsigned char secret[20] = {
	0xd3, 0x5c, 0x91, 0x0e, 0x7a, 0xb2, 0x44, 0xf9, 0x1d, 0x68,
	0xc5, 0x3f, 0x82, 0x27, 0xe1, 0x9b, 0x50, 0x0a, 0xbe, 0x76,
};

static void
needle(const void *p, size_t n, const char *what)
{
	assert_true(n_needles < NEEDLES_MAX);
	needles[n_needles].p = p;
	needles[n_needles].n = n;
	needles[n_needles].what = what;
	n_needles++;
}

/* The first needle in buf[0..len), or NULL.  Byte by byte: neither the
 * sanitizer nor valgrind may object to reading a dead frame. */
__attribute__((no_sanitize_address)) static const char *
search(const unsigned char *buf, size_t len, size_t *at)
{
	size_t i, j, k;

	for (k = 0; k < n_needles; k++) {
		const unsigned char *nd = needles[k].p;
		size_t n = needles[k].n;

		for (i = 0; i + n <= len; i++) {
			for (j = 0; j < n && buf[i + j] == nd[j]; j++)
				;
			if (j == n) {
				*at = i;
				return needles[k].what;
			}
		}
	}
	return NULL;
}

#ifndef __SANITIZE_ADDRESS__
/* Every free in the process (libcrypto's and liboath's too) comes here
 * first while heap_watch is set. */
void
free(void *p)
{
	static void (*real_free)(void *);
	size_t at;
	const char *w;

	if (real_free == NULL)
		real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	if (p != NULL && heap_watch) {
		heap_watch = 0;
		heap_frees++;
		if ((w = search(p, malloc_usable_size(p), &at)) != NULL &&
		    heap_found[0] == '\0')
			snprintf(heap_found, sizeof(heap_found),
			    "%s in a freed buffer", w);
		heap_watch = 1;
	}
	real_free(p);
}
#endif

struct call {
	void (*fn)(void *);
	void *arg;
};

static void *
trampoline(void *a)
{
	struct call *c = a;

	c->fn(c->arg);
	return NULL;
}

/*
 * Run fn(arg) on a fresh stack with free() watched, then fail if any
 * needle is on that stack or was in a buffer freed meanwhile.
 */
static void
run_clean(void (*fn)(void *), void *arg)
{
	struct call c = { fn, arg };
	pthread_attr_t attr;
	pthread_t th;
	unsigned char *stack;
	const char *w;
	size_t at;

	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(stack != MAP_FAILED);
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstack(&attr, stack, STACK_SIZE), 0);
	heap_found[0] = '\0';
	heap_watch = 1;
	assert_int_equal(pthread_create(&th, &attr, trampoline, &c), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	heap_watch = 0;
	pthread_attr_destroy(&attr);
	VALGRIND_MAKE_MEM_DEFINED(stack, STACK_SIZE);
	w = search(stack, STACK_SIZE, &at);
	if (w != NULL)
		fail_msg("%s left on the stack (%zu bytes below its top)", w,
		    (size_t)STACK_SIZE - at);
	assert_int_equal(munmap(stack, STACK_SIZE), 0);
	if (heap_found[0] != '\0')
		fail_msg("%s", heap_found);
	n_needles = 0;
}

/* Proof that the search finds what a call leaves behind. */
static void
leave_on_stack(void *arg)
{
	unsigned char buf[64];

	memcpy(buf, arg, sizeof(secret));
	/* Kept: the compiler may not drop the copy as a dead store. */
	__asm__ volatile("" : : "r"(buf) : "memory");
}

#ifndef __SANITIZE_ADDRESS__
static void
leave_in_heap(void *arg)
{
	unsigned char *p = malloc(64);

	assert_non_null(p);
	memcpy(p, arg, sizeof(secret));
	__asm__ volatile("" : : "r"(p) : "memory");
	free(p);
}
#endif

static void
test_search_finds_leftovers(void **st)
{
	struct call c = { leave_on_stack, tu_unconst((const char *)secret) };
	pthread_attr_t attr;
	pthread_t th;
	unsigned char *stack;
	size_t at;

	(void)st;
	/* What run_clean does, expecting a find this time. */
	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(stack != MAP_FAILED);
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstack(&attr, stack, STACK_SIZE), 0);
	needle(secret, sizeof(secret), "the secret");
	assert_int_equal(pthread_create(&th, &attr, trampoline, &c), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	pthread_attr_destroy(&attr);
	VALGRIND_MAKE_MEM_DEFINED(stack, STACK_SIZE);
	assert_non_null(search(stack, STACK_SIZE, &at));
	munmap(stack, STACK_SIZE);
#ifndef __SANITIZE_ADDRESS__
	heap_found[0] = '\0';
	heap_frees = 0;
	heap_watch = 1;
	leave_in_heap(tu_unconst((const char *)secret));
	heap_watch = 0;
	assert_true(heap_frees >= 1);
	assert_string_equal(heap_found, "the secret in a freed buffer");
#endif
	n_needles = 0;
}

/* A TOTP token with the known secret and, sealed with it, backup codes. */
struct fixture {
	struct mfa_token *tok;		/* in clear */
	struct mfa_token *sealed;
	struct mfa_keyring *kr;
	char (*codes)[BACKUP_TEXT_MAX + 1];
	char *digits;			/* codes[0] without its hyphen */
	char *digits1;			/* codes[1] without its hyphen */
	char *field;			/* a password, then codes[0] */
	char *code;			/* the code at now */
	int64_t now;
	enum mfa_err rc;
	unsigned slot;
	uint64_t matched;
};

static struct fixture *
fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->tok = calloc(1, sizeof(*f->tok));
	f->sealed = calloc(1, sizeof(*f->sealed));
	f->kr = calloc(1, sizeof(*f->kr));
	f->codes = calloc(4, sizeof(*f->codes));
	f->digits = calloc(1, BACKUP_LEN_NEW + 1);
	f->digits1 = calloc(1, BACKUP_LEN_NEW + 1);
	f->field = calloc(1, 64);
	f->code = calloc(1, MFA_CODE_MAX + 1);
	assert_true(f->tok && f->sealed && f->kr && f->codes && f->digits &&
	    f->digits1 && f->field && f->code);
	f->tok->id = 42;
	f->tok->type = MFA_TOTP;
	f->tok->algo = MFA_SHA1;
	f->tok->digits = 6;
	f->tok->period = 30;
	f->tok->secret_len = sizeof(secret);
	memcpy(f->tok->secret, secret, sizeof(secret));
	assert_int_equal(backup_generate(f->tok, 4, f->codes), MFA_OK);
	assert_int_equal(backup_parse(f->codes[0], strlen(f->codes[0]),
	    BACKUP_LEN_NEW, 1, f->digits), 1);
	assert_int_equal(backup_parse(f->codes[1], strlen(f->codes[1]),
	    BACKUP_LEN_NEW, 1, f->digits1), 1);
	snprintf(f->field, 64, "pass%s", f->codes[0]);
	assert_int_equal(keyring_add(f->kr), MFA_OK);
	*f->sealed = *f->tok;
	assert_int_equal(token_seal(f->sealed, "alice", f->kr), MFA_OK);
	f->now = 1900000000;
	assert_int_equal(otp_generate(f->tok, otp_step(f->tok, f->now),
	    f->code), MFA_OK);
	return f;
}

static void
fixture_free(struct fixture *f)
{
	token_wipe(f->tok);
	token_wipe(f->sealed);
	keyring_wipe(f->kr);
	crypto_wipe(f->codes, 4 * sizeof(*f->codes));
	crypto_wipe(f->digits, BACKUP_LEN_NEW + 1);
	crypto_wipe(f->digits1, BACKUP_LEN_NEW + 1);
	crypto_wipe(f->field, 64);
	crypto_wipe(f->code, MFA_CODE_MAX + 1);
	free(f->tok);
	free(f->sealed);
	free(f->kr);
	free(f->codes);
	free(f->digits);
	free(f->digits1);
	free(f->field);
	free(f->code);
	free(f);
}

static void
call_unseal(void *a)
{
	struct fixture *f = a;
	struct mfa_token *t = malloc(sizeof(*t));

	assert_non_null(t);
	*t = *f->sealed;
	f->rc = token_unseal(t, "alice", f->kr);
	token_wipe(t);
	free(t);
}

/* token_unseal: the plaintext it decrypted into is wiped. */
static void
test_unseal(void **st)
{
	struct fixture *f = fixture_new();

	(void)st;
	needle(secret, sizeof(secret), "the secret");
	run_clean(call_unseal, f);
	assert_int_equal(f->rc, MFA_OK);
	fixture_free(f);
}

static void
call_seal(void *a)
{
	struct fixture *f = a;
	struct mfa_token *t = malloc(sizeof(*t));

	assert_non_null(t);
	*t = *f->tok;
	f->rc = token_seal(t, "alice", f->kr);
	token_wipe(t);
	free(t);
}

/* token_seal: the plaintext it gathered is wiped. */
static void
test_seal(void **st)
{
	struct fixture *f = fixture_new();

	(void)st;
	needle(secret, sizeof(secret), "the secret");
	run_clean(call_seal, f);
	assert_int_equal(f->rc, MFA_OK);
	fixture_free(f);
}

static void
call_verify(void *a)
{
	struct otp_params p = { 1, 0 };
	struct fixture *f = a;

	f->rc = otp_verify(f->tok, &p, f->code, strlen(f->code), f->now, 0,
	    &f->matched);
}

/* otp_verify: no candidate code is left behind, the last one it
 * computes (the end of the window) included. */
static void
test_verify(void **st)
{
	struct fixture *f = fixture_new();

	(void)st;
	assert_int_equal(otp_generate(f->tok, otp_step(f->tok, f->now) + 1,
	    f->code), MFA_OK);
	needle(f->code, strlen(f->code), "the code");
	needle(secret, sizeof(secret), "the secret");
	run_clean(call_verify, f);
	assert_int_equal(f->rc, MFA_OK);
	assert_true(f->matched == otp_step(f->tok, f->now) + 1);
	fixture_free(f);
}

/* A backup code as each step takes it, one call per clean stack (a later
 * call would overwrite what an earlier one left). */
static void
call_wellformed(void *a)
{
	struct fixture *f = a;

	f->rc = auth_code_wellformed(f->codes[0], strlen(f->codes[0])) ?
	    MFA_OK : MFA_EINPUT;
}

static void
call_split(void *a)
{
	struct fixture *f = a;
	size_t pw;

	f->rc = auth_split_field(f->field, strlen(f->field), 6,
	    BACKUP_LEN_NEW, &pw) && pw == 4 ? MFA_OK : MFA_EINPUT;
}

static void
call_match(void *a)
{
	struct fixture *f = a;

	f->rc = backup_match(f->tok, 0, f->digits, &f->slot);
}

static void
test_backup_code(void **st)
{
	static void (*const steps[])(void *) = {
		call_wellformed, call_split, call_match,
	};
	struct fixture *f = fixture_new();
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		needle(f->digits, BACKUP_LEN_NEW, "the backup code's digits");
		needle(f->codes[0], strlen(f->codes[0]), "the backup code");
		f->rc = MFA_EINTERNAL;
		run_clean(steps[i], f);
		assert_int_equal(f->rc, MFA_OK);
	}
	assert_int_equal(f->slot, 0);
	fixture_free(f);
}

/* The whole attempt through a real store: begin, unseal, verify,
 * commit; then with a backup code. */
struct attempt {
	struct mfa_conf *conf;
	struct mfa_store *store;
	struct auth_request req;
	struct auth_result res;
	enum mfa_err rc;
};

static void
call_attempt(void *a)
{
	struct attempt *at = a;

	at->rc = auth_attempt(at->conf, at->store, &at->req, &at->res);
}

static void
test_attempt(void **st)
{
	struct fixture *f = fixture_new();
	struct attempt *at = calloc(1, sizeof(*at));
	struct mfa_account acct;
	char errmsg[CONF_ERRMSG_MAX], path[512], text[1024];
	char *dir = tu_tmpdir();

	(void)st;
	assert_non_null(at);
	assert_non_null(dir);
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/mfa.conf", dir);
	snprintf(text, sizeof(text), "state_dir = \"%s/state\";\n"
	    "key_file = \"%s/mfa.key\";\n", dir, dir);
	assert_int_equal(tu_write_file(path, text, 0644), 0);
	assert_int_equal(conf_load(path, &at->conf, errmsg), MFA_OK);
	assert_int_equal(store_create(at->conf), MFA_OK);
	assert_int_equal(store_open(at->conf, &at->store), MFA_OK);
	assert_int_equal(store_token_put(at->store, "alice", f->tok), MFA_OK);

	assert_int_equal(account_resolve("alice", MFA_LOOKUP_EXACT,
	    &acct), MFA_OK);
	at->req.user = acct.name;
	at->req.acct = &acct;
	at->req.code = f->code;
	at->req.code_len = strlen(f->code);
	at->req.now = f->now;
	needle(f->code, strlen(f->code), "the code");
	needle(secret, sizeof(secret), "the secret");
	run_clean(call_attempt, at);
	assert_int_equal(at->rc, MFA_OK);

	at->req.code = f->codes[1];
	at->req.code_len = strlen(f->codes[1]);
	needle(f->codes[1], strlen(f->codes[1]), "the backup code");
	needle(f->digits1, BACKUP_LEN_NEW, "the backup code's digits");
	needle(secret, sizeof(secret), "the secret");
	run_clean(call_attempt, at);
	assert_int_equal(at->rc, MFA_OK);
	assert_int_equal(at->res.backup, 1);

	store_close(at->store);
	conf_free(at->conf);
	free(at);
	tu_rm_rf(dir);
	free(dir);
	fixture_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_search_finds_leftovers),
		cmocka_unit_test(test_unseal),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_backup_code),
		cmocka_unit_test(test_attempt),
	};

#ifdef __SANITIZE_ADDRESS__
	(void)tests;
	fprintf(stderr, "test_wipe: skipped under ASan (see its header)\n");
	return 77;
#endif
	if (geteuid() != 0) {
		fprintf(stderr, "test_wipe: must run as root (a root-owned "
		    "store)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
