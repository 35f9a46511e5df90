/*
 * test_helper_proto.c - the request pam_mfa sends pam_mfa_helper and the
 * exit-status table, as pure functions: what encodes decodes to the same,
 * and every malformed request is refused.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "helper.h"

static void
test_roundtrip(void **st)
{
	struct helper_req in, out;
	char buf[HELPER_REQ_MAX];
	size_t len;
	int op;

	(void)st;
	for (op = 0; op < HELPER_OP_MAX; op++) {
		memset(&in, 0, sizeof(in));
		in.op = (enum helper_op)op;
		in.conf = "/etc/security/pam_mfa.conf";
		in.user = "alice";
		in.service = "radiusd";
		in.rhost = "";
		in.answer = op == HELPER_ATTEMPT ? "12345-67890" : NULL;
		in.answer_len = op == HELPER_ATTEMPT ? 11 : 0;
		assert_int_equal(helper_req_encode(&in, buf, &len), MFA_OK);
		assert_int_equal(helper_req_decode(buf, len, &out), MFA_OK);
		assert_int_equal(out.op, op);
		assert_string_equal(out.conf, in.conf);
		assert_string_equal(out.user, "alice");
		assert_string_equal(out.service, "radiusd");
		assert_string_equal(out.rhost, "");
		assert_int_equal(out.answer_len, in.answer_len);
		if (op == HELPER_ATTEMPT)
			assert_memory_equal(out.answer, "12345-67890", 11);
	}
}

/* Refused: each a request the decoder must not accept. */
static void
test_decode_refuses(void **st)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
#define R(s) { s, sizeof(s) - 1 }
		R(""),
		R("attempt\0/c\0alice\0s\0r\0"),	/* five fields */
		R("attempt\0/c\0alice\0s\0r\0" "123456"),	/* no NUL */
		R("attempt\0/c\0alice\0s\0r\0" "123456\0x"),
		R("attempt\0/c\0alice\0s\0r\0" "123456\0x\0"),	/* 7 */
		R("enroll\0/c\0alice\0s\0r\0\0"),	/* no such op */
		R("status\0/c\0alice\0s\0r\0\0"),
		R("unlock\0/c\0alice\0s\0r\0\0"),
		R("Attempt\0/c\0alice\0s\0r\0" "123456\0"),
		R("attempt\0/c\0alice\0s\0r\0\0"),	/* no answer */
		R("preauth\0/c\0alice\0s\0r\0" "1\0"),	/* an answer */
		R("enrolled-meta\0/c\0alice\0s\0r\0" "1\0"),
		R("attempt\0\0alice\0s\0r\0" "123456\0"),	/* no conf */
		R("attempt\0/c\0\0s\0r\0" "123456\0"),	/* no user */
		R("attempt\0/c\0a\0s\0r\0" "123456789012\0"), /* 12 */
#undef R
	};
	struct helper_req req;
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (helper_req_decode(bad[i].bytes, bad[i].len, &req) !=
		    MFA_EINPUT)
			fail_msg("accepted bad request %zu", i);
	}
}

static void
test_bounds(void **st)
{
	char big[HELPER_REQ_MAX + 64], buf[HELPER_REQ_MAX];
	char user[MFA_USER_MAX + 2], rhost[HELPER_RHOST_MAX + 2];
	struct helper_req in, out;
	size_t len;

	(void)st;
	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	memset(rhost, 'r', sizeof(rhost) - 1);
	rhost[sizeof(rhost) - 1] = '\0';
	memset(&in, 0, sizeof(in));
	in.op = HELPER_META;
	in.conf = "/c";
	in.user = user;			/* one byte too long */
	in.service = "s";
	in.rhost = "";
	assert_int_equal(helper_req_encode(&in, buf, &len), MFA_EINPUT);
	user[MFA_USER_MAX] = '\0';	/* the longest */
	in.rhost = rhost;		/* one byte too long */
	assert_int_equal(helper_req_encode(&in, buf, &len), MFA_EINPUT);
	rhost[HELPER_RHOST_MAX] = '\0';
	assert_int_equal(helper_req_encode(&in, buf, &len), MFA_OK);
	assert_int_equal(helper_req_decode(buf, len, &out), MFA_OK);
	assert_int_equal(strlen(out.user), MFA_USER_MAX);
	/* An answer with a NUL inside is not sent. */
	in.op = HELPER_ATTEMPT;
	in.answer = "12\0" "456";
	in.answer_len = 6;
	assert_int_equal(helper_req_encode(&in, buf, &len), MFA_EINPUT);
	/* Longer than any request. */
	memset(big, 'a', sizeof(big));
	assert_int_equal(helper_req_decode(big, sizeof(big), &out),
	    MFA_EINPUT);
}

/* The numbers pam_mfa_helper(8) documents, and back. */
static void
test_status_table(void **st)
{
	static const struct {
		enum mfa_err err;
		int status;
	} t[] = {
		{ MFA_OK, 0 }, { MFA_EBADCODE, 1 }, { MFA_EREPLAY, 2 },
		{ MFA_ELOCKED, 3 }, { MFA_ENOTENROLLED, 4 },
		{ MFA_EPASSWORD, 5 }, { MFA_EINPUT, 6 }, { MFA_ECONFIG, 7 },
		{ MFA_EBUSY, 12 }, { MFA_EINTERNAL, 16 },
		{ MFA_EUNSYNCED, 27 },
		{ MFA_EEXPIRED, 28 }, { MFA_EDEADLINE, 29 }, { MFA_ESOURCE, 30 },
	};
	size_t i;
	int e, s;

	(void)st;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(helper_status_of(t[i].err), t[i].status);
		assert_int_equal(helper_err_of(t[i].status), t[i].err);
	}
	/* Every error has a status that maps back to it. */
	for (e = 0; e < MFA_ERR_MAX; e++) {
		if (e == MFA_EEXIST)
			continue;	/* never a login's verdict */
		assert_int_equal(helper_err_of(helper_status_of(e)), e);
	}
	/* Nothing else is a verdict: never MFA_OK for an unknown status. */
	for (s = 31; s < 256; s++)
		assert_int_equal(helper_err_of(s), MFA_EINTERNAL);
	assert_int_equal(helper_err_of(-1), MFA_EINTERNAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_decode_refuses),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_status_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
