#!/bin/sh
# test_completion.sh - pam-mfa's bash completion (tools/bash-completion/
# pam-mfa) as bash loads it: sourced after bash-completion's own library
# (and once without it), then COMPREPLY for a few command lines: commands,
# options, option values, the fixed words of import and db, and the
# enrolled users -- for root, from pam-mfa list with the line's -c
# CONFIG; none for a user who is not root.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
logns bash setpriv	# enroll -y writes its audit line to a private /dev/log
compfile=$MFA_SRCDIR/tools/bash-completion/pam-mfa
bashcomp=/usr/share/bash-completion/bash_completion
conf=$WORK/mfa.conf
printf 'state_dir = "%s";\nkey_file = "%s";\nuser_lookup = "exact";\n' \
    "$WORK/state" "$WORK/mfa.key" >"$conf"
chmod 0644 "$conf"
for u in alice bob; do
	"$MFA_CLI" -c "$conf" enroll -y "$u" >/dev/null 2>&1 ||
	    fail "enroll -y $u"
done
# pam-mfa on the PATH, as installed.
mkdir "$WORK/bin" "$WORK/files"
ln -s "$MFA_CLI" "$WORK/bin/pam-mfa"
cp "$compfile" "$WORK/files/pam-mfa-completion"
touch "$WORK/files/qr.png"
chmod -R a+rX "$WORK/bin" "$WORK/files"

# complete LIB [AS...] -- WORD...: COMPREPLY, sorted, one line, for the
# command line "WORD..." completed at its last word, in a bash that
# sourced bash-completion (LIB=lib) or not (LIB=none) and then the file;
# run through AS (setpriv ...) if given.
complete_line() {
	lib=$1
	shift
	as=""
	while [ "$1" != -- ]; do
		as="$as $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	PATH=$WORK/bin:$PATH LC_ALL=C $as bash -c '
		lib=$1 comp=$2
		shift 2
		if [ "$lib" = lib ]; then
			. /usr/share/bash-completion/bash_completion || exit 1
			declare -F _init_completion >/dev/null || exit 1
		fi
		. "$comp" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		spec=$(complete -p pam-mfa) || exit 1
		fn=${spec#*-F }
		fn=${fn%% *}
		"$fn" pam-mfa "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}"
		for w in "${COMPREPLY[@]}"; do
			printf "%s\n" "$w"
		done | sort | tr "\n" " "
	' bash "$lib" "$WORK/files/pam-mfa-completion" "$@"
}
# gives NAME WANT WORD...: completing "pam-mfa WORD..." offers WANT (with
# and without bash-completion's library).
gives() {
	name=$1 want=$2
	shift 2
	for lib in lib none; do
		[ "$lib" = lib ] && [ ! -f "$bashcomp" ] && continue
		got=$(complete_line "$lib" -- pam-mfa "$@")
		if [ "$got" = "$want" ]; then
			pass "$name ($lib)"
		else
			fail "$name ($lib)"
			echo "  want: '$want'"
			echo "  got:  '$got'"
		fi
	done
}
check "bash-completion's library is installed" [ -f "$bashcomp" ]

# The commands are the dispatch table's: every first word of the usage.
ncmd=$(sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' "$here/golden/usage.txt" |
    sort -u | wc -l)
for lib in lib none; do
	got=$(complete_line "$lib" -- pam-mfa "")
	check "every command offered ($lib)" [ "$(echo $got | wc -w)" -eq "$ncmd" ]
	check "enroll among them ($lib)" sh -c "echo ' $got' | grep -q ' enroll '"
done
gives "commands by prefix" "rekey report resync revoke " re
gives "db's command" "db " d
gives "main options" "--help --version -c -h " -
gives "main long options" "--help --version " --
gives "enroll options" "--replace-now -C -a -d -f -o -p -q -t -y " enroll -
gives "enroll options after -c" "--replace-now -C -a -d -f -o -p -q -t -y " -c "$conf" enroll -
gives "enroll -t values" "hotp totp " enroll -t ""
gives "enroll -a values" "SHA1 SHA256 SHA512 " enroll -a ""
gives "enroll -q values by prefix" "utf8 utf8i " enroll -q u
gives "enroll -d values" "6 8 " enroll -y -d ""
gives "enroll -o: files" "$WORK/files/qr.png " enroll -o "$WORK/files/qr"
gives "status options" "--json --sources " status --
gives "unlock options" "--source " unlock --
gives "check options" "--pam " check -
gives "backup-codes options" "-l " backup-codes -
gives "db's words" "import-files init " db ""
gives "import's formats" "google-authenticator oath " import -n ""
gives "nothing after db init" "" db init ""
# Root: the enrolled users of the line's config.
gives "revoke: root gets the enrolled users" "alice bob " -c "$conf" revoke ""
gives "status: by prefix" "alice " -c "$conf" status a
gives "enroll: users after options" "alice bob " -c "$conf" enroll -t totp ""
gives "revoke takes one user" "" -c "$conf" revoke alice ""
gives "resync: root gets the enrolled users" "alice bob " -c "$conf" resync ""
gives "resync takes one user, no codes" "" -c "$conf" resync alice ""
gives "resync has no options" "" -c "$conf" resync -
gives "a user the store doesn't hold: nothing" "" -c "$conf" unlock z
# unlock --source: the store's counted sources (none here), never users.
gives "unlock --source: sources, not users" "" -c "$conf" unlock --source ""
gives "nothing after unlock --source ADDR" "" -c "$conf" unlock --source 192.0.2.1 ""
# Not root: no names (the list is root's; their own account is implied).
got=$(complete_line none setpriv --reuid=65534 --regid=65534 --clear-groups \
    -- pam-mfa -c "$conf" revoke "")
check "not root: no user names" [ "$got" = "" ]
got=$(complete_line none setpriv --reuid=65534 --regid=65534 --clear-groups \
    -- pam-mfa st)
check "not root: commands still offered" [ "$got" = "status " ]
finish
