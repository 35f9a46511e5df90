#!/bin/sh
# QR codes (tools/qr.c through qrprint): every terminal style and every
# file format scans, with zbarimg as the independent decoder, to exactly
# the URI; the terminal's colours are parsed into a picture of what a light
# or a dark theme shows; files are new, 0600, never through a symlink, and
# gone again when writing fails.
. "$(dirname "$0")/lib.sh"
qrbin=${MFA_QRPRINT:-$MFA_BUILDDIR/tests/qrprint}
qrprint="$VG $qrbin"
# Under a file size limit, valgrind must not start its gdb server (a file).
qrprint_fsize="${VG:+$VG --vgdb=no }$qrbin"
if ! command -v zbarimg >/dev/null 2>&1; then
	echo "FAIL: zbarimg not found (apt-get install zbar-tools)"
	exit 1
fi

secret64=AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQTCQKRMFYYDENBWHA5DYPSAIJCEMSCKJRHFAUSUKZMFUXC6MBRGIZTINJWG44DSOR3HQ6T4PY
uri='otpauth://totp/Example%20VPN:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example%20VPN&algorithm=SHA256&digits=8&period=60'
long="otpauth://totp/Example%20VPN:alice?secret=$secret64&issuer=Example%20VPN&algorithm=SHA512&digits=8&period=60"

# zbarimg FILE: the one symbol in FILE, or nothing.
scan() {
	zbarimg --raw -q "$1" 2>>"$WORK/zbar.err"
}
# cond 'SHELL CONDITION': for check, when one command is not enough.
cond() {
	eval "$1"
}
esc=$(printf '\033')

# term2pbm.pl THEME SCALE PBM GRID < TEXT: what a terminal with a light
# (black on white) or dark (white on black) default shows for TEXT, as a
# PBM scaled up SCALE times, and as a grid of modules ('#' dark, '.'
# light).  Prints "cols rows left top right bottom leaks": the picture's
# size in modules, the light margin around the dark ones, and how many
# lines end with colours still set.  Dies on anything but spaces, the
# three half blocks, SGR black/white/default, and lines of equal length.
# SGR state carries over from line to line, as on a terminal.
cat >"$WORK/term2pbm.pl" <<'EOF'
use strict;
use warnings;
my ($theme, $scale, $pbm, $gridf) = @ARGV;
my ($deffg, $defbg) = $theme eq 'light' ? (1, 0) : (0, 1);	# 1 dark
my %colour = (0 => 1, 7 => 0, 15 => 0);		# black, white, bright white
binmode STDIN, ':encoding(UTF-8)';
local $/;
my $text = <STDIN>;
die "no output\n" if !defined $text || $text eq '';
die "last line not ended\n" if substr($text, -1) ne "\n";
chop $text;
my (@img, $width);
my ($fg, $bg, $leaks) = ($deffg, $defbg, 0);
for my $line (split /\n/, $text, -1) {
	my (@top, @bot);
	while (length $line) {
		if ($line =~ s/^\e\[([0-9;]*)m//) {
			my @p = split /;/, $1, -1;
			@p = (0) if !@p;
			while (@p) {
				my $p = shift @p;
				$p = 0 if $p eq '';
				if ($p == 0) { ($fg, $bg) = ($deffg, $defbg) }
				elsif ($p == 39) { $fg = $deffg }
				elsif ($p == 49) { $bg = $defbg }
				elsif ($p >= 30 && $p <= 37 || $p >= 90 && $p <= 97) {
					my $c = $p >= 90 ? $p - 82 : $p - 30;
					die "colour $p\n" if !exists $colour{$c};
					$fg = $colour{$c};
				} elsif ($p >= 40 && $p <= 47 || $p >= 100 && $p <= 107) {
					my $c = $p >= 100 ? $p - 92 : $p - 40;
					die "colour $p\n" if !exists $colour{$c};
					$bg = $colour{$c};
				} elsif (($p == 38 || $p == 48) && @p >= 2 && $p[0] == 5) {
					shift @p;
					my $c = shift @p;
					die "colour 5;$c\n" if !exists $colour{$c};
					if ($p == 38) { $fg = $colour{$c} } else { $bg = $colour{$c} }
				} else {
					die "SGR $p\n";
				}
			}
			next;
		}
		my $ch = substr($line, 0, 1, '');
		if ($ch eq ' ') { push @top, $bg; push @bot, $bg }
		elsif ($ch eq "\x{2580}") { push @top, $fg; push @bot, $bg }
		elsif ($ch eq "\x{2584}") { push @top, $bg; push @bot, $fg }
		elsif ($ch eq "\x{2588}") { push @top, $fg; push @bot, $fg }
		else { die sprintf "character U+%04X\n", ord $ch }
	}
	$leaks++ if $fg != $deffg || $bg != $defbg;
	$width //= scalar @top;
	die "empty or ragged lines\n" if !@top || @top != $width;
	push @img, [@top], [@bot];
}
my ($h, $w) = (scalar @img, $width);
my ($l, $t, $r, $b) = ($w, $h, -1, -1);
for my $y (0 .. $h - 1) {
	for my $x (0 .. $w - 1) {
		next if !$img[$y][$x];
		$l = $x if $x < $l; $r = $x if $x > $r;
		$t = $y if $y < $t; $b = $y if $y > $b;
	}
}
die "no dark module\n" if $r < 0;
open my $g, '>', $gridf or die "$gridf: $!\n";
print $g join('', map { $_ ? '#' : '.' } @$_), "\n" for @img;
close $g or die "$gridf: $!\n";
open my $o, '>:raw', $pbm or die "$pbm: $!\n";
printf $o "P4\n%d %d\n", $w * $scale, $h * $scale;
for my $row (@img) {
	my $bits = join '', map { $_ x $scale } @$row;
	print $o pack('B*', $bits) for 1 .. $scale;
}
close $o or die "$pbm: $!\n";
print join(' ', $w, $h, $l, $t, $w - 1 - $r, $h - 1 - $b, $leaks), "\n";
EOF

# png2grid.pl PNG: the modules of a 1-bit grey PNG of 8 pixels a module
# (dies if a module is not 8x8 of one colour), '#' dark, '.' light, after
# "width height depth colourtype interlace" of its header.
cat >"$WORK/png2grid.pl" <<'EOF'
use strict;
use warnings;
use Compress::Zlib;
open my $f, '<:raw', $ARGV[0] or die "$ARGV[0]: $!\n";
local $/;
my $d = <$f>;
die "not a PNG\n" if substr($d, 0, 8, '') ne "\x89PNG\r\n\x1a\n";
my ($ihdr, $idat) = ('', '');
while (length $d >= 12) {
	my ($len, $type) = unpack 'N a4', substr($d, 0, 8, '');
	my $data = substr($d, 0, $len, '');
	substr($d, 0, 4, '');
	$ihdr = $data if $type eq 'IHDR';
	$idat .= $data if $type eq 'IDAT';
	last if $type eq 'IEND';
}
my ($w, $h, $depth, $ct, $cm, $fm, $il) = unpack 'N N C C C C C', $ihdr;
print "$w $h $depth $ct $il\n";
die "not 1-bit grey\n" if $depth != 1 || $ct != 0 || $il != 0;
my $raw = uncompress($idat) // die "bad IDAT\n";
my $rb = int(($w + 7) / 8);
die "IDAT size\n" if length $raw != $h * ($rb + 1);
my @prev = (0) x $rb;
my @px;
for my $y (0 .. $h - 1) {
	my $ft = ord substr($raw, $y * ($rb + 1), 1);
	my @c = unpack 'C*', substr($raw, $y * ($rb + 1) + 1, $rb);
	for my $i (0 .. $rb - 1) {
		my $a = $i ? $c[$i - 1] : 0;
		my ($up, $ul) = ($prev[$i], $i ? $prev[$i - 1] : 0);
		if ($ft == 1) { $c[$i] = ($c[$i] + $a) & 255 }
		elsif ($ft == 2) { $c[$i] = ($c[$i] + $up) & 255 }
		elsif ($ft == 3) { $c[$i] = ($c[$i] + int(($a + $up) / 2)) & 255 }
		elsif ($ft == 4) {
			my $p = $a + $up - $ul;
			my ($pa, $pb, $pc) = (abs($p - $a), abs($p - $up), abs($p - $ul));
			my $pr = $pa <= $pb && $pa <= $pc ? $a : $pb <= $pc ? $up : $ul;
			$c[$i] = ($c[$i] + $pr) & 255;
		} elsif ($ft != 0) { die "filter $ft\n" }
	}
	@prev = @c;
	push @px, [split //, substr(unpack('B*', pack('C*', @c)), 0, $w)];
}
die "not 8 pixels a module\n" if $w % 8 || $h % 8;
for my $my (0 .. $h / 8 - 1) {
	my $line = '';
	for my $mx (0 .. $w / 8 - 1) {
		my $v = $px[$my * 8][$mx * 8];
		for my $y ($my * 8 .. $my * 8 + 7) {
			for my $x ($mx * 8 .. $mx * 8 + 7) {
				die "module $mx,$my not uniform\n" if $px[$y][$x] ne $v;
			}
		}
		$line .= $v ? '.' : '#';
	}
	print "$line\n";
}
EOF

# The terminal: every style, under the theme it is drawn for, decodes to
# the URI; the coloured default under both themes.
for text in "$uri" "$long"; do
	case $text in *SHA512*) what=long ;; *) what=realistic ;; esac
	for run in "ansi light" "ansi dark" "utf8 light" "utf8-inverted dark"; do
		set -- $run
		tag="$what $1 on a $2 theme"
		out=$WORK/$what-$1-$2
		$qrprint "$1" "$text" >"$out.txt"; rc=$?
		check "$tag: exits 0" [ "$rc" -eq 0 ]
		if ! perl "$WORK/term2pbm.pl" "$2" 4 "$out.pbm" "$out.grid" \
		    <"$out.txt" >"$out.dim" 2>"$out.err"; then
			fail "$tag: parses ($(cat "$out.err"))"
			continue
		fi
		pass "$tag: only half blocks, spaces and black/white SGR"
		read -r cols rows left top right bottom leaks <"$out.dim"
		sym=$((cols - left - right))
		check "$tag: square symbol ($sym modules)" \
		    [ "$sym" -eq $((rows - top - bottom)) ]
		check "$tag: light quiet zone of 4 drawn" cond '[ "$left" -eq 4 ] &&
		    [ "$top" -eq 4 ] && [ "$right" -eq 4 ] &&
		    [ "$bottom" -ge 4 ] && [ "$bottom" -le 5 ]'
		check "$tag: no colour left on at a line's end" [ "$leaks" -eq 0 ]
		check "$tag: scans to the URI" [ "$(scan "$out.pbm")" = "$text" ]
		echo "# $tag: $cols columns, $(wc -l <"$out.txt") lines, symbol $sym modules, version $(((sym - 17) / 4))"
	done
done
check "ANSI: every line ends with a reset" \
    [ "$(grep -c "$esc\[0m\$" "$WORK/realistic-ansi-light.txt")" -eq \
    "$(wc -l <"$WORK/realistic-ansi-light.txt")" ]
check "plain styles: no escape code" cond '! grep -q "$esc" \
    "$WORK/realistic-utf8-light.txt" "$WORK/realistic-utf8-inverted-dark.txt"'
check "plain and coloured styles draw the same modules" \
    cmp -s "$WORK/realistic-ansi-light.grid" "$WORK/realistic-utf8-light.grid"
check "the inverted style is the plain one with light and dark swapped" \
    cmp -s "$WORK/realistic-utf8-inverted-dark.grid" \
    "$WORK/realistic-utf8-light.grid"
check "the coloured style does not depend on the theme" \
    cmp -s "$WORK/realistic-ansi-light.grid" "$WORK/realistic-ansi-dark.grid"
# Level M in byte mode: 131 bytes need version 8 (version 7 holds 122;
# level L would fit in version 6); 202 bytes need version 10 (9: 180).
check "realistic URI: version 8 (level M, 8-bit)" \
    [ "$(head -1 "$WORK/realistic-ansi-light.grid" | tr -d '\n' | wc -c)" -eq 57 ]
check "long URI: version 10 (level M, 8-bit)" \
    [ "$(head -1 "$WORK/long-ansi-light.grid" | tr -d '\n' | wc -c)" -eq 65 ]

# Files: PNG and SVG scan to the URI; the PNG is 8 pixels a module with a
# quiet zone of 4, module for module the terminal's symbol.
for text in "$uri" "$long"; do
	case $text in *SHA512*) what=long ;; *) what=realistic ;; esac
	png=$WORK/$what.png
	$qrprint file "$png" "$text"; rc=$?
	check "$what PNG: exits 0" [ "$rc" -eq 0 ]
	check "$what PNG: scans to the URI" [ "$(scan "$png")" = "$text" ]
	if perl "$WORK/png2grid.pl" "$png" >"$png.grid" 2>"$png.err"; then
		pass "$what PNG: 1-bit grey, 8x8 pixels a module"
	else
		fail "$what PNG: 1-bit grey, 8x8 pixels a module ($(cat "$png.err"))"
	fi
	n=$(head -1 "$WORK/$what-ansi-light.grid" | tr -d '\n' | wc -c)
	check "$what PNG: $((n * 8)) pixels square" \
	    [ "$(head -1 "$png.grid")" = "$((n * 8)) $((n * 8)) 1 0 0" ]
	tail -n +2 "$png.grid" >"$png.modules"
	head -n "$n" "$WORK/$what-ansi-light.grid" >"$png.term"
	check "$what PNG: the terminal's modules and quiet zone" \
	    cmp -s "$png.modules" "$png.term"
	echo "# $what PNG: $(wc -c <"$png") bytes, $((n * 8)) px square"

	svg=$WORK/$what.svg
	$qrprint file "$svg" "$text"; rc=$?
	check "$what SVG: exits 0" [ "$rc" -eq 0 ]
	if command -v xmllint >/dev/null 2>&1; then
		check "$what SVG: well-formed XML" xmllint --noout "$svg"
	else
		check "$what SVG: one svg element, closed" cond \
		    '[ "$(grep -c "^<svg .*>\$" "$svg")" -eq 1 ] &&
		    [ "$(tail -1 "$svg")" = "</svg>" ]'
	fi
	check "$what SVG: viewBox of $n modules" \
	    grep -q "viewBox=\"0 0 $n $n\"" "$svg"
	# zbarimg cannot read SVG here (ImageMagick has no SVG coder without
	# a delegate); librsvg renders it through the gdk-pixbuf thumbnailer.
	if command -v gdk-pixbuf-thumbnailer >/dev/null 2>&1; then
		gdk-pixbuf-thumbnailer -s 600 "$svg" "$svg.png" 2>/dev/null
		check "$what SVG: scans to the URI (rendered by librsvg)" \
		    [ "$(scan "$svg.png")" = "$text" ]
	else
		echo "SKIP: $what SVG: no gdk-pixbuf-thumbnailer to render it"
	fi
	echo "# $what SVG: $(wc -c <"$svg") bytes"
done

# Files hold the secret: created 0600 whatever the umask.
(umask 0; $qrprint file "$WORK/mode.png" "$uri"); rc=$?
check "file created under umask 0" [ "$rc" -eq 0 ]
check "file is 0600 under umask 0" [ "$(stat -c %a "$WORK/mode.png")" = 600 ]
(umask 0; $qrprint file "$WORK/mode.svg" "$uri")
check "SVG is 0600 under umask 0" [ "$(stat -c %a "$WORK/mode.svg")" = 600 ]

# Never replace anything.
echo old >"$WORK/exists.png"
$qrprint file "$WORK/exists.png" "$uri" 2>"$WORK/err"; rc=$?
check "existing file refused (exit 1)" [ "$rc" -eq 1 ]
check "existing file untouched" [ "$(cat "$WORK/exists.png")" = old ]
check "existing file: says why" grep -q "File exists" "$WORK/err"
echo keep >"$WORK/target"
ln -s "$WORK/target" "$WORK/link.png"
$qrprint file "$WORK/link.png" "$uri" 2>/dev/null; rc=$?
check "symlink refused (exit 1)" [ "$rc" -eq 1 ]
check "symlink target untouched" [ "$(cat "$WORK/target")" = keep ]
check "symlink left as it was" [ -L "$WORK/link.png" ]
ln -s "$WORK/nothing.png" "$WORK/dangling.svg"
$qrprint file "$WORK/dangling.svg" "$uri" 2>/dev/null; rc=$?
check "dangling symlink refused (exit 1)" [ "$rc" -eq 1 ]
check "dangling symlink: nothing created at its target" \
    [ ! -e "$WORK/nothing.png" ]
for name in out.txt out png.out out.jpg; do
	$qrprint file "$WORK/$name" "$uri" 2>/dev/null; rc=$?
	check "unknown extension refused: $name" \
	    cond '[ "$rc" -eq 1 ] && [ ! -e "$WORK/$name" ]'
done
$qrprint file "$WORK/upper.PNG" "$uri"; rc=$?
check ".PNG is a PNG" \
    cond '[ "$rc" -eq 0 ] && [ "$(scan "$WORK/upper.PNG")" = "$uri" ]'
$qrprint file "$WORK/nodir/x.png" "$uri" 2>/dev/null; rc=$?
check "missing directory refused (exit 1)" [ "$rc" -eq 1 ]

# Writing fails (a file size limit, SIGXFSZ ignored: write gives EFBIG)
# after the file is created: at the first byte (limit 0: through libpng's
# longjmp for the PNG), and part way (limit 1: a block of 512 bytes in
# dash, 1024 in bash, less than the SVG either way).  No file is left.
# The error message goes to a pipe, which the limit does not cover.
check "SVG is larger than one block" \
    [ "$(wc -c <"$WORK/realistic.svg")" -gt 1024 ]
for run in "0 png" "0 svg" "1 svg"; do
	set -- $run
	err=$( (trap '' XFSZ; ulimit -f "$1"; \
	    exec $qrprint_fsize file "$WORK/big.$2" "$uri") 2>&1); rc=$?
	check "$2, size limit $1: error reported (exit 1)" [ "$rc" -eq 1 ]
	check "$2, size limit $1: error named" \
	    cond 'case $err in *"too large"*) ;; *) false ;; esac'
	check "$2, size limit $1: no file left" [ ! -e "$WORK/big.$2" ]
done

# Texts no QR code can hold print nothing and create nothing.
big=$(printf '%3000s' '' | tr ' ' x)
$qrprint ansi "$big" >"$WORK/out" 2>/dev/null; rc=$?
check "too long for a QR code refused (exit 1)" [ "$rc" -eq 1 ]
check "too long: nothing printed" [ ! -s "$WORK/out" ]
$qrprint file "$WORK/big.png" "$big" 2>/dev/null; rc=$?
check "too long: no file" cond '[ "$rc" -eq 1 ] && [ ! -e "$WORK/big.png" ]'
$qrprint ansi "" >"$WORK/out" 2>/dev/null; rc=$?
check "empty text refused, nothing printed" \
    cond '[ "$rc" -eq 1 ] && [ ! -s "$WORK/out" ]'
if [ -w /dev/full ]; then
	$qrprint ansi "$uri" >/dev/full 2>/dev/null; rc=$?
	check "terminal write error reported (exit 1)" [ "$rc" -eq 1 ]
fi
$qrprint sixel "$uri" >/dev/null 2>&1; rc=$?
check "unknown style: usage (exit 2)" [ "$rc" -eq 2 ]
finish
