-- pam_mfa PostgreSQL store: schema, roles and grants (schema version 2).
-- Applied by "pam-mfa db init" (compiled into store_pgsql.so), as a role
-- that may create schemas and roles; idempotent; later releases add their
-- migrations below the last version and record them in schema_version.
--
-- Least privilege, enforced here, not in the gateways:
--  * pam_mfa_gateway (the module's role) reads tokens and state and changes
--    state only through gw_commit, which refuses what no login can do: a
--    replay floor moved back, a spent backup code unspent, failures
--    cleared or a lock shortened without a code consumed by a success
--    (or the lock or the failure interval having run out), a state that
--    does not follow the user's current token.  It can't write tokens,
--    unlock, revoke or read pending tokens.
--  * pam_mfa_admin (pam-mfa) installs, replaces, re-seals and removes
--    tokens and may write any state (unlock), through the adm_ functions.
-- Neither role has any privilege on the tables beyond SELECT: every write
-- is a SECURITY DEFINER function with a fixed search_path, one statement
-- (one row lock, no lock held across a network round trip).
-- Times in the state are the gateways' clocks (unix seconds); gw_commit
-- refuses times more than 300 s ahead of the database's clock: keep the
-- gateways on NTP.
-- A new field of struct mfa_state: a migration here that adds the column
-- with a default, the column in state_write's INSERT and UPDATE, a
-- parameter of gw_commit and adm_commit (in the order of store_pgsql.c's
-- state_cols[], where it gets one line), and a rule in gw_commit if a
-- login may move it one way only.
-- Grant the login roles of gateways and admins membership:
--   CREATE ROLE gw1 LOGIN IN ROLE pam_mfa_gateway;
--   CREATE ROLE mfa_admin LOGIN IN ROLE pam_mfa_admin;
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS pam_mfa;
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pam_mfa_gateway') THEN
		CREATE ROLE pam_mfa_gateway NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pam_mfa_admin') THEN
		CREATE ROLE pam_mfa_admin NOLOGIN;
	END IF;
END $$;
CREATE TABLE IF NOT EXISTS pam_mfa.schema_version (
	version integer PRIMARY KEY,
	applied timestamptz NOT NULL DEFAULT now()
);
DO $$
BEGIN
	IF (SELECT max(version) FROM pam_mfa.schema_version) > 2 THEN
		RAISE EXCEPTION 'pam_mfa schema is newer than this pam-mfa';
	END IF;
END $$;

-- Tokens as token.c encodes them, sealed (AES-256-GCM, bound to the user
-- and the token id) by the gateways' key file: a dump opens nothing.
CREATE TABLE IF NOT EXISTS pam_mfa.tokens (
	username text PRIMARY KEY
	    CHECK (username ~ '^[A-Za-z0-9_@][A-Za-z0-9._@-]{0,127}$'),
	token bytea CHECK (token IS NULL OR length(token) = 1024),
	token_id bigint,		-- the token's id (uint64 bits)
	backup_gen bigint,
	pending bytea CHECK (pending IS NULL OR length(pending) = 1024)
);

-- The key that seals every record from now on (pam-mfa rekey sets it):
-- a record sealed under another key is refused, so that a key rekey
-- finds unused is unused.  NULL until the first rekey.
CREATE TABLE IF NOT EXISTS pam_mfa.keystate (
	only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
	active_key_id bigint NOT NULL
);

-- The id of the key a record (token.h) was sealed with: u32 at 40.
CREATE OR REPLACE FUNCTION pam_mfa.rec_key_id(b bytea) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT SET search_path = pam_mfa, pg_temp AS $$
	SELECT get_byte(b, 40)::bigint + get_byte(b, 41)::bigint * 256 +
	    get_byte(b, 42)::bigint * 65536 + get_byte(b, 43)::bigint * 16777216;
$$;

CREATE OR REPLACE FUNCTION pam_mfa.key_check(b bytea) RETURNS void
LANGUAGE plpgsql SET search_path = pam_mfa, pg_temp AS $$
DECLARE
	k bigint;
BEGIN
	SELECT active_key_id INTO k FROM keystate;
	IF k IS NOT NULL AND rec_key_id(b) <> k THEN
		RAISE EXCEPTION 'pam_mfa: sealed with a key that is not the active one (rekey ran meanwhile: run again)'
		    USING ERRCODE = 'object_not_in_prerequisite_state';
	END IF;
END $$;

CREATE OR REPLACE FUNCTION pam_mfa.adm_set_active_key(k bigint)
    RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
	INSERT INTO keystate (active_key_id) VALUES (k)
	    ON CONFLICT (only_row) DO UPDATE SET active_key_id = excluded.active_key_id;
$$;

-- One column per field of struct mfa_state (state.h), as store_pgsql.c's
-- state_cols[] lists them, plus version, raised by every write.
CREATE TABLE IF NOT EXISTS pam_mfa.state (
	username text PRIMARY KEY
	    CHECK (username ~ '^[A-Za-z0-9_@][A-Za-z0-9._@-]{0,127}$'),
	version bigint NOT NULL CHECK (version > 0),
	token_id bigint NOT NULL,
	next_step numeric(20, 0) NOT NULL CHECK (next_step >= 0),
	fail_count bigint NOT NULL CHECK (fail_count BETWEEN 0 AND 4294967295),
	backup_used bigint NOT NULL CHECK (backup_used BETWEEN 0 AND 4294967295),
	backup_gen bigint NOT NULL CHECK (backup_gen BETWEEN 0 AND 4294967295),
	first_fail bigint NOT NULL,
	locked_until bigint NOT NULL,
	last_success bigint NOT NULL,
	last_fail bigint NOT NULL,
	last_rhost text NOT NULL CHECK (length(last_rhost) <= 63),
	lock_step bigint NOT NULL DEFAULT 0
	    CHECK (lock_step BETWEEN 0 AND 4294967295)
);

-- Write a state row: insert it (expected version 0: none yet) or update
-- it if its version is still v.  Under READ COMMITTED a concurrent writer
-- waits for the row lock and then sees the new version: false, nothing
-- written, and the caller runs its attempt again.
CREATE OR REPLACE FUNCTION pam_mfa.state_write(u text, v bigint,
    n pam_mfa.state) RETURNS boolean
LANGUAGE plpgsql SET search_path = pam_mfa, pg_temp AS $$
BEGIN
	IF v = 0 THEN
		INSERT INTO state VALUES (u, 1, n.token_id, n.next_step,
		    n.fail_count, n.backup_used, n.backup_gen, n.first_fail,
		    n.locked_until, n.last_success, n.last_fail, n.last_rhost,
		    n.lock_step)
		    ON CONFLICT (username) DO NOTHING;
		RETURN FOUND;
	END IF;
	UPDATE state SET version = version + 1, token_id = n.token_id,
	    next_step = n.next_step, fail_count = n.fail_count,
	    backup_used = n.backup_used, backup_gen = n.backup_gen,
	    first_fail = n.first_fail, locked_until = n.locked_until,
	    last_success = n.last_success, last_fail = n.last_fail,
	    last_rhost = n.last_rhost, lock_step = n.lock_step
	    WHERE username = u AND version = v;
	RETURN FOUND;
END $$;

-- The gateways' one write: the state after one attempt, checked against
-- the state it was computed from (locked: FOR UPDATE re-reads the row a
-- concurrent writer left, so a stale v finds nothing).
CREATE OR REPLACE FUNCTION pam_mfa.gw_commit(u text, v bigint,
    p_token_id bigint, p_next_step numeric, p_fail_count bigint,
    p_backup_used bigint, p_backup_gen bigint, p_first_fail bigint,
    p_locked_until bigint, p_last_success bigint, p_last_fail bigint,
    p_last_rhost text, p_lock_step bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
DECLARE
	o state;
	n state;
	t tokens;
	same boolean;
	consumed boolean;
	expired boolean;
BEGIN
	n := ROW(u, v, p_token_id, p_next_step, p_fail_count, p_backup_used,
	    p_backup_gen, p_first_fail, p_locked_until, p_last_success,
	    p_last_fail, p_last_rhost, p_lock_step);
	IF v = 0 THEN
		o := ROW(u, 0, p_token_id, 0, 0, 0, p_backup_gen, 0, 0, 0, 0, '',
		    0);
		IF EXISTS (SELECT 1 FROM state WHERE username = u) THEN
			RETURN false;
		END IF;
	ELSE
		SELECT * INTO o FROM state WHERE username = u AND version = v
		    FOR UPDATE;
		IF NOT FOUND THEN
			RETURN false;
		END IF;
	END IF;
	SELECT * INTO t FROM tokens WHERE username = u;
	-- The state follows the user's current token (or stays as it was).
	IF n.token_id IS DISTINCT FROM o.token_id AND
	    n.token_id IS DISTINCT FROM t.token_id THEN
		RAISE EXCEPTION 'pam_mfa: state for another token'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF n.backup_gen IS DISTINCT FROM o.backup_gen AND
	    n.backup_gen IS DISTINCT FROM t.backup_gen THEN
		RAISE EXCEPTION 'pam_mfa: backup generation of another token'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	same := n.token_id = o.token_id;
	IF same AND n.next_step < o.next_step THEN
		RAISE EXCEPTION 'pam_mfa: replay floor moved back'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF same AND n.backup_gen = o.backup_gen AND
	    (n.backup_used & o.backup_used) <> o.backup_used THEN
		RAISE EXCEPTION 'pam_mfa: spent backup code unspent'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF n.last_success < o.last_success OR n.last_fail < o.last_fail OR
	    greatest(n.last_success, n.last_fail) >
	    extract(epoch FROM now())::bigint + 300 THEN
		RAISE EXCEPTION 'pam_mfa: time moved back or too far ahead'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	-- A success consumes a code: a higher floor or a newly spent backup
	-- code of the same token, or the first code of a new token.
	consumed := NOT same OR n.next_step > o.next_step OR
	    n.backup_gen <> o.backup_gen OR
	    (n.backup_used & ~o.backup_used) <> 0;
	IF n.last_success <> o.last_success AND NOT consumed THEN
		RAISE EXCEPTION 'pam_mfa: success without a code'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF NOT consumed THEN
		-- No success: failures and a lock only grow, unless this
		-- failure found the lock run out or started a new interval.
		expired := n.last_fail > o.last_fail AND
		    ((o.locked_until <> 0 AND n.last_fail >= o.locked_until) OR
		    (n.first_fail = n.last_fail AND n.first_fail > o.first_fail));
		-- The lock step (escalating locks) falls only with a
		-- success, and grows by one lock at a time.
		IF n.lock_step < o.lock_step THEN
			RAISE EXCEPTION 'pam_mfa: lock step cleared without a success'
			    USING ERRCODE = 'insufficient_privilege';
		END IF;
		IF NOT expired AND (n.fail_count < o.fail_count OR
		    (o.locked_until <> 0 AND
		    (n.locked_until = 0 OR n.locked_until < o.locked_until))) THEN
			RAISE EXCEPTION 'pam_mfa: failures or lock cleared without a success'
			    USING ERRCODE = 'insufficient_privilege';
		END IF;
	END IF;
	IF n.lock_step > o.lock_step + 1 THEN
		RAISE EXCEPTION 'pam_mfa: lock step moved by more than one lock'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	IF v = 0 THEN
		RETURN state_write(u, 0, n);
	END IF;
	RETURN state_write(u, v, n);
END $$;

-- pam-mfa's write of a state (unlock, a confirmation's failures): any
-- state, still only if its version is v.
CREATE OR REPLACE FUNCTION pam_mfa.adm_commit(u text, v bigint,
    p_token_id bigint, p_next_step numeric, p_fail_count bigint,
    p_backup_used bigint, p_backup_gen bigint, p_first_fail bigint,
    p_locked_until bigint, p_last_success bigint, p_last_fail bigint,
    p_last_rhost text, p_lock_step bigint) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
BEGIN
	RETURN state_write(u, v, ROW(u, v, p_token_id, p_next_step,
	    p_fail_count, p_backup_used, p_backup_gen, p_first_fail,
	    p_locked_until, p_last_success, p_last_fail, p_last_rhost,
	    p_lock_step));
END $$;

-- Install tok as the active token if the current one is still expect_id
-- (NULL: any; 0 with exp_none: none) and generation expect_gen (NULL: any);
-- the state follows it as store.h says.  0: done, 1: not the expected
-- token (nothing changed).
CREATE OR REPLACE FUNCTION pam_mfa.adm_install(u text, tok bytea,
    p_id bigint, p_gen bigint, expect_none boolean, expect_id bigint,
    expect_gen bigint, first_step numeric, p_next_step numeric)
    RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
DECLARE
	cur tokens;
	o state;
	n state;
BEGIN
	PERFORM key_check(tok);
	INSERT INTO tokens (username) VALUES (u) ON CONFLICT DO NOTHING;
	SELECT * INTO cur FROM tokens WHERE username = u FOR UPDATE;
	IF expect_none AND cur.token IS NOT NULL THEN
		RETURN 1;
	END IF;
	IF NOT expect_none AND expect_id IS NOT NULL AND
	    (cur.token IS NULL OR cur.token_id <> expect_id OR
	    (expect_gen IS NOT NULL AND cur.backup_gen <> expect_gen)) THEN
		RETURN 1;
	END IF;
	UPDATE tokens SET token = tok, token_id = p_id, backup_gen = p_gen,
	    pending = CASE WHEN cur.token IS NOT NULL AND cur.token_id = p_id
	    THEN pending ELSE NULL END
	    WHERE username = u;
	SELECT * INTO o FROM state WHERE username = u FOR UPDATE;
	IF NOT FOUND THEN
		INSERT INTO state VALUES (u, 1, p_id, greatest(p_next_step,
		    first_step), 0, 0, p_gen, 0, 0, 0, 0, '', 0);
		RETURN 0;
	END IF;
	n := o;
	IF o.token_id <> p_id THEN
		n.token_id := p_id;
		n.next_step := greatest(p_next_step, first_step);
		n.backup_used := 0;
		n.backup_gen := p_gen;
	ELSIF p_next_step > o.next_step THEN
		n.next_step := p_next_step;
	END IF;
	IF n.backup_gen <> p_gen THEN
		n.backup_used := 0;
		n.backup_gen := p_gen;
	END IF;
	PERFORM state_write(u, o.version, n);
	RETURN 0;
END $$;

CREATE OR REPLACE FUNCTION pam_mfa.adm_pending_put(u text, tok bytea)
    RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
BEGIN
	PERFORM key_check(tok);
	INSERT INTO tokens (username, pending) VALUES (u, tok)
	    ON CONFLICT (username) DO UPDATE SET pending = excluded.pending;
END $$;

-- Replace a sealed record by the same token sealed under another key, if
-- it is still the record read (rekey): true if replaced.
CREATE OR REPLACE FUNCTION pam_mfa.adm_reseal(u text, pending boolean,
    old bytea, tok bytea) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
BEGIN
	PERFORM key_check(tok);
	IF pending THEN
		UPDATE tokens SET pending = tok WHERE username = u AND
		    tokens.pending = old;
	ELSE
		UPDATE tokens SET token = tok WHERE username = u AND
		    token = old;
	END IF;
	RETURN FOUND;
END $$;

-- Remove the user's tokens and state: whether there was a token.
CREATE OR REPLACE FUNCTION pam_mfa.adm_remove(u text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
DECLARE
	had boolean;
BEGIN
	DELETE FROM tokens WHERE username = u
	    RETURNING token IS NOT NULL OR pending IS NOT NULL INTO had;
	DELETE FROM state WHERE username = u;
	RETURN coalesce(had, false);
END $$;

REVOKE ALL ON SCHEMA pam_mfa FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA pam_mfa FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA pam_mfa FROM PUBLIC;
GRANT USAGE ON SCHEMA pam_mfa TO pam_mfa_gateway, pam_mfa_admin;
GRANT SELECT (username, token, token_id, backup_gen) ON pam_mfa.tokens
    TO pam_mfa_gateway;
GRANT SELECT ON pam_mfa.state TO pam_mfa_gateway;
GRANT EXECUTE ON FUNCTION pam_mfa.gw_commit(text, bigint, bigint, numeric,
    bigint, bigint, bigint, bigint, bigint, bigint, bigint, text, bigint)
    TO pam_mfa_gateway;
GRANT SELECT ON pam_mfa.tokens, pam_mfa.state, pam_mfa.schema_version,
    pam_mfa.keystate TO pam_mfa_admin;
GRANT EXECUTE ON FUNCTION pam_mfa.adm_commit(text, bigint, bigint, numeric,
    bigint, bigint, bigint, bigint, bigint, bigint, bigint, text, bigint),
    pam_mfa.adm_install(text, bytea, bigint, bigint, boolean, bigint, bigint,
    numeric, numeric),
    pam_mfa.adm_pending_put(text, bytea),
    pam_mfa.adm_reseal(text, boolean, bytea, bytea),
    pam_mfa.adm_remove(text), pam_mfa.adm_set_active_key(bigint),
    pam_mfa.rec_key_id(bytea) TO pam_mfa_admin;
INSERT INTO pam_mfa.schema_version (version) VALUES (1)
    ON CONFLICT DO NOTHING;

-- Schema version 2: enrollment at the first login (enroll_at_login).
-- A gateway may read a user's pending token only while the user has no
-- active token (gw_pending), and make it active only as itself
-- (gw_activate): the record it sends must be the pending record's token
-- (the same id, creation time, type, algorithm, digits, cipher, period,
-- secret length, HOTP counter, uid and flags, less the pending flag), with
-- no backup codes and nothing it replaces, sealed under the active key,
-- for a user who has a pending token and no active token, all under the
-- user's row lock; the state follows it as adm_install makes it follow.
-- What the database can't check: the sealed secret itself (it has no
-- key; a gateway holds the key, so it can read every secret already) and
-- pending_lifetime (a gateway's setting: the gateway refuses an expired
-- pending token before it calls).  The gateway still writes no token
-- otherwise: no replacement, no new token for a user nobody enrolled, no
-- backup codes, no removal.
CREATE OR REPLACE FUNCTION pam_mfa.rec_u64(b bytea, off integer)
    RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT SET search_path = pam_mfa, pg_temp AS $$
	SELECT sum(get_byte(b, off + i)::numeric *
	    (256::numeric ^ i)::numeric(20, 0))::numeric(20, 0)
	    FROM generate_series(0, 7) AS i;
$$;

-- A u64 as the bigint of the same bits (store_pgsql.c's token_id).
CREATE OR REPLACE FUNCTION pam_mfa.rec_i64(b bytea, off integer)
    RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT SET search_path = pam_mfa, pg_temp AS $$
	SELECT ('x' || string_agg(lpad(to_hex(get_byte(b, off + i)), 2, '0'),
	    '' ORDER BY i DESC))::bit(64)::bigint
	    FROM generate_series(0, 7) AS i;
$$;

CREATE OR REPLACE FUNCTION pam_mfa.gw_pending(u text) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
	SELECT pending FROM tokens WHERE username = u AND token IS NULL;
$$;

-- The pending token tok made active if the user has no active token and
-- the pending one is still tok's (its id); strict: tok as gw_activate
-- wants it.  0: done, 1: not so (nothing changed).
CREATE OR REPLACE FUNCTION pam_mfa.pending_to_active(u text, tok bytea,
    p_next_step numeric, strict boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
DECLARE
	cur tokens;
	first numeric;
BEGIN
	PERFORM key_check(tok);
	IF length(tok) <> 1024 OR p_next_step IS NULL OR p_next_step < 0 THEN
		RAISE EXCEPTION 'pam_mfa: not a token record'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	SELECT * INTO cur FROM tokens WHERE username = u FOR UPDATE;
	IF NOT FOUND OR cur.token IS NOT NULL OR cur.pending IS NULL OR
	    substring(tok from 9 for 8) <> substring(cur.pending from 9 for 8)
	    THEN
		RETURN 1;
	END IF;
	IF get_byte(tok, 6) & 1 <> 0 OR (strict AND (
	    substring(tok from 9 for 32) <> substring(cur.pending from 9 for 32)
	    OR substring(tok from 925 for 4) <>
	    substring(cur.pending from 925 for 4)
	    OR get_byte(tok, 6) <> get_byte(cur.pending, 6) & 254
	    OR get_byte(tok, 7) <> get_byte(cur.pending, 7)
	    OR get_byte(tok, 140) <> 0 OR get_byte(tok, 141) <> 0
	    OR rec_u64(tok, 916) <> 0)) THEN
		RAISE EXCEPTION 'pam_mfa: not the pending token made active'
		    USING ERRCODE = 'insufficient_privilege';
	END IF;
	first := CASE WHEN get_byte(tok, 24) = 2 THEN rec_u64(tok, 32)
	    ELSE 0 END;
	-- The id and the backup generation (u32 at 136) as the record has
	-- them, not as a caller says.
	RETURN adm_install(u, tok, rec_i64(tok, 8), get_byte(tok, 136) +
	    get_byte(tok, 137) * 256 + get_byte(tok, 138) * 65536 +
	    get_byte(tok, 139)::bigint * 16777216, true, NULL, NULL, first,
	    p_next_step);
END $$;

CREATE OR REPLACE FUNCTION pam_mfa.gw_activate(u text, tok bytea,
    p_next_step numeric) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
	SELECT pending_to_active(u, tok, p_next_step, true);
$$;

CREATE OR REPLACE FUNCTION pam_mfa.adm_activate(u text, tok bytea,
    p_next_step numeric) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
	SELECT pending_to_active(u, tok, p_next_step, false);
$$;

REVOKE ALL ON FUNCTION pam_mfa.rec_u64(bytea, integer),
    pam_mfa.rec_i64(bytea, integer), pam_mfa.gw_pending(text),
    pam_mfa.pending_to_active(text, bytea, numeric, boolean),
    pam_mfa.gw_activate(text, bytea, numeric),
    pam_mfa.adm_activate(text, bytea, numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pam_mfa.gw_pending(text),
    pam_mfa.gw_activate(text, bytea, numeric) TO pam_mfa_gateway;
GRANT EXECUTE ON FUNCTION pam_mfa.adm_activate(text, bytea, numeric)
    TO pam_mfa_admin;

-- Version 2: per-source throttle (password spraying; source.h) ---------
-- Failures counted per remote source across all users, shared by every
-- gateway: one row per source key (an IPv4 address, an IPv6 network
-- "ADDR/PREFIX", or "non-address").  Written only through gw_source_fail
-- (one statement, one row lock: concurrent failures from every gateway
-- all count), which also sweeps a few expired rows each time, so the
-- table holds no more than the sources that failed within the last
-- interval or are throttled.  The rules are source.c's source_fail.
CREATE TABLE IF NOT EXISTS pam_mfa.sources (
	source text PRIMARY KEY CHECK (source ~ '^[0-9A-Za-z.:/-]{1,47}$'),
	fail_count bigint NOT NULL CHECK (fail_count BETWEEN 0 AND 4294967295),
	first_fail bigint NOT NULL,
	last_fail bigint NOT NULL,
	locked_until bigint NOT NULL,
	expires bigint NOT NULL		-- when the row says nothing any more
);
CREATE INDEX IF NOT EXISTS sources_expires ON pam_mfa.sources (expires);

-- Count one failure from s at t (the gateway's clock, at most 300 s ahead
-- of the database's) under the policy (deny, intv, lck): not counted if
-- s is throttled at t.  The row as saved, and whether this throttled it.
CREATE OR REPLACE FUNCTION pam_mfa.gw_source_fail(s text, t bigint,
    deny bigint, intv bigint, lck bigint)
    RETURNS TABLE (fail_count bigint, first_fail bigint, last_fail bigint,
    locked_until bigint, locked_now boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
DECLARE
	r sources;
BEGIN
	IF deny < 1 OR intv < 1 OR intv > 604800 OR lck < 1 OR
	    lck > 604800 OR t <= 0 OR
	    t > extract(epoch FROM now())::bigint + 300 THEN
		RAISE EXCEPTION 'pam_mfa: source failure out of bounds'
		    USING ERRCODE = 'check_violation';
	END IF;
	DELETE FROM sources WHERE sources.source IN (SELECT x.source
	    FROM sources x WHERE x.expires <= t AND x.source <> s
	    ORDER BY x.expires LIMIT 8 FOR UPDATE SKIP LOCKED);
	INSERT INTO sources VALUES (s, 0, 0, 0, 0, 0)
	    ON CONFLICT (source) DO NOTHING;
	SELECT * INTO r FROM sources WHERE sources.source = s FOR UPDATE;
	locked_now := false;
	IF NOT (r.locked_until <> 0 AND t < r.locked_until) THEN
		IF r.locked_until <> 0 THEN
			r.locked_until := 0;
			r.fail_count := 0;
		END IF;
		IF r.fail_count = 0 OR (t >= r.first_fail AND
		    t - r.first_fail >= intv) THEN
			r.fail_count := 0;
			r.first_fail := t;
		END IF;
		IF r.fail_count < 4294967295 THEN
			r.fail_count := r.fail_count + 1;
		END IF;
		r.last_fail := t;
		IF r.fail_count >= deny THEN
			r.locked_until := t + lck;
			locked_now := true;
		END IF;
		r.expires := greatest(r.locked_until, r.first_fail + intv);
		UPDATE sources SET fail_count = r.fail_count,
		    first_fail = r.first_fail, last_fail = r.last_fail,
		    locked_until = r.locked_until, expires = r.expires
		    WHERE sources.source = s;
	END IF;
	fail_count := r.fail_count;
	first_fail := r.first_fail;
	last_fail := r.last_fail;
	locked_until := r.locked_until;
	RETURN NEXT;
END $$;

-- pam-mfa unlock --source: whether there was a row.
CREATE OR REPLACE FUNCTION pam_mfa.adm_source_clear(s text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pam_mfa, pg_temp AS $$
BEGIN
	DELETE FROM sources WHERE source = s;
	RETURN FOUND;
END $$;

REVOKE ALL ON pam_mfa.sources FROM PUBLIC;
REVOKE ALL ON FUNCTION pam_mfa.gw_source_fail(text, bigint, bigint, bigint,
    bigint), pam_mfa.adm_source_clear(text) FROM PUBLIC;
GRANT SELECT ON pam_mfa.sources TO pam_mfa_gateway, pam_mfa_admin;
GRANT EXECUTE ON FUNCTION pam_mfa.gw_source_fail(text, bigint, bigint,
    bigint, bigint) TO pam_mfa_gateway;
GRANT EXECUTE ON FUNCTION pam_mfa.adm_source_clear(text) TO pam_mfa_admin;
INSERT INTO pam_mfa.schema_version (version) VALUES (2)
    ON CONFLICT DO NOTHING;
