#!/bin/sh
# The man pages are valid mdoc (mandoc -Tlint), every config key the
# loader knows is documented in the shipped sample, and the docs match the
# code: reasons, details, fields and actions of the logs (pam_mfa-log(7),
# both ways), and every name, key, command, file and page the README names.
. "$(dirname "$0")/lib.sh"
for page in pam_mfa.8 pam-mfa.8 pam_mfa_helper.8 pam_mfa-log.7; do
	check "mandoc lint $page" mandoc -Tlint -Wwarning "$MFA_SRCDIR/man/$page"
done
keys=$(sed -n 's/^	{ "\([a-z0-9_]*\)",.*/\1/p' "$MFA_SRCDIR/pam_mfa/conf.c")
check "config key table found" [ -n "$keys" ]
for k in $keys; do
	check "sample documents $k" grep -q "^#$k = " "$MFA_SRCDIR/conf/pam_mfa.conf"
done
# Every reason a login's log line can carry (error.c's table; "exists" is
# the CLI's compare-and-swap alone) is in the list of reasons of
# pam_mfa(8) DIAGNOSTICS and of the README's Logging section.
reasons=$(sed -n 's/^	\[MFA_[A-Z]*\] =[[:space:]]*{ "\([a-z_]*\)",.*/\1/p' \
    "$MFA_SRCDIR/pam_mfa/error.c" | grep -vx exists)
check "reason table found" [ "$(echo "$reasons" | wc -w)" -ge 20 ]
sed -n '/^\.Ar reason$/,/^Replays/p' "$MFA_SRCDIR/man/pam_mfa.8" \
    >"$WORK/man.reasons"
sed -n '/^`result` is/,/^`internal_error`/p' "$MFA_SRCDIR/README.md" \
    >"$WORK/readme.reasons"
for r in $reasons; do
	check "pam_mfa(8) lists reason $r" grep -qw -- "$r" "$WORK/man.reasons"
	check "README lists reason $r" grep -q -- "\`$r\`" "$WORK/readme.reasons"
done
# user_lookup's two values, as the sample, pam_mfa(8) and the README say.
for v in nss exact; do
	check "sample documents user_lookup \"$v\"" \
	    grep -q "^# \"$v\"" "$MFA_SRCDIR/conf/pam_mfa.conf"
	check "pam_mfa(8) documents user_lookup $v" grep -q \
	    "^\.Cm user_lookup No = Qq $v" "$MFA_SRCDIR/man/pam_mfa.8"
	check "README documents user_lookup \"$v\"" grep -q \
	    "user_lookup = \"$v\"" "$MFA_SRCDIR/README.md"
done

# The escalating lockout's keys, in both pages operators read.
for k in unlock_growth unlock_time_max; do
	check "pam_mfa(8) documents $k" grep -q "$k" "$MFA_SRCDIR/man/pam_mfa.8"
	check "README documents $k" grep -q "$k" "$MFA_SRCDIR/README.md"
done
# The PostgreSQL store's connection reuse: its key, in both pages.
check "pam_mfa(8) documents pg_reuse_s" grep -q "^\.Cm pg_reuse_s" \
    "$MFA_SRCDIR/man/pam_mfa.8"
check "README documents pg_reuse_s" grep -q "pg_reuse_s = 0;" \
    "$MFA_SRCDIR/README.md"
check "pg_reuse_s's cap in the code as documented" grep -q \
    "^#define POOL_MAX	8$" "$MFA_SRCDIR/pam_mfa/store_pgsql.c"
# What the account step and the lock lines log: in the code, pam_mfa(8)
# and the README.
for f in detail=split_without_verify detail=no_code_verified \
    detail=no_mfa_auth detail=user_changed_after_auth locked_until= \
    lock_step= password=pending admin_unlock; do
	word=${f#detail=}
	check "pam_mfa.c logs $f" grep -q "$f" "$MFA_SRCDIR/pam_mfa/pam_mfa.c"
	check "pam_mfa(8) names $word" grep -q "$word" \
	    "$MFA_SRCDIR/man/pam_mfa.8"
	check "README names $word" grep -q "$word" "$MFA_SRCDIR/README.md"
done
# Every finding of check --pam: made by the code, named by pam-mfa(8)
# and the README, and exercised by a broken fixture (but syntax and
# unreadable, which test_pamlint.sh makes otherwise or not at all).
tags=$(sed -n 's/^# expect: //p' "$MFA_SRCDIR"/tests/fixtures/pam.d-bad/* |
    sort -u)
check "fixtures name findings" [ -n "$tags" ]
for t in $tags syntax unreadable; do
	check "pamlint.c makes $t" grep -q "\"$t: \|\"$t\"" \
	    "$MFA_SRCDIR/tools/pamlint.c"
	check "pam-mfa(8) documents $t" grep -q "^\.It Li $t\$" \
	    "$MFA_SRCDIR/man/pam-mfa.8"
	check "README names $t" grep -q "\`$t\`" "$MFA_SRCDIR/README.md"
done
check "pam-mfa(8) synopsis: check --pam" grep -q "^\.Fl Fl pam Ar file" \
    "$MFA_SRCDIR/man/pam-mfa.8"
check "pam_mfa(8) synopsis: the account type" \
    grep -q "^\.Cm account required" "$MFA_SRCDIR/man/pam_mfa.8"
# The shared store's reasons are named where operators look them up, and
# its command and shipped config are documented and valid.
reasons=$(sed -n 's/^	\[MFA_[A-Z]*\] =[	 ]*{ "\(store_[a-z_]*\)",.*/\1/p' \
    "$MFA_SRCDIR/pam_mfa/error.c")
check "store reasons found" [ "$(echo $reasons | wc -w)" -eq 4 ]
for r in $reasons; do
	check "README names $r" grep -q "\`$r\`" "$MFA_SRCDIR/README.md"
	check "pam_mfa(8) names $r" grep -qw "$r" "$MFA_SRCDIR/man/pam_mfa.8"
done
check "pam_mfa(8) names PAM_AUTHINFO_UNAVAIL" \
    grep -q "^.It Er PAM_AUTHINFO_UNAVAIL" "$MFA_SRCDIR/man/pam_mfa.8"
check "pam-mfa(8) documents db init" \
    grep -q "^.It Cm db init" "$MFA_SRCDIR/man/pam-mfa.8"
check "README documents db init" grep -q "pam-mfa db init" "$MFA_SRCDIR/README.md"
# Every db subcommand of pam-mfa's table is in pam-mfa(8)'s synopsis and
# list and in the README; what import-files prints is what the page says.
subs=$(sed -n 's/^	{ "db", "\([a-z-]*\)",.*/\1/p' "$MFA_SRCDIR/tools/pam-mfa.c")
check "db subcommands found ($(echo $subs))" [ "$(echo $subs | wc -w)" -eq 2 ]
for sub in $subs; do
	check "pam-mfa(8) synopsis: db $sub" \
	    grep -q "^\.Cm db $sub\$" "$MFA_SRCDIR/man/pam-mfa.8"
	check "pam-mfa(8) documents db $sub" \
	    grep -q "^\.It Cm db $sub\$" "$MFA_SRCDIR/man/pam-mfa.8"
	check "README names pam-mfa db $sub" \
	    grep -q "pam-mfa db $sub" "$MFA_SRCDIR/README.md"
done
# (its string literals joined, as the compiler joins them)
tr '\n\t' '  ' <"$MFA_SRCDIR/tools/cmd_db.c" | sed 's/" *"//g' >"$WORK/cmd_db"
for m in "imported %s" "skipped %s: %s" "already in the database" \
    "imported users are locked in the file store" "db_import"; do
	check "cmd_db.c prints \"$m\"" grep -qF "$m" "$WORK/cmd_db"
done
for m in "^\.Ql imported Ar user ,\$" "^\.Ql skipped Ar user : Ar reason ;\$" \
    "^\.Pq Ql skipped Ar user : already in the database \.\$" \
    "^\.Ql imported users are locked in the file store \.\$" \
    "^\.Li action=db_import ,\$" "^\.Pq Li locked_until=admin_unlock ,\$"; do
	check "pam-mfa(8) db import-files: $m" grep -q "$m" "$MFA_SRCDIR/man/pam-mfa.8"
done
# The key-loss section speaks for both stores, as the stores behave
# (keyfile.c, used by both).
check "README: key loss holds for both stores" \
    grep -q "^All of this holds for both stores" "$MFA_SRCDIR/README.md"
for f in store_file.c store_pgsql.c; do
	check "$f makes its key file through keyfile_create" \
	    grep -q "keyfile_create(" "$MFA_SRCDIR/pam_mfa/$f"
done
install -m 0644 "$MFA_SRCDIR/conf/postgresql/pam_mfa.conf" "$WORK/gw.conf"
check "shipped gateway config is valid" \
    sh -c "'$MFA_BUILDDIR/tools/pam-mfa' -c '$WORK/gw.conf' check | grep -q '^store = \"postgresql\";'"
# Packaging: pam-mfa(8) names --help and --version; the paths
# README.Debian's dpkg-statoverride commands name are the packages'.
check "pam-mfa(8) synopsis: -h, --help, --version" \
    grep -q '^\.Fl h | Fl Fl help | Fl Fl version$' "$MFA_SRCDIR/man/pam-mfa.8"
if [ -f "$MFA_SRCDIR/debian/README.Debian" ]; then
	for f in $(grep -o 'dpkg-statoverride --update --add root root 0755 [^ ]*' \
	    "$MFA_SRCDIR/debian/README.Debian" | sed 's/.* //'); do
		case $f in
		/usr/bin/pam-mfa) inst=pam-mfa.install ;;
		*) inst=libpam-mfa.install ;;
		esac
		check "README.Debian's $f is shipped" \
		    grep -qx "${f#/}" "$MFA_SRCDIR/debian/$inst"
	done
	check "README.Debian: the helper's override is documented" \
	    grep -q '/usr/libexec/pam_mfa/pam_mfa_helper' "$MFA_SRCDIR/debian/README.Debian"
	# The downgrade message README.md and README.Debian quote is the
	# prerm's, and names what the module and pam-mfa say (error.c).
	check "the prerm prints the downgrade line the READMEs quote" \
	    grep -qF 'libpam-mfa: downgrade from $this to $2.' \
	    "$MFA_SRCDIR/debian/libpam-mfa.prerm"
	for d in README.md debian/README.Debian; do
		check "$d quotes the prerm's downgrade line" \
		    sh -c "tr '\n' ' ' <'$MFA_SRCDIR/$d' | tr -s ' ' |
		        grep -qF 'libpam-mfa: downgrade from X to Y.'"
	done
	for s in 'reason=state_version' '"record from a newer version"'; do
		check "the prerm's downgrade message names $s" \
		    grep -qF "$s" "$MFA_SRCDIR/debian/libpam-mfa.prerm"
	done
	check "error.c: a newer record is state_version, \"record from a newer version\"" \
	    grep -qF '[MFA_EVERSION] =	{ "state_version", "record from a newer version" },' \
	    "$MFA_SRCDIR/pam_mfa/error.c"
fi
# pam_mfa_helper(8): its exit status table is helper_proto.c's, each
# number with the reason error.c gives its error; every detail= the helper
# and the module's helper client log is listed.
hman=$MFA_SRCDIR/man/pam_mfa_helper.8
pairs=$(sed -n 's/^	{ \(MFA_[A-Z]*\), \([0-9]*\) },$/\1 \2/p' \
    "$MFA_SRCDIR/pam_mfa/helper_proto.c")
check "helper status table found" [ "$(echo "$pairs" | wc -l)" -ge 17 ]
echo "$pairs" | while read -r err st; do
	reason=$(sed -n "s/^	\[$err\] = *{ \"\([a-z_]*\)\".*/\1/p" \
	    "$MFA_SRCDIR/pam_mfa/error.c")
	if [ "$err" = MFA_OK ]; then
		reason=accepted
	fi
	if awk -v st="$st" -v r="$reason" '
	    prev == ".It " st && index($0, r) == 1 { f = 1 } { prev = $0 }
	    END { exit !f }' "$hman"; then
		echo "PASS: pam_mfa_helper(8) status $st is $reason"
	else
		echo "FAIL: pam_mfa_helper(8) status $st is $reason"
		echo x >>"$WORK/docfail"
	fi
done
check "pam_mfa_helper(8) status table matches helper_proto.c" \
    [ ! -e "$WORK/docfail" ]
for st in HELPER_EXIT_REFUSED HELPER_EXIT_BADREQ HELPER_EXIT_NOTROOT; do
	n=$(sed -n "s/^#define $st[[:space:]]*\([0-9]*\).*/\1/p" \
	    "$MFA_SRCDIR/pam_mfa/helper.h")
	check "pam_mfa_helper(8) lists exit status $n ($st)" \
	    grep -qx ".It $n" "$hman"
done
for d in $(grep -oh 'detail=[a-z_]*' "$MFA_SRCDIR/pam_mfa/helper_client.c" \
    "$MFA_SRCDIR/tools/pam_mfa_helper.c" | sort -u); do
	check "pam_mfa_helper(8) lists $d" grep -q "^\.Cm $d" "$hman"
done
# pam_mfa-log(7), the log schema (version 1), against the code that logs:
# the module (pam_mfa.c and the helper client), pam_mfa_helper and
# pam-mfa's cli_audit.  Every field name=, detail= and action= value the
# code can write is in the schema, and every one the schema lists is in
# the code.
lman=$MFA_SRCDIR/man/pam_mfa-log.7
src=$MFA_SRCDIR
sed -n '/^cli_audit(/,/^}/p;/^cli_audit_detail(/,/^}/p' "$src/tools/cli.c" \
    >"$WORK/cli_audit.c"
check "cli_audit found" grep -q 'syslog(' "$WORK/cli_audit.c"
# String literals, then the "name=" in them; conf=, onefield= and
# profile= are pam_mfa.c's module arguments, not log fields.
grep -oh '"\([^"\\]\|\\.\)*"' "$src/pam_mfa/pam_mfa.c" \
    "$src/pam_mfa/helper_client.c" "$src/tools/pam_mfa_helper.c" \
    "$WORK/cli_audit.c" | grep -oE '(^"|[ "])[a-z_]+=' | tr -d ' "=' |
    sort -u | grep -vx 'conf\|onefield\|profile' >"$WORK/fields"
check "log fields found" [ "$(wc -l <"$WORK/fields")" -ge 20 ]
sed -n '/^\.Ss Line format/,/^\.Ss Reasons/p' "$lman" >"$WORK/man.fields"
sed -n '/^### The schema, for SIEMs/,/^## /p' "$MFA_SRCDIR/README.md" \
    >"$WORK/readme.schema"
for f in $(cat "$WORK/fields"); do
	check "pam_mfa-log(7) documents field $f" grep -Eq \
	    "^\.(It )?(Cm|Li) (.* )?$f(=| |\$)" "$WORK/man.fields"
	check "README's schema names field $f" grep -q "\`${f}[=\`]" \
	    "$WORK/readme.schema"
done
# The fields the schema lists (.It Cm NAME; the helper's .Cm lists):
# each is one the code writes.
sed -n '/^\.Ss The module.s lines/,/^\.Ss Reasons/p' "$lman" | awk '
    /^\.Ss The helper/ { h = 1 } /^\.Ss The command/ { h = 0 }
    /^\.It Cm [a-z_]+$/ { print $3 }
    h && /^\.Cm / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z_]+$/)
	print $i }' | sort -u >"$WORK/man.fieldlist"
check "pam_mfa-log(7) field lists found" \
    [ "$(wc -l <"$WORK/man.fieldlist")" -ge 20 ]
for f in $(cat "$WORK/man.fieldlist"); do
	check "pam_mfa-log(7) field $f is logged" grep -qx "$f" "$WORK/fields"
done
# detail= values.
grep -oh 'detail=[a-z_]*' "$src/pam_mfa/pam_mfa.c" \
    "$src/pam_mfa/helper_client.c" "$src/tools/pam_mfa_helper.c" |
    sed 's/^detail=//' | sort -u >"$WORK/details"
check "detail values found" [ "$(wc -l <"$WORK/details")" -ge 30 ]
sed -n '/^\.Ss Details/,/^\.Ss Priorities/p' "$lman" | awk '
    /^\.It Li / || cont { line = $0; sub(/^\.It Li /, "", line)
	cont = line ~ /\\$/; gsub(/[\\,]/, " ", line); n = split(line, w, " ")
	for (i = 1; i <= n; i++) if (w[i] ~ /^[a-z_]+$/) print w[i] }' |
    sort -u >"$WORK/man.details"
for d in $(cat "$WORK/details"); do
	check "pam_mfa-log(7) lists detail=$d" grep -qx "$d" "$WORK/man.details"
done
for d in $(cat "$WORK/man.details"); do
	check "pam_mfa-log(7) detail $d is logged" grep -qx "$d" "$WORK/details"
done
# reason= values: error.c's table, both ways.
sed -n 's/^	\[MFA_[A-Z]*\] =[[:space:]]*{ "\([a-z_]*\)",.*/\1/p' \
    "$src/pam_mfa/error.c" | grep -vx exists | sort -u >"$WORK/reasons"
sed -n '/^\.Ss Reasons/,/^\.Ss Details/s/^\.It Li \([a-z_]*\)$/\1/p' "$lman" |
    sort -u >"$WORK/man.reasonlist"
check "pam_mfa-log(7) lists every reason, and only those" \
    cmp -s "$WORK/reasons" "$WORK/man.reasonlist"
# action= values: what cli_audit is given (literals; "enroll..." strings
# passed on through activate(); X_denied for each cli_current_code(X)).
{
	grep -ohE 'cli_audit(_detail)?\("[a-z_]*"' "$src"/tools/*.c |
	    sed 's/.*("\(.*\)"/\1/'
	grep -oh '"enroll[a-z_]*"' "$src/tools/cmd_enroll.c" | tr -d '"'
	grep -q '"%s_denied", action' "$src/tools/cli.c" &&
	    grep -oh 'cli_current_code([^"]*"[a-z_]*"' "$src"/tools/*.c |
	    sed 's/.*"\(.*\)"/\1_denied/'
} | sort -u >"$WORK/actions"
check "actions found" [ "$(wc -l <"$WORK/actions")" -ge 14 ]
sed -n '/^\.Ss The command line tool.s lines/,/^\.Ss Reasons/s/^\.It Li \([a-z_]*\)$/\1/p' \
    "$lman" | sort -u >"$WORK/man.actions"
check "pam_mfa-log(7) lists every action, and only those" \
    cmp -s "$WORK/actions" "$WORK/man.actions"
sed -n '/^Every change is logged to syslog/,/^\.Sh SELF-SERVICE/p' \
    "$MFA_SRCDIR/man/pam-mfa.8" >"$WORK/pam-mfa.actions"
for a in $(cat "$WORK/actions"); do
	check "pam-mfa(8) lists action $a" grep -qw -- "$a" \
	    "$WORK/pam-mfa.actions"
done
# The helper's operations, as its lines name them.
for op in $(sed -n 's/^	\[HELPER_[A-Z]*\] = "\([a-z-]*\)",$/\1/p' \
    "$src/pam_mfa/helper_proto.c"); do
	check "pam_mfa-log(7) names op $op" grep -q "^\.Li .*$op" "$lman"
done
# Every reason=, detail= and action= value the README and the man pages
# write is one the code logs.
for r in $(grep -oh 'reason=[a-z_]*' "$src/README.md" "$src"/man/*.[78] |
    sed 's/^reason=//' | sort -u); do
	check "docs' reason=$r is logged" grep -qx "$r" "$WORK/reasons"
done
for d in $(grep -oh 'detail=[a-z_]*' "$src/README.md" "$src"/man/*.[78] |
    sed 's/^detail=//' | sort -u); do
	# detail=helper_...: a family, named by its prefix.
	case $d in
	*_) check "docs' detail=$d... is logged" grep -q "^$d" \
	    "$WORK/details" ;;
	*) check "docs' detail=$d is logged" grep -qx "$d" "$WORK/details" ;;
	esac
done
for a in $(grep -oh 'action=[a-z_]*' "$src/README.md" "$src"/man/*.[78] |
    sed 's/^action=//' | sort -u); do
	check "docs' action=$a is logged" grep -qx "$a" "$WORK/actions"
done
# Schema 1 lines carry no version field (a v= is schema 2's, see
# pam_mfa-log(7) Versions).
check "no line of schema 1 has v=" [ -z "$(grep -x v "$WORK/fields")" ]
check "pam_mfa-log(7) says schema 1" grep -q '^\.Nd .*schema 1$' "$lman"
check "README says schema 1" grep -q 'schema 1' "$WORK/readme.schema"
for m in pam_mfa.8 pam-mfa.8 pam_mfa_helper.8; do
	check "$m points at pam_mfa-log(7)" grep -q '^\.Xr pam_mfa-log 7' \
	    "$MFA_SRCDIR/man/$m"
done

# The README names only what exists.  Every snake_case name in
# backquotes is in the tree (config keys, reasons, details, fields,
# functions, tests), but for the names of other programs and the
# kernel listed here.
others='use_fully_qualified_names guest_halt_poll_ns'
for w in $(grep -o '`[a-z][a-z0-9]*_[a-z0-9_]*`' "$src/README.md" |
    tr -d '`' | sort -u); do
	case " $others " in *" $w "*) continue ;; esac
	check "README's $w exists" grep -rqw -- "$w" "$src/pam_mfa" \
	    "$src/tools" "$src/conf" "$src/tests" "$src/bench" \
	    "$src/scripts"
done
# Every `key = value` the README writes is a config key (but SSSD's and
# PostgreSQL's settings).
for k in $(grep -o '`[a-z_]* = ' "$src/README.md" | sed 's/`//; s/ = //' |
    sort -u | grep -vx 'case_sensitive\|synchronous_commit\|fsync'); do
	check "README's key $k is a config key" grep -q "^	{ \"$k\"," \
	    "$src/pam_mfa/conf.c"
done
# Every pam-mfa subcommand the docs write exists, with the flags written.
for c in $(grep -oh 'pam-mfa [a-z][a-z-]*' "$src/README.md" \
    "$src/man/pam_mfa.8" "$src/man/pam_mfa-log.7" | awk '{print $2}' |
    sort -u); do
	check "pam-mfa $c exists" grep -q "^	{ \"${c}[\" ]" "$src/tools/pam-mfa.c"
done
for fl in $(grep -oh 'pam-mfa enroll\( -[a-zA-Z]*\( [A-Za-z0-9.]*[0-9.][A-Za-z0-9.]*\)\?\)*' \
    "$src/README.md" | grep -o ' -[a-zA-Z]*' | tr -d ' -' | fold -w1 |
    sort -u); do
	check "pam-mfa enroll -$fl exists" sh -c \
	    "grep -q 'getopt\(_long\)\?(argc, argv, \"[^\"]*$fl' '$src/tools/cmd_enroll.c'"
done
# Every shipped file and man page the README names exists.
for f in $(grep -o '`conf/[A-Za-z0-9_./-]*`' "$src/README.md" | tr -d '`' |
    sort -u); do
	check "README's $f exists" [ -e "$src/$f" ]
done
for m in $(grep -o '[a-z_-]*([578])' "$src/README.md" | sort -u); do
	page=${m%(*}.${m#*(}
	page=${page%)}
	case $page in pam_mfa*|pam-mfa*)
		check "README's $m is shipped" grep -qw "$page" \
		    "$src/man/Makefile.am" ;;
	esac
done
# The defaults the operator sections name are the code's.
check "README's key file is key_file's default" grep -q \
    '^#key_file = "/etc/security/pam_mfa.key";' "$src/conf/pam_mfa.conf"
check "README's state directory is state_dir's default" grep -q \
    '^#state_dir = "/var/lib/pam_mfa";' "$src/conf/pam_mfa.conf"
check "README's window bound is conf.c's" grep -q \
    '"window",.*[[:space:]]0, 10 }' "$src/pam_mfa/conf.c"
# make uninstall removes each library whose .la make install removes
# (libtool's uninstall needs the .la: without this, store_pgsql.so stayed).
sed -n '/^install-data-hook:/,/^[a-z]/s/.*rm -f \(.*\)\.la$/\1.so/p' \
    "$src/pam_mfa/Makefile.am" >"$WORK/la"
check "install removes .la files" [ -s "$WORK/la" ]
while read -r so; do
	check "make uninstall removes $so" grep -qF "rm -f $so" \
	    "$src/pam_mfa/Makefile.am"
done <"$WORK/la"
# The CLI's keys, the helpdesk's commands and the rollout's: in the code,
# both pages operators read, and pam_mfa(8)'s list of files.
for k in self_service admin_group; do
	check "pam-mfa(8) documents $k" grep -q "Cm $k" "$MFA_SRCDIR/man/pam-mfa.8"
	check "pam_mfa(8) names $k" grep -q "Cm $k" "$MFA_SRCDIR/man/pam_mfa.8"
	check "README documents $k" grep -q "$k = " "$MFA_SRCDIR/README.md"
	check "check prints $k" grep -q "\"$k = " "$MFA_SRCDIR/tools/cmd_check.c"
done
check "enroll takes --replace-now" grep -q '"replace-now"' \
    "$MFA_SRCDIR/tools/cmd_enroll.c"
check "pam-mfa(8) documents enroll --replace-now" \
    grep -q "^\.It Cm enroll Fl Fl replace-now" "$MFA_SRCDIR/man/pam-mfa.8"
check "README documents enroll --replace-now" \
    grep -q "pam-mfa enroll --replace-now" "$MFA_SRCDIR/README.md"
check "pam-mfa(8) lists the replace_now audit action" \
    grep -q "^\.Li replace_now" "$MFA_SRCDIR/man/pam-mfa.8"
check "the CLI has enroll-batch" grep -q '"enroll-batch"' \
    "$MFA_SRCDIR/tools/pam-mfa.c"
check "pam-mfa(8) documents enroll-batch" \
    grep -q "^\.It Cm enroll-batch Fl d Ar dir" "$MFA_SRCDIR/man/pam-mfa.8"
check "README documents enroll-batch" \
    grep -q "pam-mfa enroll-batch -d" "$MFA_SRCDIR/README.md"
for r in unknown_user enrolled pending file_exists invalid_name; do
	check "cmd_batch.c skips for $r" grep -q "\"$r\"" \
	    "$MFA_SRCDIR/tools/cmd_batch.c"
	check "pam-mfa(8) names manifest reason $r" grep -q "$r" \
	    "$MFA_SRCDIR/man/pam-mfa.8"
done
check "pam-mfa(8) has a HELPDESK section" grep -q "^\.Sh HELPDESK" \
    "$MFA_SRCDIR/man/pam-mfa.8"
# Clock safety: the key on both pages, resync with the bounds the code
# has (resync.h, token.h), the offset in status.
hmax=$(sed -n 's/^#define RESYNC_HOTP_MAX[[:space:]]*\([0-9]*\)$/\1/p' \
    "$MFA_SRCDIR/pam_mfa/resync.h")
tmax=$(sed -n 's/^#define TOKEN_OFFSET_MAX[[:space:]]*\([0-9]*\)$/\1/p' \
    "$MFA_SRCDIR/pam_mfa/token.h")
check "resync bounds found" [ "$hmax" = 10000 ] && [ "$tmax" = 1000 ]
check "pam_mfa(8) documents require_clock_sync" \
    grep -q "^\.Cm require_clock_sync No = Cm true" "$MFA_SRCDIR/man/pam_mfa.8"
check "README documents require_clock_sync" \
    grep -q "require_clock_sync = true;" "$MFA_SRCDIR/README.md"
check "the CLI has resync" grep -q '"resync", "USER"' \
    "$MFA_SRCDIR/tools/pam-mfa.c"
check "pam-mfa(8) documents resync" \
    grep -q "^\.It Cm resync Ar user" "$MFA_SRCDIR/man/pam-mfa.8"
check "pam-mfa(8) gives resync's HOTP bound" grep -q "to $hmax past it" \
    "$MFA_SRCDIR/man/pam-mfa.8"
check "pam-mfa(8) gives resync's TOTP bound" grep -q "up to $tmax periods" \
    "$MFA_SRCDIR/man/pam-mfa.8"
check "README gives resync's bounds" sh -c "grep -q 'up to 10,000 counters' \
    '$MFA_SRCDIR/README.md' && grep -q 'up to 1,000 periods' \
    '$MFA_SRCDIR/README.md'"
check "pam-mfa(8) names totp_offset" grep -q "totp_offset=" \
    "$MFA_SRCDIR/man/pam-mfa.8"
check "status prints totp_offset" grep -q 'totp_offset=%+d' \
    "$MFA_SRCDIR/tools/cmd_status.c"
# The rollout: its keys where operators read them and as check prints
# them; pam-mfa report in pam-mfa(8)'s synopsis and list and in the
# README, with the words it prints; what status and list say of an
# expired pending token.
for k in enroll_at_login pending_lifetime enroll_deadline; do
	check "pam_mfa(8) documents $k" grep -q "^\.It Cm $k No" \
	    "$MFA_SRCDIR/man/pam_mfa.8"
	check "README documents $k" grep -q "^$k = " "$MFA_SRCDIR/README.md"
	check "check prints $k" grep -q "\"$k = " "$MFA_SRCDIR/tools/cmd_check.c"
done
check "README has the Rolling out section" grep -q \
    "^### Rolling out: from the first enrollment to the deadline" \
    "$MFA_SRCDIR/README.md"
check "the CLI has report" grep -q '{ "report",' "$MFA_SRCDIR/tools/pam-mfa.c"
check "pam-mfa(8) synopsis: report" grep -q "^\.Cm report\$" \
    "$MFA_SRCDIR/man/pam-mfa.8"
check "pam-mfa(8) documents report" grep -q "^\.It Cm report Oo Fl Fl unenrolled" \
    "$MFA_SRCDIR/man/pam-mfa.8"
check "README documents pam-mfa report" \
    grep -q "pam-mfa report --group vpn --log" "$MFA_SRCDIR/README.md"
for w in enrolled pending pending_expired unenrolled exempt_logins \
    deadline_denials days_left; do
	check "cmd_report.c prints $w" grep -q "\"$w\"\|[ \"]$w=" \
	    "$MFA_SRCDIR/tools/cmd_report.c"
	check "pam-mfa(8) names report's $w" grep -q "$w" \
	    "$MFA_SRCDIR/man/pam-mfa.8"
	check "README names report's $w" grep -q "$w" "$MFA_SRCDIR/README.md"
done
for w in '"expired"' '"expired_pending"' '"pending_expired'; do
	check "cmd_status.c prints $w" grep -qF "$w" "$MFA_SRCDIR/tools/cmd_status.c"
done
check "pam-mfa(8) names pending=expired" grep -q "^\.Li pending=expired" \
    "$MFA_SRCDIR/man/pam-mfa.8"
check "pam-mfa(8) names expired_pending" grep -q "^\.Li expired_pending" \
    "$MFA_SRCDIR/man/pam-mfa.8"
check "the schema is version 2" grep -q "VALUES (2)" \
    "$MFA_SRCDIR/conf/postgresql/schema.sql"
check "db init says version 2" grep -q "schema version 2 in place" \
    "$MFA_SRCDIR/tools/cmd_db.c"
# Backup codes: the iteration count the README states is backup.h's, and
# every make bench-* target it names exists.
iter=$(sed -n 's/^#define BACKUP_ITER_DEFAULT[^0-9]*\([0-9]*\).*/\1/p' \
    "$MFA_SRCDIR/pam_mfa/backup.h")
iter_text=$(printf '%s' "$iter" | sed 's/\([0-9]\)\([0-9]\{3\}\)$/\1,\2/')
check "README states backup.h's PBKDF2 iterations ($iter_text)" \
    grep -q "PBKDF2-HMAC-SHA256 ($iter_text iterations" "$MFA_SRCDIR/README.md"
for t in $(grep -o 'make bench-[a-z]*' "$MFA_SRCDIR/README.md" | sort -u |
    sed 's/make //'); do
	check "bench/Makefile.am has $t" grep -q "^$t:" \
	    "$MFA_SRCDIR/bench/Makefile.am"
done
finish
