/*
 * kube-config-secret.c: the bytes of a kubeconfig that may be secret,
 * wiped when freed (CA, client certificates and keys, tokens), and the
 * bounded reads of the files that hold them.  The queue front links this
 * (it reads kubeconfigs for their namespace); the decoding of *-data
 * fields is kube-config-tls.c's, which only the cluster client links.
 */
#include "kube-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Frees bytes that may be secret after wiping them. */
void
kube_blob_free(struct kube_blob *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	memset(b, 0, sizeof *b);
}

/* Frees a string that may be secret after wiping it. */
void
kube_secret_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Releases the credentials handed out for one request. */
void
kube_creds_release(struct kube_creds *c)
{
	kube_secret_free(c->token);
	kube_blob_free(&c->cert);
	kube_blob_free(&c->key);
	memset(c, 0, sizeof *c);
}

/* Copies a blob, so a request's credentials outlive cache refreshes. */
void
kube_blob_copy(struct kube_blob *dst, const struct kube_blob *src)
{
	memset(dst, 0, sizeof *dst);
	if (src->data == NULL)
		return;
	dst->data = xmalloc(src->len + 1);
	memcpy(dst->data, src->data, src->len);
	dst->data[src->len] = '\0';
	dst->len = src->len;
}

/* Reads a whole small file; NULL with errno set on failure. */
char *
kube_read_file(const char *path, size_t max, size_t *lenp)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			buf = xreallocarray(buf, 1, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (len > max) {
			fclose(f);
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* Reads a file into a blob for CA and client certificate files. */
int
kube_read_blob(const char *path, struct kube_blob *out)
{
	size_t len;
	char *s;

	memset(out, 0, sizeof *out);
	if ((s = kube_read_file(path, KUBE_MAX_FILE, &len)) == NULL)
		return -1;
	out->data = (unsigned char *)s;
	out->len = len;
	return 0;
}
