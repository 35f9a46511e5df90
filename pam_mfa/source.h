/*
 * source.h - where an attempt comes from, and the per-source throttle.
 * Pure: PAM_RHOST (attacker-influenced) is validated and reduced to the
 * key its failures are counted under, and the policy takes the time as an
 * argument and changes only the record, so both are table-tested.
 *
 * Keys: an IPv4 address in dotted quad ("192.0.2.7"); an IPv6 address in
 * inet_ntop's canonical form, masked to source_ipv6_prefix bits and
 * followed by "/PREFIX" unless that is 128 ("2001:db8:1:2::/64"); an
 * IPv4-mapped IPv6 address ("::ffff:192.0.2.7") is the IPv4 address.
 * Anything else a host may set (a host name from reverse DNS, garbage,
 * more than SOURCE_RHOST_MAX bytes, bytes outside printable ASCII) is
 * counted under the one shared key SOURCE_NONADDR: a client that can
 * choose its host name can choose a new one for every attempt, so each
 * name its own key would escape the count.  No PAM_RHOST, or an empty
 * one, is no source: nothing is counted or refused.
 *
 * Policy: deny failures from one key within interval seconds of the
 * first of them throttle it for lock_time seconds.  While throttled,
 * every attempt from it is refused before any code is checked and is not
 * recorded (against the source or the user), so the throttle ends on
 * time however hard it keeps knocking.  A success does not clear a
 * source's count (one account of its own would let a sprayer go on).
 */
#ifndef MFA_SOURCE_H
#define MFA_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mfa.h"

#define SOURCE_RHOST_MAX	253	/* bytes: a DNS name at most */
#define SOURCE_KEY_MAX		47	/* "ffff:...:ffff/127" is 43 */
#define SOURCE_NONADDR		"non-address"

enum source_kind {
	SOURCE_NONE,		/* no PAM_RHOST: not counted */
	SOURCE_ADDR,		/* an IPv4 or IPv6 address */
	SOURCE_NAME,		/* anything else: SOURCE_NONADDR */
};

struct source {
	enum source_kind kind;
	int v4;				/* addr[12..15] is IPv4 */
	unsigned char addr[16];		/* the address, unmasked */
	char key[SOURCE_KEY_MAX + 1];	/* what failures count under */
};

/* A network of source_allow: address and prefix length. */
struct source_net {
	int v4;
	unsigned char addr[16];
	unsigned prefix;		/* 0..32 (IPv4), 0..128 (IPv6) */
};

struct source_policy {
	unsigned deny;		/* 0: no throttle */
	unsigned interval;
	unsigned lock_time;
};

/* A source's record, as a store keeps it. */
struct source_rec {
	char key[SOURCE_KEY_MAX + 1];
	uint32_t fail_count;
	int64_t first_fail;
	int64_t last_fail;
	int64_t locked_until;	/* 0: not throttled */
};

/* Reduce rhost (NULL, or PAM_RHOST as the host set it) to *src, with
 * IPv6 addresses counted per v6_prefix bits (32..128). */
void source_parse(const char *rhost, unsigned v6_prefix, struct source *src);
/* Parse "ADDR" or "ADDR/PREFIX" of source_allow: MFA_EINPUT if bad. */
enum mfa_err source_net_parse(const char *text, struct source_net *net);
/* net as source_allow takes it: "ADDRESS/PREFIX" (buf: 64 bytes). */
void source_net_format(const struct source_net *net, char *buf, size_t len);
/* Whether src is an address inside one of nets. */
bool source_allowed(const struct source *src, const struct source_net *nets,
    size_t n);
/* Whether p counts src: a throttle is on and src is an address outside
 * the allow-list, or the shared non-address key. */
bool source_counted(const struct source_policy *p, const struct source *src,
    const struct source_net *nets, size_t n);

bool source_locked(const struct source_rec *r, int64_t now);
/* Record one failure at now; true if it throttled the source. */
bool source_fail(const struct source_policy *p, struct source_rec *r,
    int64_t now);
/* Whether the record says nothing any more at now (not throttled, its
 * count's interval over): a store may drop or reuse it. */
bool source_expired(const struct source_policy *p, const struct source_rec *r,
    int64_t now);

#endif
