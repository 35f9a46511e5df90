/*
 * source.c - PAM_RHOST reduced to the key its failures count under, the
 * allow-list, and the per-source throttle policy; see source.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "source.h"

/* The ::ffff:0:0/96 prefix of an IPv4-mapped IPv6 address. */
static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Whether s (len bytes) is printable ASCII without a space. */
static bool
printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Parse an address (IPv4 dotted quad or IPv6) into addr; v4-mapped IPv6
 * becomes IPv4.  False if text is neither. */
static bool
addr_parse(const char *text, unsigned char addr[16], int *v4)
{
	unsigned char a[16];

	memset(addr, 0, 16);
	if (inet_pton(AF_INET, text, a) == 1) {
		memcpy(addr, v4mapped, sizeof(v4mapped));
		memcpy(addr + 12, a, 4);
		*v4 = 1;
		return true;
	}
	if (inet_pton(AF_INET6, text, a) != 1)
		return false;
	memcpy(addr, a, 16);
	*v4 = memcmp(a, v4mapped, sizeof(v4mapped)) == 0;
	return true;
}

/* Clear the bits of addr after the first bits (of 128). */
static void
addr_mask(unsigned char addr[16], unsigned bits)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		addr[i] &= (unsigned char)(0xff00U >> bits);
		bits = 0;
	}
}

void
source_parse(const char *rhost, unsigned v6_prefix, struct source *src)
{
	char buf[INET6_ADDRSTRLEN];
	unsigned char masked[16];
	size_t len;
	int n;

	memset(src, 0, sizeof(*src));
	if (rhost == NULL || rhost[0] == '\0')
		return;
	src->kind = SOURCE_NAME;
	snprintf(src->key, sizeof(src->key), "%s", SOURCE_NONADDR);
	len = strnlen(rhost, SOURCE_RHOST_MAX + 1);
	/* Longer than any address, or with bytes no address has. */
	if (len >= sizeof(buf) || !printable(rhost, len))
		return;
	memcpy(buf, rhost, len + 1);
	if (!addr_parse(buf, src->addr, &src->v4))
		return;
	if (v6_prefix < 32 || v6_prefix > 128)
		v6_prefix = 128;
	src->kind = SOURCE_ADDR;
	if (src->v4) {
		inet_ntop(AF_INET, src->addr + 12, buf, sizeof(buf));
		snprintf(src->key, sizeof(src->key), "%s", buf);
		return;
	}
	memcpy(masked, src->addr, sizeof(masked));
	addr_mask(masked, v6_prefix);
	inet_ntop(AF_INET6, masked, buf, sizeof(buf));
	/* At most 39 + 4 bytes: it fits. */
	n = v6_prefix == 128 ?
	    snprintf(src->key, sizeof(src->key), "%s", buf) :
	    snprintf(src->key, sizeof(src->key), "%.39s/%u", buf, v6_prefix);
	if (n < 0 || (size_t)n >= sizeof(src->key)) {
		/* Never: but never a cut key either. */
		src->kind = SOURCE_NAME;
		snprintf(src->key, sizeof(src->key), "%s", SOURCE_NONADDR);
	}
}

enum mfa_err
source_net_parse(const char *text, struct source_net *net)
{
	char buf[INET6_ADDRSTRLEN + 4];
	const char *slash;
	unsigned prefix = 0;
	size_t len, i;
	int v6text;

	memset(net, 0, sizeof(*net));
	if (text == NULL || (len = strnlen(text, sizeof(buf))) ==
	    sizeof(buf) || len == 0)
		return MFA_EINPUT;
	memcpy(buf, text, len + 1);
	if ((slash = strchr(buf, '/')) != NULL) {
		/* 1 to 3 digits, no sign, no leading zero. */
		len = strlen(slash + 1);
		if (len == 0 || len > 3 || (slash[1] == '0' && len > 1))
			return MFA_EINPUT;
		for (i = 1; slash[i] != '\0'; i++) {
			if (slash[i] < '0' || slash[i] > '9')
				return MFA_EINPUT;
			prefix = prefix * 10 + (unsigned)(slash[i] - '0');
		}
		buf[slash - buf] = '\0';
	}
	if (!addr_parse(buf, net->addr, &net->v4))
		return MFA_EINPUT;
	/* Written as IPv6 (::ffff:192.0.2.0/120): an IPv6 prefix. */
	v6text = strchr(buf, ':') != NULL;
	if (slash == NULL)
		prefix = net->v4 && !v6text ? 32 : 128;
	if (prefix > (net->v4 && !v6text ? 32U : 128U) ||
	    (net->v4 && v6text && prefix < 96))
		return MFA_EINPUT;
	/* Kept over the whole 128 bits: an IPv4 net is ::ffff:a.b.c.d/96+n. */
	net->prefix = net->v4 && !v6text ? prefix + 96 : prefix;
	addr_mask(net->addr, net->prefix);
	return MFA_OK;
}

void
source_net_format(const struct source_net *net, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (net->v4)
		inet_ntop(AF_INET, net->addr + 12, a, sizeof(a));
	else
		inet_ntop(AF_INET6, net->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, net->v4 ? net->prefix - 96 :
	    net->prefix);
}

bool
source_allowed(const struct source *src, const struct source_net *nets,
    size_t n)
{
	unsigned char a[16];
	size_t i;

	if (src->kind != SOURCE_ADDR)
		return false;
	for (i = 0; i < n; i++) {
		memcpy(a, src->addr, sizeof(a));
		addr_mask(a, nets[i].prefix);
		if (memcmp(a, nets[i].addr, sizeof(a)) == 0)
			return true;
	}
	return false;
}

bool
source_counted(const struct source_policy *p, const struct source *src,
    const struct source_net *nets, size_t n)
{
	return p->deny != 0 && src->kind != SOURCE_NONE &&
	    !source_allowed(src, nets, n);
}

bool
source_locked(const struct source_rec *r, int64_t now)
{
	return r->locked_until != 0 && now < r->locked_until;
}

bool
source_fail(const struct source_policy *p, struct source_rec *r, int64_t now)
{
	/* A throttle that has run out starts a fresh count. */
	if (r->locked_until != 0 && now >= r->locked_until) {
		r->locked_until = 0;
		r->fail_count = 0;
	}
	/* The interval runs from the first failure; a clock stepped back
	 * keeps the count, as lockout.c does. */
	if (r->fail_count == 0 || (now >= r->first_fail &&
	    now - r->first_fail >= (int64_t)p->interval)) {
		r->fail_count = 0;
		r->first_fail = now;
	}
	if (r->fail_count < UINT32_MAX)
		r->fail_count++;
	r->last_fail = now;
	if (p->deny == 0 || r->fail_count < p->deny)
		return false;
	r->locked_until = now + (int64_t)p->lock_time;
	return true;
}

bool
source_expired(const struct source_policy *p, const struct source_rec *r,
    int64_t now)
{
	if (source_locked(r, now))
		return false;
	/* A clock stepped back (now < first_fail) keeps the count. */
	return r->fail_count == 0 || r->locked_until != 0 ||
	    (now >= r->first_fail &&
	    now - r->first_fail >= (int64_t)p->interval);
}
