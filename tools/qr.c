/*
 * qr.c - QR codes for the CLI: libqrencode makes the symbol, this file
 * draws it with half blocks or writes it as PNG (libpng) or SVG.  The text
 * holds a secret: every buffer here that holds it, or the symbol, is wiped
 * before it is freed, and nothing is printed but the code itself.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <png.h>
#include <qrencode.h>

#include "qr.h"

#define QR_QUIET	4	/* light modules around the symbol (ISO 18004) */
#define QR_SCALE	8	/* PNG pixels a module */
#define QR_MAX_TEXT	4096	/* beyond any QR code (2,953 bytes at most) */
#define QR_MAX_WIDTH	177	/* modules of version 40 */

/* A fixed-size output buffer, wiped when freed: it holds the symbol. */
struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static int
buf_init(struct buf *b, size_t cap)
{
	b->len = 0;
	b->cap = cap;
	if ((b->p = malloc(cap)) == NULL)
		return -1;
	return 0;
}

static int
buf_add(struct buf *b, const char *s, size_t n)
{
	if (n > b->cap - b->len) {
		errno = EOVERFLOW;
		return -1;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

static int __attribute__((format(printf, 2, 3)))
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		errno = EOVERFLOW;
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

static void
buf_free(struct buf *b)
{
	if (b->p != NULL) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
		b->p = NULL;
	}
}

/* The symbol for text: level M, 8-bit mode, the smallest version. */
static QRcode *
encode(const char *text)
{
	QRcode *qr;
	size_t len;

	if (text == NULL || (len = strlen(text)) == 0) {
		errno = EINVAL;
		return NULL;
	}
	if (len > QR_MAX_TEXT) {
		errno = ERANGE;
		return NULL;
	}
	errno = 0;
	if ((qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M)) == NULL) {
		if (errno == 0)
			errno = EINVAL;
		return NULL;
	}
	if (qr->width < 21 || qr->width > QR_MAX_WIDTH) {
		explicit_bzero(qr->data, (size_t)qr->width * (size_t)qr->width);
		QRcode_free(qr);
		errno = EINVAL;
		return NULL;
	}
	return qr;
}

static void
encode_free(QRcode *qr)
{
	explicit_bzero(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
}

/*
 * 1 if the module at (x, y) is dark; the coordinates count the quiet zone,
 * and everything outside the symbol is light.
 */
static int
dark(const QRcode *qr, int x, int y)
{
	x -= QR_QUIET;
	y -= QR_QUIET;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 0;
	return qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1;
}

static int
write_all(int fd, const void *p, size_t len)
{
	const unsigned char *s = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Half blocks indexed by (top ink) << 1 | (bottom ink).  "Ink" is the
 * foreground: dark modules, except in QR_UTF8_INVERTED.
 */
static const char *const glyph[4] = { " ", "\u2584", "\u2580", "\u2588" };

int
qr_print(FILE *f, const char *text, enum qr_style style)
{
	static const char sgr_on[] = "\033[30;47m", sgr_off[] = "\033[0m";
	struct buf b = { NULL, 0, 0 };
	QRcode *qr;
	const char *g;
	size_t n, lines;
	int x, y, inv, ansi, top, bot, rc = -1, saved;

	if (f == NULL || (style != QR_ANSI && style != QR_UTF8 &&
	    style != QR_UTF8_INVERTED)) {
		errno = EINVAL;
		return -1;
	}
	ansi = style == QR_ANSI;
	inv = style == QR_UTF8_INVERTED;
	if ((qr = encode(text)) == NULL)
		return -1;
	n = (size_t)qr->width + 2 * QR_QUIET;
	lines = (n + 1) / 2;
	if (buf_init(&b, lines * (sizeof(sgr_on) + 3 * n + sizeof(sgr_off))) ==
	    -1)
		goto out;
	for (y = 0; (size_t)y < n; y += 2) {
		if (ansi && buf_add(&b, sgr_on, sizeof(sgr_on) - 1) == -1)
			goto out;
		for (x = 0; (size_t)x < n; x++) {
			top = dark(qr, x, y) ^ inv;
			/* Below the last row is light, whatever the style. */
			bot = (size_t)y + 1 < n ? dark(qr, x, y + 1) ^ inv : inv;
			g = glyph[top << 1 | bot];
			if (buf_add(&b, g, strlen(g)) == -1)
				goto out;
		}
		if (ansi && buf_add(&b, sgr_off, sizeof(sgr_off) - 1) == -1)
			goto out;
		if (buf_add(&b, "\n", 1) == -1)
			goto out;
	}
	errno = 0;
	if (fwrite(b.p, 1, b.len, f) != b.len || fflush(f) == EOF) {
		if (errno == 0)
			errno = EIO;
		goto out;
	}
	rc = 0;
out:
	saved = errno;
	buf_free(&b);
	encode_free(qr);
	errno = saved;
	return rc;
}

/* Where libpng's callbacks leave the cause of a failure. */
struct png_ctx {
	int	fd;
	int	err;
};

static PNG_NORETURN void
png_error_cb(png_structp png, png_const_charp msg)
{
	struct png_ctx *ctx = png_get_error_ptr(png);

	(void)msg;		/* library code prints nothing */
	if (ctx->err == 0)
		ctx->err = EIO;
	png_longjmp(png, 1);
}

static void
png_warning_cb(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void
png_write_cb(png_structp png, png_bytep data, size_t len)
{
	struct png_ctx *ctx = png_get_io_ptr(png);

	if (write_all(ctx->fd, data, len) == -1) {
		ctx->err = errno;
		png_error(png, "write");
	}
}

static void
png_flush_cb(png_structp png)
{
	(void)png;
}

/*
 * The libpng calls, under setjmp.  Everything the error path frees is
 * owned by the caller, and nothing here is read after a longjmp, so no
 * local needs to be volatile.
 */
static int
png_emit(png_structp png, png_infop info, struct png_ctx *ctx,
    unsigned char *row, size_t rowlen, const QRcode *qr)
{
	png_uint_32 side, x, y;

	side = ((png_uint_32)qr->width + 2 * QR_QUIET) * QR_SCALE;
	if (setjmp(png_jmpbuf(png)) != 0)
		return -1;
	png_set_write_fn(png, ctx, png_write_cb, png_flush_cb);
	png_set_IHDR(png, info, side, side, 1, PNG_COLOR_TYPE_GRAY,
	    PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < side; y++) {
		if (y % QR_SCALE == 0) {
			/* 1-bit grey, most significant bit first: 1 is white. */
			memset(row, 0xff, rowlen);
			for (x = 0; x < side; x++)
				if (dark(qr, (int)(x / QR_SCALE),
				    (int)(y / QR_SCALE)))
					row[x / 8] &= (unsigned char)~(0x80 >>
					    (x % 8));
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	return 0;
}

static int
write_png(int fd, const QRcode *qr)
{
	struct png_ctx ctx = { fd, 0 };
	png_structp png;
	png_infop info = NULL;
	unsigned char *row = NULL;
	size_t rowlen;
	int rc = -1;

	rowlen = (((size_t)qr->width + 2 * QR_QUIET) * QR_SCALE + 7) / 8;
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx,
	    png_error_cb, png_warning_cb);
	if (png == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if ((info = png_create_info_struct(png)) == NULL) {
		ctx.err = ENOMEM;
		goto out;
	}
	if ((row = malloc(rowlen)) == NULL) {
		ctx.err = errno;
		goto out;
	}
	if (png_emit(png, info, &ctx, row, rowlen, qr) == -1)
		goto out;
	rc = 0;
out:
	png_destroy_write_struct(&png, &info);
	if (row != NULL) {
		explicit_bzero(row, rowlen);
		free(row);
	}
	if (rc == -1)
		errno = ctx.err != 0 ? ctx.err : EIO;
	return rc;
}

/* One path of a rectangle per run of dark modules, black on white. */
static int
write_svg(int fd, const QRcode *qr)
{
	struct buf b = { NULL, 0, 0 };
	int n, x, y, run, rc = -1, saved;

	n = qr->width + 2 * QR_QUIET;
	/* Each run is at most "M185 185h185v1h-185z", 20 bytes. */
	if (buf_init(&b, 1024 + (size_t)n * (1 + (size_t)(n + 1) / 2 * 20)) ==
	    -1)
		goto out;
	if (buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "shape-rendering=\"crispEdges\">\n"
	    "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
	    "<path fill=\"#000000\" d=\"", n * QR_SCALE, n * QR_SCALE, n, n,
	    n, n) == -1)
		goto out;
	for (y = 0; y < n; y++) {
		for (x = 0; x < n; x += run) {
			for (run = 0; x + run < n && dark(qr, x + run, y); run++)
				;
			if (run == 0) {
				run = 1;
				continue;
			}
			if (buf_printf(&b, "M%d %dh%dv1h-%dz", x, y, run,
			    run) == -1)
				goto out;
		}
		if (y + 1 < n && buf_add(&b, "\n", 1) == -1)
			goto out;
	}
	if (buf_printf(&b, "\"/>\n</svg>\n") == -1)
		goto out;
	if (write_all(fd, b.p, b.len) == -1)
		goto out;
	rc = 0;
out:
	saved = errno;
	buf_free(&b);
	errno = saved;
	return rc;
}

/* 1 if name ends in suffix, ignoring case. */
static int
has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = strlen(suffix);

	return n > m && strcasecmp(name + n - m, suffix) == 0;
}

/*
 * Remove the file qr_write_file created: emptied through the descriptor,
 * and unlinked only if the path still names it.
 */
static void
discard(const char *path, int fd, const struct stat *made)
{
	struct stat st;

	if (fd != -1) {
		if (ftruncate(fd, 0) == -1) {
			/* the unlink below is what matters */
		}
		(void)close(fd);
	}
	if (lstat(path, &st) == 0 && st.st_dev == made->st_dev &&
	    st.st_ino == made->st_ino)
		(void)unlink(path);
}

int
qr_write_file(const char *path, const char *text)
{
	QRcode *qr;
	struct stat made;
	int fd, png, rc = -1, saved;

	if (path == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (has_suffix(path, ".png"))
		png = 1;
	else if (has_suffix(path, ".svg"))
		png = 0;
	else {
		errno = EINVAL;
		return -1;
	}
	if ((qr = encode(text)) == NULL)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1)
		goto out;
	if (fstat(fd, &made) == -1) {
		saved = errno;
		(void)close(fd);
		(void)unlink(path);	/* just created: O_EXCL */
		errno = saved;
		goto out;
	}
	if ((png ? write_png(fd, qr) : write_svg(fd, qr)) == -1 ||
	    fsync(fd) == -1)
		goto out_discard;
	if (close(fd) == -1) {
		fd = -1;
		goto out_discard;
	}
	rc = 0;
	goto out;
out_discard:
	saved = errno;
	discard(path, fd, &made);
	errno = saved;
out:
	saved = errno;
	encode_free(qr);
	errno = saved;
	return rc;
}
