#!/bin/sh
# run.sh [NAME...] - the mutation stage: proof that the tests fail when a
# guarantee breaks.  Each tests/mutants/*.mut file is one small, plausible
# security bug (format: README.md, "The mutation stage").  The tracked tree is
# copied to a scratch directory and built once; then, for each mutant (or
# only the NAMEs given), its anchor text is replaced (it must occur exactly
# once in its file, or the mutant fails: so a mutant can't silently stop
# applying as the code changes), the build is redone incrementally, the
# mutant's tests run (bounded by MUTANT_TIMEOUT seconds, default 120; the
# baseline run of all of them by that much per test), and
# the file is restored.  The mutants run in MUTANT_LANES lanes at once
# (default 2, the machine's cores at most), each with its own copy of the
# tree and build; the mutants that share a test go to the same lane, so
# no test runs twice at the same time.  A mutant passes if at least one of its tests
# fails; a survivor, a mutant that does not apply or does not build, and a
# baseline (unmutated) run of the tests that fails are failures.  Prints a
# table (mutant, killed by, seconds) and ends with "N passed, N failed".
# "run.sh --check [NAME...]" only checks, in seconds, that each mutant is
# well formed and applies to the tree as it is (after a merge, say).
# Needs root (the module tests do) and the build dependencies; installs
# nothing, writes only to a temp directory (kept on failure: MUTANT_KEEP=1
# keeps it always).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
limit=${MUTANT_TIMEOUT:-120}
case $limit in
''|*[!0-9]*|0)
	echo "run.sh: MUTANT_TIMEOUT must be a whole number above 0" >&2
	exit 2 ;;
esac
lanes=${MUTANT_LANES:-2}
case $lanes in
''|*[!0-9]*|0)
	echo "run.sh: MUTANT_LANES must be a whole number above 0" >&2
	exit 2 ;;
esac
cores=$(nproc 2>/dev/null || echo 1)
[ "$lanes" -gt "$cores" ] && lanes=$cores
only_check=0
if [ "${1:-}" = --check ]; then
	only_check=1
	shift
fi
if [ "$only_check" -eq 0 ] && [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: run as root (the module tests need a root-owned store)"
	echo "0 passed, 1 failed"
	exit 1
fi

# The mutants to run.
if [ $# -gt 0 ]; then
	list=
	for n in "$@"; do
		n=${n%.mut}
		if [ ! -f "$here/$n.mut" ]; then
			echo "run.sh: no mutant $n ($here/$n.mut)" >&2
			echo "0 passed, 1 failed"
			exit 1
		fi
		list="$list $here/$n.mut"
	done
else
	list=$(ls "$here"/*.mut)
fi

# Not under /tmp: each test's /tmp is its own (tests/hostlog.sh).
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/pam_mfa-mutants.XXXXXX") || exit 1
keep=${MUTANT_KEEP:-0}
trap '[ "$keep" -eq 1 ] || rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
# test_helper.sh runs the module as a throwaway user, who must reach the
# build tree: readable and searchable by all (mktemp made it 0700); the
# tree is the public sources and their build, none of it writable.
chmod 0755 "$tmp" || exit 1
# Lane N works in $tmp/N: src (the tree), build, orig (a file's saved
# copy) and its logs; lane 1's is also the --check and baseline tree.
setlane() {
	lt=$tmp/$1
	src=$lt/src
	bld=$lt/build
}
setlane 1
mkdir -p "$src" "$bld" "$lt/orig"
passed=0
failed=0

# field FILE NAME: the text after "NAME: " on its line (first one).
field() {
	sed -n "s/^$2: //p" "$1" | head -1
}

# apply FILE ANCHOR REPLACEMENT: replace the one occurrence; \n and \t in
# ANCHOR and REPLACEMENT stand for a newline and a tab.  Fails, saying
# how many it found, unless there is exactly one.
apply() {
	MUT_A=$2 MUT_R=$3 perl -e '
		my ($f) = @ARGV;
		my ($a, $r) = ($ENV{MUT_A}, $ENV{MUT_R});
		for ($a, $r) { s/\\n/\n/g; s/\\t/\t/g; }
		open(my $in, "<", $f) or die "$f: $!\n";
		local $/; my $t = <$in>; close($in);
		my ($n, $p) = (0, 0);
		while (($p = index($t, $a, $p)) >= 0) { $n++; $p += length($a); }
		if ($n != 1) { print "anchor found $n times\n"; exit 1; }
		substr($t, index($t, $a), length($a)) = $r;
		open(my $out, ">", $f) or die "$f: $!\n";
		print $out $t; close($out) or die "$f: $!\n";
	' "$1"
}

# check_mutant FILE: its fields; sets name file anchor repl tests, and why
# (empty if well formed).
check_mutant() {
	name=$(basename "$1" .mut)
	file=$(field "$1" file)
	anchor=$(field "$1" anchor)
	repl=$(sed -n 's/^replace: \{0,1\}//p' "$1" | head -1)
	tests=$(field "$1" tests)
	why=
	if [ -z "$file" ] || [ -z "$anchor" ] || [ -z "$tests" ] ||
	    ! grep -q '^replace:' "$1" || ! grep -q '^# ' "$1"; then
		why="malformed: needs a '# ' description, file:, anchor:, replace:, tests:"
	elif [ ! -f "$2/$file" ]; then
		why="no file $file"
	fi
}

if [ "$only_check" -eq 1 ]; then
	for m in $list; do
		check_mutant "$m" "$top"
		if [ -z "$why" ]; then
			cp "$top/$file" "$lt/orig/f"
			out=$(apply "$lt/orig/f" "$anchor" "$repl" 2>&1) ||
			    why="does not apply to $file: $out (anchor: $anchor)"
		fi
		if [ -z "$why" ]; then
			echo "PASS: $name applies"
			passed=$((passed + 1))
		else
			echo "FAIL: $name: $why"
			failed=$((failed + 1))
		fi
	done
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

# runtests TESTS [LIMIT]: the named tests in the scratch build; lint:STAGE
# runs that stage of scripts/lint.sh on the scratch sources; bounded by
# LIMIT seconds (default: MUTANT_TIMEOUT).  Prints the ones that failed;
# returns 0 if all passed, 1 if any failed, 124 on timeout.
runtests() {
	mk='' lint='' bad='' tl=${2:-$limit}
	for t in $1; do
		case $t in
		lint:*) lint="$lint ${t#lint:}" ;;
		*) mk="$mk $t" ;;
		esac
	done
	st=0
	if [ -n "$mk" ]; then
		(cd "$bld/tests" && rm -f ./*.trs &&
		    timeout -k 5 "$tl" make -s -j2 check TESTS="${mk# }" \
		    >"$lt/check.out" 2>&1)
		st=$?
		[ "$st" -eq 124 ] || [ "$st" -eq 137 ] && st=124
		for t in $mk; do
			trs=$bld/tests/${t%.sh}.trs
			if [ ! -f "$trs" ] || grep -q \
			    '^:test-result: \(FAIL\|ERROR\)' "$trs"; then
				bad="$bad $t"
			fi
		done
	fi
	for s in $lint; do
		if ! (cd "$src" && timeout -k 5 "$tl" sh scripts/lint.sh \
		    "$s" >"$lt/lint.out" 2>&1); then
			bad="$bad lint:$s"
		fi
	done
	echo "${bad# }"
	[ "$st" -eq 124 ] && return 124
	[ -z "$bad" ] && [ "$st" -eq 0 ]
}

# build LANE: copy the tracked tree into the lane and build it there.
build() {
	setlane "$1"
	mkdir -p "$src" "$bld" "$lt/orig"
	(cd "$top" && git ls-files -z | xargs -0 tar cf - | tar xf - -C "$src") \
	    2>"$lt/copy.err" || { echo "copy"; return 1; }
	{ (cd "$src" && autoreconf -fi) && (cd "$bld" &&
	    "$src/configure" -q --enable-werror && make -s -j2 &&
	    make -s -j2 check TESTS=); } >"$lt/build.log" 2>&1 ||
	    { echo "build"; return 1; }
}

echo "==> copy and build (once a lane, $lanes lanes)"
t0=$(date +%s)
n=1
while [ "$n" -le "$lanes" ]; do
	build "$n" >"$tmp/build$n.st" &
	n=$((n + 1))
done
wait
n=1
while [ "$n" -le "$lanes" ]; do
	setlane "$n"
	case $(cat "$tmp/build$n.st") in
	copy)
		cat "$lt/copy.err"
		echo "run.sh: the tree must be a git checkout (git ls-files)"
		echo "0 passed, 1 failed"
		keep=1
		exit 1 ;;
	build)
		tail -30 "$lt/build.log"
		echo "FAIL: build of the unmutated tree (lane $n)"
		echo "0 passed, 1 failed"
		keep=1
		exit 1 ;;
	esac
	n=$((n + 1))
done
setlane 1
echo "  built in $(($(date +%s) - t0)) s"

# Every mutant's file, anchor and tests, checked before any runs.
all_tests=
for m in $list; do
	all_tests="$all_tests $(field "$m" tests)"
done
# shellcheck disable=SC2086
all_tests=$(printf '%s\n' $all_tests | sort -u | tr '\n' ' ')

echo "==> baseline: the mutants' tests pass on the unmutated tree"
t0=$(date +%s)
# shellcheck disable=SC2086
if bad=$(runtests "$all_tests" $((limit * $(echo $all_tests | wc -w)))); then
	echo "PASS: baseline ($all_tests) in $(($(date +%s) - t0)) s"
	passed=$((passed + 1))
else
	echo "FAIL: baseline: failed on the unmutated tree: $bad"
	tail -40 "$lt/check.out"
	echo "$passed passed, $((failed + 1)) failed"
	keep=1
	exit 1
fi

# The lanes: mutants with the same tests go together (a test never runs
# in two lanes at once: some bind ports or share fixed paths); each group
# to the lane with the least weight so far, a shell test weighing 5 and a
# unit test 1 (the shell tests are the slow ones).
for m in $list; do
	t=$(field "$m" tests)
	w=0
	for x in $t; do
		case $x in
		*.sh|lint:*) w=$((w + 5)) ;;
		*) w=$((w + 1)) ;;
		esac
	done
	printf '%s\t%s\t%s\n' "$w" "$(printf '%s' "$t" | tr -s ' ' '+')" "$m"
done | sort -t "$(printf '\t')" -k1,1nr -k2,2 >"$tmp/plan"
n=1
while [ "$n" -le "$lanes" ]; do
	: >"$tmp/lane$n"
	echo 0 >"$tmp/weight$n"
	n=$((n + 1))
done
prev=
while IFS="$(printf '\t')" read -r w t m; do
	if [ "$t" != "$prev" ]; then
		best=1
		n=2
		while [ "$n" -le "$lanes" ]; do
			[ "$(cat "$tmp/weight$n")" -lt "$(cat "$tmp/weight$best")" ] &&
			    best=$n
			n=$((n + 1))
		done
		prev=$t
	fi
	echo "$m" >>"$tmp/lane$best"
	echo $(($(cat "$tmp/weight$best") + w)) >"$tmp/weight$best"
done <"$tmp/plan"

# lane N: run the lane's mutants in its own tree; one table row per
# mutant on standard output, and "passed failed" in $tmp/tally$N.
lane() {
	setlane "$1"
	lp=0 lf=0
	# The list on fd 3: what a mutant's build or tests read from
	# standard input must not eat the rest of the lane.
	while read -r m <&3; do
		t0=$(date +%s)
		check_mutant "$m" "$src"
		if [ -z "$why" ]; then
			cp -p "$src/$file" "$lt/orig/f"
			if ! out=$(apply "$src/$file" "$anchor" "$repl" 2>&1); then
				why="does not apply to $file: $out (anchor: $anchor)"
			elif ! (cd "$bld" && make -s -j2 >"$lt/mbuild.log" 2>&1); then
				why="does not build: $(grep -m1 'error' "$lt/mbuild.log")"
			else
				killers=$(runtests "$tests")
				st=$?
				if [ "$st" -eq 124 ]; then
					killers="${killers:+$killers }(timeout ${limit}s)"
				elif [ -z "$killers" ]; then
					why="SURVIVED: $tests all passed"
				fi
			fi
			# Restored with a new time stamp: the next build
			# redoes it.
			cp "$lt/orig/f" "$src/$file"
			touch "$src/$file"
		fi
		secs=$(($(date +%s) - t0))
		if [ -z "$why" ]; then
			printf '%-34s %-8s %-34s %s\n' "$name" killed \
			    "$killers" "$secs"
			lp=$((lp + 1))
		else
			printf '%-34s %-8s %-34s %s\n' "$name" FAIL "-" "$secs"
			echo "FAIL: $name: $why"
			lf=$((lf + 1))
		fi
	done 3<"$tmp/lane$1" </dev/null
	echo "$lp $lf" >"$tmp/tally$1"
}

echo "==> mutants ($lanes lanes)"
t0=$(date +%s)
n=1
while [ "$n" -le "$lanes" ]; do
	lane "$n" >"$tmp/out$n" 2>&1 &
	n=$((n + 1))
done
wait
printf '%-34s %-8s %-34s %s\n' MUTANT RESULT "KILLED BY" SECONDS
n=1
while [ "$n" -le "$lanes" ]; do
	cat "$tmp/out$n"
	if [ -f "$tmp/tally$n" ]; then
		read -r lp lf <"$tmp/tally$n"
	else
		echo "FAIL: lane $n ended without its tally"
		lp=0 lf=1
	fi
	passed=$((passed + lp))
	failed=$((failed + lf))
	n=$((n + 1))
done
# Every mutant listed has its row: none skipped.
# shellcheck disable=SC2086
nlist=$(printf '%s\n' $list | grep -c .)
if [ $((passed + failed - 1)) -ne "$nlist" ]; then
	echo "FAIL: $nlist mutants listed, $((passed + failed - 1)) run"
	failed=$((failed + 1))
fi
echo "  mutants run in $(($(date +%s) - t0)) s"
[ "$failed" -eq 0 ] || keep=1
[ "$keep" -eq 1 ] && echo "scratch tree kept: $tmp"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
