/*
 * kube-config-tls.c: the TLS material of a kubeconfig, the base64 of its
 * *-data fields decoded, and kube_config_load, which decodes them as it
 * reads.  Only programs that link the cluster client link this file (and
 * the resolver library for b64_pton); the queue front reads kubeconfigs
 * with kube_config_load_context, which leaves the fields encoded.
 */
#include "kube-int.h"

#include <limits.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Decodes base64, as kubeconfig *-data fields need, with the resolver
 * library's b64_pton (glibc's, no code of ours).  Whitespace is skipped;
 * anything else outside the alphabet fails.
 */
int
kube_base64_decode(const char *s, size_t len, struct kube_blob *out)
{
	char *src;
	unsigned char *buf;
	int n;

	memset(out, 0, sizeof *out);
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

/*
 * Decodes one *-data field that kube_config_read left as its text; the
 * error names where it was written, never the data.  A field that fails
 * stays encoded, so asking again fails again rather than going on
 * without the certificate.
 */
static int
kc_decode_field(struct kube_blob *b, const char *file, const char *where,
    const char *key, char **cause)
{
	struct kube_blob out;

	if (!b->encoded)
		return 0;
	if (kube_base64_decode((const char *)b->data, b->len, &out) != 0 ||
	    out.len == 0) {
		kube_blob_free(&out);
		if (b->line > 0)
			*cause = xprintf("%s:%d:%d: %s.%s: not valid base64",
			    file, b->line, b->col, where, key);
		else
			*cause = xprintf("%s: %s.%s: not valid base64", file,
			    where, key);
		return -1;
	}
	kube_blob_free(b);
	*b = out;
	return 0;
}

/* See kube-int.h: every stanza, as client-go rejects a file with any bad
 * *-data field, not only the selected context's. */
int
kube_config_decode(struct kube_config *cfg, char **cause)
{
	struct kube_cluster *c;
	struct kube_user *u;
	char where[300];
	size_t i;

	for (i = 0; i < cfg->nclusters; i++) {
		c = &cfg->clusters[i];
		snprintf(where, sizeof where, "clusters[name=%s].cluster",
		    c->name);
		if (kc_decode_field(&c->ca_data, c->file, where,
		    "certificate-authority-data", cause) != 0)
			return -1;
	}
	for (i = 0; i < cfg->nusers; i++) {
		u = &cfg->users[i];
		snprintf(where, sizeof where, "users[name=%s].user", u->name);
		if (kc_decode_field(&u->cert_data, u->file, where,
		    "client-certificate-data", cause) != 0 ||
		    kc_decode_field(&u->key_data, u->file, where,
		    "client-key-data", cause) != 0)
			return -1;
	}
	return 0;
}

/* The whole kubeconfig, its *-data fields decoded as each file is read,
 * so that a malformed one fails the load itself (client-go's behaviour). */
int
kube_config_load(const struct kube_config_opts *opts,
    struct kube_config **out, char **cause)
{
	return kube_config_load_with(opts, kube_config_decode, out, cause);
}
