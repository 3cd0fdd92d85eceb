/*
 * kube-config-tls.c: the secret and TLS material of a kubeconfig: bytes
 * wiped when freed (CA, client certificates and keys, tokens), the base64
 * of *-data fields and the bounded reads of the files named instead.
 */
#include "kube-int.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>
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
	b->data = NULL;
	b->len = 0;
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
	dst->data = NULL;
	dst->len = 0;
	if (src->data == NULL)
		return;
	dst->data = xmalloc(src->len + 1);
	memcpy(dst->data, src->data, src->len);
	dst->data[src->len] = '\0';
	dst->len = src->len;
}

/*
 * Decodes base64, as kubeconfig *-data fields need, with the resolver
 * library's b64_pton: libcrypto would cost the queue front, which reads
 * kubeconfigs for their namespace, milliseconds of loading on every run.
 * Whitespace is skipped; anything else outside the alphabet fails.
 */
int
kube_base64_decode(const char *s, size_t len, struct kube_blob *out)
{
	char *src;
	unsigned char *buf;
	int n;

	out->data = NULL;
	out->len = 0;
	if (len > INT_MAX / 2)
		return -1;
	/* b64_pton reads a C string; the input may be a slice. */
	src = xmalloc(len + 1);
	memcpy(src, s, len);
	src[len] = '\0';
	buf = xmalloc(len + 4);
	n = b64_pton(src, buf, len + 3);
	free(src);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	out->data = buf;
	out->len = (size_t)n;
	return 0;
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

	if ((s = kube_read_file(path, KUBE_MAX_FILE, &len)) == NULL)
		return -1;
	out->data = (unsigned char *)s;
	out->len = len;
	return 0;
}
