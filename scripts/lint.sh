#!/bin/sh
# lint.sh [CHECK...] - static checks of pam_mfa/ and tools/: cppcheck,
# clang-tidy, a grep for banned calls and one for secret compares that are
# not constant-time.  Prints PASS/FAIL per check, every finding as
# file:line, and ends with "N passed, N failed"; exits non-zero on any
# finding.  CHECKs (cppcheck clang-tidy banned-calls secret-compare) pick
# some; default all.  Needs cppcheck, clang-tidy, pkg-config and the build
# dependencies' headers; installs nothing, writes only to a temp directory.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pam_mfa-lint.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

all_checks="cppcheck clang-tidy banned-calls secret-compare"
for c in "$@"; do
	case " $all_checks " in
	*" $c "*) ;;
	*) echo "lint.sh: no check $c (one of: $all_checks)" >&2; exit 2 ;;
	esac
done
want=${*:-$all_checks}
wants() { case " $want " in *" $1 "*) return 0 ;; esac; return 1; }

passed=0
failed=0
result() {	# result NAME STATUS
	if [ "$2" -eq 0 ]; then
		echo "PASS: $1"
		passed=$((passed + 1))
	else
		echo "FAIL: $1"
		failed=$((failed + 1))
	fi
}

# What configure would put in config.h and on the command line (the
# defaults of configure.ac), so no configured tree is needed.
cat >"$tmp/config.h" <<'EOF'
#define _GNU_SOURCE 1
#define MFA_STATE_DIR "/var/lib/pam_mfa"
#define MFA_CONF_PATH "/etc/security/pam_mfa.conf"
#define MFA_KEY_PATH "/etc/security/pam_mfa.key"
#define MFA_PGSQL_STORE "/usr/local/lib/pam_mfa/store_pgsql.so"
#define MFA_CONF_DIR "/etc/security/pam_mfa.d"
#define MFA_HELPER_PATH "/usr/libexec/pam_mfa/pam_mfa_helper"
#define MFA_HELPER_GROUP "pam_mfa"
#define PACKAGE_VERSION "0.2.0"
EOF
# The schema store_pgsql.c compiles in (the build generates it).
echo '#define SCHEMA_SQL ""' >"$tmp/schema_sql.h"
srcs=$(ls pam_mfa/*.c tools/*.c)

# (a) cppcheck.  Suppressed, each a false positive here:
#  readdirCalled in store_file.c and tools/cli.c: it wants readdir_r,
#    which glibc deprecates (2.24); readdir is thread-safe on a DIR stream
#    no one else uses, and file_list and close_inherited open their own.
#  getpwuidCalled in tools/cli.c and tools/cmd_import.c: they want the
#    _r variant; pam-mfa is a single-threaded program that copies what it
#    needs at once; so is pam_mfa_helper (getgrnamCalled, getpwuidCalled).
#    Names are looked up by pam_mfa/account.c alone.  admin_group's gid
#    (tools/cli.c) and enroll-batch's and report's group members
#    (tools/cli.c's cli_group_members; getgrnamCalled, getpwentCalled):
#    the same single-threaded CLI.
if ! wants cppcheck; then
	:
elif echo "==> cppcheck"; command -v cppcheck >/dev/null 2>&1; then
	cppcheck --quiet --std=c11 --error-exitcode=1 --inline-suppr \
	    --enable=warning,portability,performance \
	    --library=posix --library=gnu --library=openssl \
	    -I "$tmp" -I pam_mfa -I tools -I /usr/include/postgresql \
	    -D_GNU_SOURCE \
	    --suppress=readdirCalled:pam_mfa/store_file.c \
	    --suppress=readdirCalled:tools/cli.c \
	    --suppress=getpwuidCalled:tools/cli.c \
	    --suppress=getpwuidCalled:tools/cmd_import.c \
	    --suppress=getgrnamCalled:tools/cli.c \
	    --suppress=getpwentCalled:tools/cli.c \
	    --suppress=getgrnamCalled:tools/pam_mfa_helper.c \
	    --suppress=getpwuidCalled:tools/pam_mfa_helper.c \
	    --template='{file}:{line}: {severity}: {message} [{id}]' \
	    pam_mfa tools 2>&1
	result cppcheck $?
else
	echo "cppcheck not found (Debian: apt-get install cppcheck)"
	result cppcheck 1
fi

# (b) clang-tidy: bugprone-*, cert-* and the clang static analyzer, minus:
#  bugprone-easily-swappable-parameters: a naming heuristic that flags
#    every function taking two values of one type.
#  bugprone-implicit-widening-of-multiplication-result: it flags products
#    of record offsets (i * BSLOT_SIZE, at most 16 * 48) that can't
#    overflow; it is meant for 64-bit sizes computed in 32 bits.
#  bugprone-narrowing-conversions: the build's -Wconversion
#    (CWFLAGS, -Werror in CI) checks the same with value ranges; this
#    check also flags "c = ok ? c : '?'", which keeps a char.
#  cert-err33-c: unchecked printf/fprintf/snprintf results.  Messages and
#    log fields are truncated on purpose; the CLI checks its output once,
#    with fflush(stdout) at the end, as stdio errors are sticky.
#  clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling:
#    wants the Annex K functions (memcpy_s...) on every memcpy, memset
#    and snprintf; glibc has none.
checks='-*,bugprone-*,cert-*,clang-analyzer-*,
-bugprone-easily-swappable-parameters,
-bugprone-implicit-widening-of-multiplication-result,
-bugprone-narrowing-conversions,
-cert-err33-c,
-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling'
checks=$(printf '%s' "$checks" | tr -d '\n')
# Findings judged false positives, each a file, a check and a fixed string
# of the flagged line, so they survive edits elsewhere:
#  pam_mfa.c, NullDereference on a->profile->: the analyzer does not model
#    strcmp, so after "profile=NAME" with an unknown NAME (profile NULL)
#    it also follows the "onefield" branch; every real path with a NULL
#    profile returns -1 before the dereference.
cat >"$tmp/tidy.allow" <<'EOF'
pam_mfa/pam_mfa.c	clang-analyzer-core.NullDereference	a->profile->
EOF
if ! wants clang-tidy; then
	:
elif echo "==> clang-tidy"; command -v clang-tidy >/dev/null 2>&1; then
	if command -v pkg-config >/dev/null 2>&1 &&
	    deps=$(pkg-config --cflags liboath libconfig libcrypto pam libpq); then
		:
	else
		deps="-I/usr/include/liboath -I/usr/include/security -I/usr/include/postgresql"
	fi
	: >"$tmp/tidy.out"
	for f in $srcs; do
		# shellcheck disable=SC2086
		clang-tidy --quiet --checks="$checks" \
		    --header-filter='(pam_mfa|tools)/[^/]*\.h$' "$f" -- \
		    -std=gnu11 -I"$tmp" -Ipam_mfa -Itools $deps \
		    >>"$tmp/tidy.out" 2>/dev/null ||
		    echo "$top/$f:1:1: error: clang-tidy failed [tidy]" \
		    >>"$tmp/tidy.out"
	done
	# Keep the diagnostics not on the allow list, once each.
	grep -E '^/.*:[0-9]+:[0-9]+: (warning|error): .*\[[^]]+\]$' \
	    "$tmp/tidy.out" | sort -u | while IFS= read -r d; do
		file=${d%%:*}
		rest=${d#*:}
		line=${rest%%:*}
		check=${d##*\[}
		check=${check%]}
		rel=${file#"$top"/}
		text=$(sed -n "${line}p" "$file" 2>/dev/null)
		allowed=0
		while IFS='	' read -r af ac as; do
			if [ "$af" = "$rel" ] && [ "$ac" = "$check" ]; then
				case $text in
				*"$as"*) allowed=1 ;;
				esac
			fi
		done <"$tmp/tidy.allow"
		[ "$allowed" -eq 1 ] || echo "$rel:${d#*:}"
	done >"$tmp/tidy.findings"
	if [ -s "$tmp/tidy.findings" ]; then
		cat "$tmp/tidy.findings"
		result clang-tidy 1
	else
		result clang-tidy 0
	fi
else
	echo "clang-tidy not found (Debian: apt-get install clang-tidy)"
	result clang-tidy 1
fi

# (c) Banned calls, in code only: comments, strings and character
# constants are blanked first, and member calls (s->system()) don't count.
banned='strcpy strcat sprintf vsprintf gets atoi atol sscanf system popen
rand srand random mktemp tmpnam alloca strtok'
# The module (and the core it links) reads and changes no environment
# variable, prints nothing, never exits and never touches process-wide
# state of its host.
banned_module='getenv secure_getenv setenv putenv unsetenv clearenv
printf fprintf vprintf vfprintf puts fputs perror exit _exit abort
openlog closelog umask chdir fchdir setuid seteuid setgid setegid signal
sigaction'

# strip FILE: FILE with comments and literals blanked, lines kept.
strip() {
	awk '{
		out = ""; n = length($0); i = 1
		while (i <= n) {
			c = substr($0, i, 1); d = substr($0, i, 2)
			if (st == "c") {		# in /* */
				if (d == "*/") {
					st = ""; out = out "  "; i += 2
				} else {
					out = out " "; i++
				}
			} else if (st != "") {		# in a literal
				if (c == "\\") {
					out = out "  "; i += 2
					continue
				}
				if (c == st)
					st = ""
				out = out (st == "" ? c : " "); i++
			} else if (d == "/*") {
				st = "c"; out = out "  "; i += 2
			} else if (d == "//") {
				break
			} else {
				if (c == "\"" || c == "\047")
					st = c
				out = out c; i++
			}
		}
		if (st != "c")
			st = ""
		print out
	}' "$1"
}

# find NAMES FILES...: print file:line: banned call: name for each call.
find_calls() {
	names=$(printf '%s' "$1" | tr '\n' ' ')
	shift
	for f in "$@"; do
		strip "$f" | awk -v f="$f" -v names="$names" '{
			gsub(/->/, ".")
			k = split(names, nm, / +/)
			for (j = 1; j <= k; j++) {
				if (nm[j] == "") continue
				re = "(^|[^A-Za-z0-9_.])" nm[j] "[ \t]*\\("
				if ($0 ~ re)
					print f ":" NR ": banned call: " nm[j]
			}
		}'
	done
}

wants banned-calls && echo "==> banned calls"
# First, that the grep finds a call and nothing else.
cat >"$tmp/probe.c" <<'EOF'
/* strcpy(a, b) in a comment */
int f(void) { x = "system(1)"; c = '('; snprintf(a, 1, "%d", 1);
	s->rand(); t.atoi(); // gets(b)
	return strcat(a, b); }
EOF
probe=$(find_calls "$banned" "$tmp/probe.c")
if ! wants banned-calls; then
	:
elif [ "$probe" != "$tmp/probe.c:4: banned call: strcat" ]; then
	echo "banned-call grep is broken: found [$probe] in its probe"
	result banned-calls 1
else
	# shellcheck disable=SC2046
	found=$(find_calls "$banned" $(ls pam_mfa/*.[ch] tools/*.[ch])
	    find_calls "$banned_module" $(ls pam_mfa/*.[ch]))
	if [ -n "$found" ]; then
		echo "$found"
		result banned-calls 1
	else
		result banned-calls 0
	fi
fi

# (d) Compares of secret data.  memcmp, strcmp and their kin stop at the
# first difference, so their time tells how much of a code, secret,
# backup-code hash or digest matched: secrets are compared with
# crypto_equal (CRYPTO_memcmp), and crypto_equal must call it (the build's
# own check of the object is in tests/test_symbols.sh).  In pam_mfa/ every
# plain compare must be on this list: file, function, a fixed string of
# the call's line (what it compares) and why that is not secret.  A new
# compare of public data gets a line here; a secret one, crypto_equal.
cat >"$tmp/compare.allow" <<'EOF'
pam_mfa/conf.c	get_choice	choices[i]	a config value against the key's fixed choices
pam_mfa/conf.c	has_include	"@include"	config text against the directive refused
pam_mfa/conf.c	conf_parse	conf_keys[k].name	config key names against the known keys
pam_mfa/conf.c	conf_parse	c->state_dir	the key file's path against the state directory's
pam_mfa/keyring.c	keyring_decode	keyring_magic	the key file's public magic number
pam_mfa/pam_mfa.c	mode_arg	strcmp(v, "	module arguments from the PAM configuration
pam_mfa/pam_mfa.c	parse_args	(v, "	module arguments from the PAM configuration
pam_mfa/pam_mfa.c	resolve	strcmp(typed, c->acct.name)	the typed user name against the account's own name
pam_mfa/pam_mfa.c	enrolled	strcmp(c->typed, c->user)	the typed user name against the account's own name
pam_mfa/pam_mfa.c	verdict_for	strcmp(vd->user, user)	PAM_USER against the user the auth step's verdict was for
pam_mfa/profile.c	profile_find	profiles[i].name	profile names (a module argument)
pam_mfa/helper_proto.c	helper_req_decode	op_names[op]	the helper request's operation name
pam_mfa/state.c	slot_decode	state_magic	the state record's public magic number
pam_mfa/safefile.c	at_or_above	memcmp(d, dir, len)	directory paths from the configuration, for the walk's memo
pam_mfa/store_file.c	token_read_keep	"pending"	the store's own file suffix
pam_mfa/store_file.c	name_cmp	strcmp(*(char	user names, sorted for pam-mfa list
pam_mfa/store_file.c	file_list	.token"	directory entry names against a file suffix
pam_mfa/store_file.c	file_list	.pending"	directory entry names against a file suffix
pam_mfa/store_file.c	file_list	users[j - 1]	user names, for duplicates in pam-mfa list
pam_mfa/store_pgsql.c	sql_error	(state, "	SQLSTATE codes of the server's errors
pam_mfa/store_pgsql.c	notice	strcmp(sev, "	a server notice's severity
pam_mfa/store_pgsql.c	pg_connect	strcmp(o->keyword, 	libpq connection keywords
pam_mfa/store_pgsql.c	pg_connect	strcmp(o->val, "verify-full")	the configured sslmode
pam_mfa/store_pgsql.c	pg_commit	"t")	the commit function's boolean answer
pam_mfa/store_pgsql.c	pg_install	"0")	the install function's status answer
pam_mfa/store_pgsql.c	pg_activate	"0")	the activate function's status answer
pam_mfa/store_pgsql.c	pg_remove	"t")	the remove function's boolean answer
pam_mfa/store_pgsql.c	pg_source_fail	"t")	the source function's boolean answer: throttled now
pam_mfa/store_pgsql.c	pg_source_clear	"t")	the source clear function's boolean answer
pam_mfa/store_pgsql.c	pg_any_sealed	strcmp(v, "	the database's boolean answer: does it hold a token
pam_mfa/store_pgsql.c	pool_take	strcmp(pool[i].conninfo, ps->conninfo)	a kept connection's conninfo against the login's (the config's, no password allowed in it)
pam_mfa/store_pgsql.c	sqlstate_is	strcmp(state, code)	SQLSTATE codes of the server's errors
pam_mfa/store.c	store_names_finish	l->v[j - 1]	user names, for duplicates in rekey's list of unreadable tokens
pam_mfa/store.c	store_names_add	l->v[l->n - 1]	user names, for duplicates in rekey's list of unreadable tokens
pam_mfa/store.c	names_cmp	strcmp(*(char	user names, sorted for rekey's list
pam_mfa/store_file.c	sealed_name	.token")	directory entry names against a file suffix
pam_mfa/store_file.c	sealed_name	.pending")	directory entry names against a file suffix
pam_mfa/token.c	token_decode	token_magic	the token record's public magic number
pam_mfa/token.c	token_algo_parse	strcasecmp(name, "SHA	algorithm names
pam_mfa/source.c	addr_parse	v4mapped	a client's address against the public IPv4-mapped prefix
pam_mfa/source.c	source_allowed	nets[i].addr	a client's address against source_allow's networks
pam_mfa/srctable.c	table_open	MAGIC	the source table's public magic number
pam_mfa/srctable.c	slot_decode	zero	a source table slot against the empty slot
pam_mfa/srctable.c	bucket_read	recs[i].key	source keys (addresses) in a bucket of the source table
EOF
compares='memcmp bcmp strcmp strncmp strcasecmp strncasecmp strcoll wcscmp
timingsafe_bcmp'

# compare_calls FILES...: "file<TAB>line<TAB>function<TAB>call" for each
# plain compare, the function being the last definition begun at column 0
# (style(9): the name at the start of its line).
compare_calls() {
	names=$(printf '%s' "$compares" | tr '\n' ' ')
	for f in "$@"; do
		strip "$f" | awk -v f="$f" -v names="$names" '
		/^[A-Za-z_][A-Za-z0-9_]*\(/ {
			fn = $0; sub(/\(.*/, "", fn)
		}
		{
			gsub(/->/, ".")
			k = split(names, nm, / +/)
			for (j = 1; j <= k; j++) {
				if (nm[j] == "") continue
				re = "(^|[^A-Za-z0-9_.])" nm[j] "[ \t]*\\("
				if ($0 ~ re)
					print f "\t" NR "\t" fn "\t" nm[j]
			}
		}'
	done
}

# compare_findings FILES...: the calls not on the allow list.
compare_findings() {
	compare_calls "$@" | while IFS='	' read -r f line fn call; do
		text=$(sed -n "${line}p" "$f")
		ok=0
		while IFS='	' read -r af afn astr _; do
			if [ "$af" = "$f" ] && [ "$afn" = "$fn" ]; then
				case $text in
				*"$astr"*) ok=1 ;;
				esac
			fi
		done <"$tmp/compare.allow"
		[ "$ok" -eq 1 ] ||
		    echo "$f:$line: $call in $fn: not constant-time (crypto_equal), and not on the allow list of scripts/lint.sh"
	done
}

if wants secret-compare; then
	echo "==> secret compares"
	# First, that the grep finds what it must and nothing else.
	mkdir "$tmp/pam_mfa"
	cat >"$tmp/pam_mfa/token.c" <<'EOF'
/* memcmp(a, b, 1) in a comment */
int
token_decode(const char *buf)
{
	if (memcmp(buf, token_magic, 4) != 0 || x("strcmp(a)"))
		return 1;
	return memcmp(buf + 8, digest, 32);
}
EOF
	probe=$(cd "$tmp" && compare_findings pam_mfa/token.c | cut -d: -f1-3)
	if [ "$probe" != "pam_mfa/token.c:7: memcmp in token_decode" ]; then
		echo "secret-compare grep is broken: found [$probe] in its probe"
		result secret-compare 1
	else
		# shellcheck disable=SC2046
		found=$(compare_findings $(ls pam_mfa/*.c pam_mfa/*.h))
		body=$(sed -n '/^crypto_equal(/,/^}/p' pam_mfa/crypto.c)
		case $body in
		*"CRYPTO_memcmp("*) ;;
		*) found="$found${found:+
}pam_mfa/crypto.c: crypto_equal does not call CRYPTO_memcmp" ;;
		esac
		if [ -n "$found" ]; then
			echo "$found"
			result secret-compare 1
		else
			result secret-compare 0
		fi
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
