/*
 * keyfile.c - the key file on disk, for every store backend; see
 * keyfile.h.  Opened and written only through safefile.h.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "keyfile.h"
#include "safefile.h"

/* Open the directory holding path's last component; *base points to it. */
static int
parent_open(const char *path, const char **base, enum mfa_err *rc)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');

	*rc = MFA_ECONFIG;
	if (slash == NULL || slash[1] == '\0' ||
	    (size_t)(slash - path) >= sizeof(parent))
		return -1;
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = '\0';
	*base = slash + 1;
	return safe_opendir(parent[0] != '\0' ? parent : "/", 0, rc);
}

/*
 * Why the key file can't be used, as the edges report it: missing, or
 * there but unusable (owner, mode, links, size, checksum, version, I/O).
 */
static enum mfa_err
key_err(enum mfa_err rc)
{
	if (rc == MFA_OK || rc == MFA_ENOMEM)
		return rc;
	return rc == MFA_ENOTENROLLED ? MFA_EKEYMISSING : MFA_EKEYUNREADABLE;
}

/* keyfile_load, the directories near's walk checked not checked again. */
static enum mfa_err
load_near(const char *path, const char *near, struct mfa_keyring *kr)
{
	unsigned char buf[KEYRING_FILE_SIZE];
	struct stat st;
	enum mfa_err rc;
	int fd;

	if ((fd = safe_open_near(path, SAFE_PRIVATE, near, &st, &rc)) < 0)
		return key_err(rc);
	if (st.st_size != KEYRING_FILE_SIZE)
		rc = MFA_ECORRUPT;
	else if ((rc = safe_pread(fd, buf, sizeof(buf), 0)) == MFA_OK)
		rc = keyring_decode(buf, kr);
	crypto_wipe(buf, sizeof(buf));
	close(fd);
	return key_err(rc);
}

enum mfa_err
keyfile_load(const char *path, struct mfa_keyring *kr)
{
	return load_near(path, NULL, kr);
}

enum mfa_err
keyfile_save(const char *path, const struct mfa_keyring *kr, int exclusive)
{
	unsigned char buf[KEYRING_FILE_SIZE];
	const char *base;
	enum mfa_err rc;
	int dfd;

	if ((dfd = parent_open(path, &base, &rc)) < 0)
		return rc;
	if ((rc = keyring_encode(kr, buf)) == MFA_OK)
		rc = exclusive ? safe_publish(dfd, base, buf, sizeof(buf)) :
		    safe_replace(dfd, base, buf, sizeof(buf));
	crypto_wipe(buf, sizeof(buf));
	close(dfd);
	return rc;
}

enum mfa_err
keyfile_create(const char *path,
    enum mfa_err (*any_sealed)(const void *), const void *arg)
{
	struct mfa_keyring kr;
	struct stat st;
	enum mfa_err rc;
	int fd;

	if ((fd = safe_open(path, SAFE_PRIVATE, &st, &rc)) >= 0) {
		close(fd);
		return MFA_OK;
	}
	if (rc != MFA_ENOTENROLLED)
		return key_err(rc);
	if ((rc = any_sealed(arg)) != MFA_OK)
		return rc == MFA_EEXIST ? MFA_EKEYMISSING : rc;
	memset(&kr, 0, sizeof(kr));
	/* Two first enrollments at once: one key file, the first one. */
	if ((rc = keyring_add(&kr)) == MFA_OK &&
	    (rc = keyfile_save(path, &kr, 1)) == MFA_EEXIST)
		rc = MFA_OK;
	keyring_wipe(&kr);
	return rc;
}

enum mfa_err
keyfile_init(struct keyfile *kf, const char *path)
{
	memset(kf, 0, sizeof(*kf));
	if ((kf->path = strdup(path)) == NULL)
		return MFA_ENOMEM;
	return MFA_OK;
}

enum mfa_err
keyfile_near(struct keyfile *kf, const char *near)
{
	free(kf->near);
	kf->near = NULL;
	if (near != NULL && (kf->near = strdup(near)) == NULL)
		return MFA_ENOMEM;
	return MFA_OK;
}

void
keyfile_free(struct keyfile *kf)
{
	keyring_wipe(&kf->keys);
	kf->loaded = 0;
	free(kf->path);
	kf->path = NULL;
	free(kf->near);
	kf->near = NULL;
}

enum mfa_err
keyfile_get(struct keyfile *kf)
{
	enum mfa_err rc;

	if (kf->loaded)
		return MFA_OK;
	if ((rc = load_near(kf->path, kf->near, &kf->keys)) == MFA_OK)
		kf->loaded = 1;
	return rc;
}

enum mfa_err
keyfile_reload(struct keyfile *kf)
{
	enum mfa_err rc;

	/* A write's reading walks the whole path: it may come long after
	 * near was opened (a CLI waits at prompts). */
	keyring_wipe(&kf->keys);
	kf->loaded = 0;
	if ((rc = keyfile_load(kf->path, &kf->keys)) == MFA_OK)
		kf->loaded = 1;
	return rc;
}

enum mfa_err
keyfile_unseal(struct keyfile *kf, const char *user, struct mfa_token *tok)
{
	enum mfa_err rc;

	if ((rc = keyfile_get(kf)) == MFA_OK)
		rc = keyring_find(&kf->keys, tok->key_id) == NULL ?
		    MFA_EKEYUNKNOWN : token_unseal(tok, user, &kf->keys);
	if (rc != MFA_OK)
		token_wipe(tok);
	return rc;
}

enum mfa_err
keyfile_seal(struct keyfile *kf, const char *user,
    const struct mfa_token *tok, unsigned char buf[TOKEN_FILE_SIZE])
{
	struct mfa_token sealed;
	enum mfa_err rc;

	if ((rc = keyfile_reload(kf)) != MFA_OK)
		return rc;
	sealed = *tok;
	if ((rc = token_seal(&sealed, user, &kf->keys)) == MFA_OK)
		rc = token_encode(&sealed, buf);
	token_wipe(&sealed);
	return rc;
}
