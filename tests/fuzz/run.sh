#!/bin/sh
# run.sh [seeds] - build every fuzzer in tests/fuzz (fuzz_*.c) with
# libFuzzer, ASan and UBSan from the sources of the tree this script sits
# in, and run each for FUZZ_SECONDS (default 20) on a copy of its seed
# corpus, FUZZ_JOBS (default 2) at a time.  Prints PASS/FAIL per fuzzer and
# ends with "N passed, N failed"; exits non-zero on any crash, leak,
# timeout or build failure, and then keeps the build directory (logs and
# crash inputs).  "run.sh seeds" rewrites the seed corpora instead.
# Needs clang, its fuzzer runtime (Debian: libclang-rt-14-dev), pkg-config
# and the build dependencies; installs nothing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-2}
cc=${FUZZ_CC:-clang}

for v in "$secs" "$jobs"; do
	case $v in
	''|*[!0-9]*|0)
		echo "run.sh: FUZZ_SECONDS and FUZZ_JOBS must be whole" \
		    "numbers above 0" >&2
		exit 2 ;;
	esac
done
case "${1:-run}" in
run|seeds) mode=${1:-run} ;;
*) echo "usage: $0 [seeds]" >&2; exit 2 ;;
esac
if ! command -v "$cc" >/dev/null 2>&1; then
	echo "run.sh: $cc not found (Debian: apt-get install clang" \
	    "libclang-rt-14-dev)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pam_mfa-fuzz.XXXXXX") || exit 1
keep=0
trap '[ "$keep" -eq 1 ] || rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# The core needs only these from configure: the defaults of configure.ac.
cat >"$tmp/config.h" <<'EOF'
#define _GNU_SOURCE 1
#define MFA_STATE_DIR "/var/lib/pam_mfa"
#define MFA_CONF_PATH "/etc/security/pam_mfa.conf"
#define MFA_KEY_PATH "/etc/security/pam_mfa.key"
#define MFA_HELPER_PATH "/usr/libexec/pam_mfa/pam_mfa_helper"
#define MFA_HELPER_GROUP "pam_mfa"
#define MFA_PGSQL_STORE "/usr/local/lib/pam_mfa/store_pgsql.so"
EOF
if command -v pkg-config >/dev/null 2>&1 &&
    deps=$(pkg-config --cflags --libs liboath libconfig libcrypto); then
	:
else
	deps="-loath -lconfig -lcrypto"
fi
cflags="-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
-I$tmp -I$top/pam_mfa"
san=address,undefined

# The core (libmfacore: every pam_mfa/*.c but the PAM glue and the
# PostgreSQL store's own object), built once.
build_core() {
	mkdir "$tmp/obj" || return 1
	for src in "$top"/pam_mfa/*.c; do
		case ${src##*/} in pam_mfa.c|store_pgsql.c) continue ;; esac
		obj=$tmp/obj/$(basename "$src" .c).o
		# shellcheck disable=SC2086
		$cc $cflags -fsanitize=fuzzer-no-link,$san -c "$src" \
		    -o "$obj" || return 1
	done
}

# build NAME SANITIZERS: tests/fuzz/NAME.c and the core into $tmp/NAME.
build() {
	# shellcheck disable=SC2086
	$cc $cflags -Wall -Wextra -Werror -fsanitize="$2" "$here/$1.c" \
	    "$tmp"/obj/*.o $deps -o "$tmp/$1"
}

if ! build_core >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log"
	echo "FAIL: build of the core"
	echo "0 passed, 1 failed"
	keep=1
	exit 1
fi

if [ "$mode" = seeds ]; then
	build mkseeds "fuzzer-no-link,$san" || { keep=1; exit 1; }
	"$tmp/mkseeds" "$here/corpus" || { keep=1; exit 1; }
	mkdir -p "$here/corpus/fuzz_conf"
	cp "$top/conf/pam_mfa.conf" "$here/corpus/fuzz_conf/pam_mfa.conf"
	for f in "$top"/tests/fixtures/*.conf; do
		cp "$f" "$here/corpus/fuzz_conf/fixture-${f##*/}"
	done
	mkdir -p "$here/corpus/fuzz_pamlint"
	for f in "$top"/conf/pam.d/* "$top"/tests/fixtures/pam.d-bad/* \
	    "$top"/tests/fixtures/pam.d-common/*; do
		cp "$f" "$here/corpus/fuzz_pamlint/${f##*/}"
	done
	echo "run.sh: seeds written to $here/corpus"
	exit 0
fi

# Longest input worth trying, per fuzzer.
max_len() {
	case $1 in
	fuzz_state) echo 2048 ;;	# two slots and as much again
	fuzz_token) echo 1024 ;;	# TOKEN_FILE_SIZE
	fuzz_split) echo 600 ;;		# MFA_INPUT_MAX and more
	fuzz_uri) echo 512 ;;		# enough to overflow URI_MAX
	fuzz_import) echo 8192 ;;	# several lines past IMPORT_LINE_MAX
	fuzz_helper) echo 1200 ;;	# HELPER_REQ_MAX and more
	*) echo 4096 ;;
	esac
}

# libconfig syntax and every key conf.c knows, for fuzz_conf.
{
	sed -n 's/^[[:space:]]*{ "\([a-z_]*\)",.*/"\1"/p' "$top/pam_mfa/conf.c"
	for t in ' = ' ';' '"' '[' ']' '(' ')' '{' '}' ',' ':' true false \
	    0x L 604800 '/' '//' '/.' '/..' '@include' '#' '/*' '*/' \
	    deny ignore always os SHA1 SHA256 SHA512; do
		printf '"%s"\n' "$(printf '%s' "$t" | sed 's/["\\]/\\&/g')"
	done
} >"$tmp/fuzz_conf.dict"

# A readable stack trace if the symbolizer that goes with clang is there.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
	sym=$($cc -print-prog-name=llvm-symbolizer 2>/dev/null)
	[ -x "$sym" ] && ASAN_SYMBOLIZER_PATH=$sym &&
	    export ASAN_SYMBOLIZER_PATH
fi
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# libconfig before 1.7.3 (Debian 12 has 1.5) leaks the string token at
# which a syntax error is found ('window = 1 "x"'): its issue #142, fixed
# upstream by a bison %destructor.  Nothing conf.c can free: suppressed,
# by the two scanner functions that allocate those strings.
printf 'leak:strbuf_append\nleak:libconfig_yylex\n' >"$tmp/lsan.supp"
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$tmp/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS LSAN_OPTIONS

# run NAME: fuzz it on a copy of its corpus; status in $tmp/NAME.rc.
run() {
	corpus=$tmp/corpus/$1
	mkdir -p "$corpus" "$tmp/crash/$1"
	cp "$here/corpus/$1"/* "$corpus"/ 2>/dev/null
	opts=
	if [ "$1" = fuzz_conf ]; then
		# The tree's current configs too, in case they are newer.
		cp "$top/conf/pam_mfa.conf" "$top"/tests/fixtures/*.conf \
		    "$corpus"/ 2>/dev/null
		# libconfig's leak (above) on many malformed inputs would
		# have libFuzzer search the heap after each, 50 times
		# slower: leaks are checked once, at exit, instead.
		opts="-dict=$tmp/fuzz_conf.dict -detect_leaks=0"
	fi
	# libFuzzer stops itself after secs; timeout(1) guards a hang.
	# shellcheck disable=SC2086
	timeout -k 10 $((secs * 2 + 30)) "$tmp/$1" -max_total_time="$secs" \
	    -max_len="$(max_len "$1")" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$tmp/crash/$1/" $opts \
	    "$corpus" >"$tmp/$1.log" 2>&1
	echo $? >"$tmp/$1.rc"
}

targets=
for src in "$here"/fuzz_*.c; do
	name=$(basename "$src" .c)
	if build "$name" "fuzzer,$san" >"$tmp/$name.log" 2>&1; then
		targets="$targets $name"
	else
		echo 1 >"$tmp/$name.rc"
	fi
done

# shellcheck disable=SC2086
set -- $targets
while [ $# -gt 0 ]; do
	n=0
	while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
		run "$1" &
		shift
		n=$((n + 1))
	done
	wait
done

passed=0
failed=0
errors='^==[0-9]+== ?ERROR|runtime error:|^ERROR: libFuzzer|error:'
for src in "$here"/fuzz_*.c; do
	name=$(basename "$src" .c)
	rc=$(cat "$tmp/$name.rc" 2>/dev/null || echo 1)
	log=$tmp/$name.log
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -1)
	cov=$(sed -n 's/.*DONE *cov: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		echo "  $name: ${runs} runs in ${secs} s, coverage ${cov:-?}"
		echo "PASS: $name"
		passed=$((passed + 1))
		continue
	fi
	case $rc in
	124|137) why="timed out after $((secs * 2 + 30)) s" ;;
	*) why=$(grep -E "$errors" "$log" | head -n 1)
	   why=${why:-exit status $rc} ;;
	esac
	# The innermost frame in our code: the check or the faulty line.
	at=$(grep -E '^ *#[0-9]+ .* in .*/(pam_mfa|tests/fuzz)/[^ ]*\.c:' \
	    "$log" | head -n 1 | sed 's/.* in //')
	echo "  $name: $why${at:+ at $at}"
	# The report from its first line on, or the end of the log.
	if grep -qE "$errors" "$log"; then
		awk -v re="$errors" '$0 ~ re { on = 1 } on && n++ < 60' "$log"
	else
		tail -n 40 "$log"
	fi | sed 's/^/  | /'
	for f in "$tmp/crash/$name"/*; do
		[ -e "$f" ] && echo "  input: $f"
	done
	echo "FAIL: $name"
	failed=$((failed + 1))
	keep=1
done
[ "$keep" -eq 1 ] && echo "run.sh: logs and inputs kept in $tmp"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
