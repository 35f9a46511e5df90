/*
 * qr.h - an otpauth:// URI as a QR code (level M, 8-bit mode, smallest
 * version that fits), drawn on a terminal or written to a new 0600 file.
 */
#ifndef MFA_QR_H
#define MFA_QR_H

#include <stdio.h>

/*
 * How qr_print draws: Unicode half blocks, two modules per character cell
 * stacked vertically, with a light quiet zone of 4 modules on every side.
 * A symbol of W modules takes W + 8 columns and (W + 9) / 2 lines.
 */
enum qr_style {
	/*
	 * Black on white by SGR colours (30;47), reset at the end of every
	 * line: scans on dark and light terminal themes alike.  The default.
	 */
	QR_ANSI,
	/*
	 * No escape codes, blocks are dark modules: for dark text on a light
	 * background (mail, paper, light terminal themes).  The quiet zone
	 * is spaces, light only where the background is.
	 */
	QR_UTF8,
	/*
	 * No escape codes, blocks are light modules, quiet zone included:
	 * for light text on a dark background (dark terminal themes).
	 */
	QR_UTF8_INVERTED
};

/*
 * Print text as a QR code on f and flush it.  0 on success; -1 with errno
 * set on failure (EINVAL: empty text or bad style, ERANGE: too long for a
 * QR code, ENOMEM, or the write error), having printed nothing unless the
 * write itself failed part way.
 */
int qr_print(FILE *f, const char *text, enum qr_style style);

/*
 * Write text as a QR code to a new file at path, a PNG (8 pixels a module,
 * 1-bit grey) if the name ends in ".png", an SVG if ".svg": any other name
 * is EINVAL.  The file is created 0600 (it holds the secret) and never
 * replaces anything: an existing file or a symlink at path is EEXIST.
 * 0 on success; -1 with errno set on failure, leaving no file behind.
 */
int qr_write_file(const char *path, const char *text);

#endif
