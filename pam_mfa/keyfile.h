/*
 * keyfile.h - the key file on disk (key_file, the keyring of keyring.h),
 * for every store backend: load it (root's, 0600 or stricter, one link,
 * exact size) with the reasons key_missing / key_unreadable; save it
 * (replace, or publish exclusively); create a first key file, never while
 * the store holds a sealed record -- the backend says whether it does.
 * And a backend's copy of it: read once to open tokens (a key id the ring
 * lacks is key_unknown), read again for every sealing, since a rekey may
 * have replaced it meanwhile.
 */
#ifndef MFA_KEYFILE_H
#define MFA_KEYFILE_H

#include "keyring.h"
#include "mfa.h"
#include "token.h"

/*
 * Read the key file at path into kr: MFA_EKEYMISSING if there is none,
 * MFA_EKEYUNREADABLE if it is there but can't be used (owner, mode,
 * links, size, checksum, version, I/O), MFA_ENOMEM.
 */
enum mfa_err keyfile_load(const char *path, struct mfa_keyring *kr);
/*
 * Write kr to the key file at path, in a directory that passes
 * safe_opendir: replacing it atomically, or (exclusive) only if there is
 * none (MFA_EEXIST if there is).
 */
enum mfa_err keyfile_save(const char *path, const struct mfa_keyring *kr,
    int exclusive);
/*
 * The CLI's first use: a key file with one fresh key at path, if there is
 * none.  Never while the store holds a token or a pending token: they
 * were sealed with the missing key, which a new one can't replace
 * (MFA_EKEYMISSING: restore it), and tokens made under a new key would be
 * lost when it is restored.  any_sealed(arg) is the backend's answer:
 * MFA_EEXIST if the store holds one, MFA_OK if it holds none, any other
 * error if it can't tell -- returned as it is, and no key file is made.
 * A key file that is there but unusable: MFA_EKEYUNREADABLE.  Two first
 * enrollments at once make one key file, the first one.
 */
enum mfa_err keyfile_create(const char *path,
    enum mfa_err (*any_sealed)(const void *), const void *arg);

/* A backend's copy of the key file: path, and the ring once read. */
struct keyfile {
	char *path;
	char *near;		/* safefile.h's near for the first read */
	int loaded;
	struct mfa_keyring keys;
};

/* Set kf up for path (copied; MFA_ENOMEM), nothing read yet. */
enum mfa_err keyfile_init(struct keyfile *kf, const char *path);
/* The file the caller opened just before kf's first read (copied;
 * MFA_ENOMEM): safe_open_near's near, for that read only. */
enum mfa_err keyfile_near(struct keyfile *kf, const char *near);
/* Wipe the ring and free the path. */
void keyfile_free(struct keyfile *kf);
/* The ring, read from the key file if not read yet. */
enum mfa_err keyfile_get(struct keyfile *kf);
/* The ring, read from the key file again (a write or a rekey must see
 * the current one). */
enum mfa_err keyfile_reload(struct keyfile *kf);
/*
 * Open tok, read sealed, with the ring (read once): MFA_EKEYUNKNOWN if
 * the ring lacks the key id tok names; tok is wiped on any failure.
 */
enum mfa_err keyfile_unseal(struct keyfile *kf, const char *user,
    struct mfa_token *tok);
/*
 * Seal tok (secret in clear) under the active key of the key file, read
 * again, and encode it as the stores keep it (token.h).
 */
enum mfa_err keyfile_seal(struct keyfile *kf, const char *user,
    const struct mfa_token *tok, unsigned char buf[TOKEN_FILE_SIZE]);

#endif
