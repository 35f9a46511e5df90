/*
 * qrprint.c - tools/qr.c from the command line, for test_qr.sh:
 * "qrprint ansi|utf8|utf8-inverted TEXT" prints TEXT as a QR code,
 * "qrprint file PATH TEXT" writes it to PATH (.png or .svg).
 * Exits 0 on success, 1 on failure (the reason on stderr), 2 on usage.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "qr.h"

static const struct {
	const char *name;
	enum qr_style style;
} styles[] = {
	{ "ansi", QR_ANSI },
	{ "utf8", QR_UTF8 },
	{ "utf8-inverted", QR_UTF8_INVERTED },
};

int
main(int argc, char **argv)
{
	size_t i;

	if (argc == 4 && strcmp(argv[1], "file") == 0) {
		if (qr_write_file(argv[2], argv[3]) == -1) {
			fprintf(stderr, "qrprint: %s: %s\n", argv[2],
			    strerror(errno));
			return 1;
		}
		return 0;
	}
	for (i = 0; argc == 3 && i < sizeof(styles) / sizeof(styles[0]); i++) {
		if (strcmp(argv[1], styles[i].name) != 0)
			continue;
		if (qr_print(stdout, argv[2], styles[i].style) == -1) {
			fprintf(stderr, "qrprint: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: qrprint ansi|utf8|utf8-inverted TEXT\n"
	    "       qrprint file PATH.png|PATH.svg TEXT\n");
	return 2;
}
