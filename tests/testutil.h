/*
 * testutil.h - helpers shared by the C tests: private directories, files,
 * and oathtool as an independent oracle.
 */
#ifndef MFA_TESTUTIL_H
#define MFA_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* A fresh root-owned 0700 directory under /tmp; malloc'd path. */
char *tu_tmpdir(void);
/* Remove a tree (rm -rf), bounded to paths under /tmp/. */
void tu_rm_rf(const char *path);
/* Write data to path with mode (created or truncated); 0 on success. */
int tu_write_file(const char *path, const char *data, mode_t mode);
/*
 * Run oathtool (from $OATHTOOL or PATH) with the NULL-terminated argument
 * list and put its first output line, without newline, into out.
 * Returns 0 on success.
 */
int tu_oathtool(char *out, size_t outlen, ...);
/* For execv's argv, which is not const-qualified. */
char *tu_unconst(const char *s);
/* Hex encoding of len bytes into out (2*len+1 bytes). */
void tu_hex(char *out, const unsigned char *in, size_t len);

#endif
