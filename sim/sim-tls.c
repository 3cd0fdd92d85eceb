/*
 * HTTPS for the API server: OpenSSL bufferevents under evhttp, and the
 * identity a verified client certificate carries (CN = user, O = groups).
 */
#include "sim-int.h"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>

#include "common.h"

/* The last OpenSSL error as text, for a cause. */
static char *
sim_tls_error(const char *what, const char *file)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
	return xprintf("%s '%s': %s", what, file, buf);
}

/* Loads the certificate, key and optional client CA into one context. */
int
sim_tls_init(struct sim *sim, char **cause)
{
	SSL_CTX *ctx;

	if (sim->opt.tls_key == NULL) {
		*cause = xstrdup("--tls-cert needs --tls-key");
		return -1;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		*cause = xstrdup("cannot create a TLS context");
		return -1;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, sim->opt.tls_cert) != 1) {
		*cause = sim_tls_error("cannot load certificate",
		    sim->opt.tls_cert);
		SSL_CTX_free(ctx);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, sim->opt.tls_key,
	    SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		*cause = sim_tls_error("cannot load key", sim->opt.tls_key);
		SSL_CTX_free(ctx);
		return -1;
	}
	if (sim->opt.client_ca != NULL) {
		STACK_OF(X509_NAME) *names;

		if (SSL_CTX_load_verify_locations(ctx, sim->opt.client_ca,
		    NULL) != 1) {
			*cause = sim_tls_error("cannot load client CA",
			    sim->opt.client_ca);
			SSL_CTX_free(ctx);
			return -1;
		}
		names = SSL_load_client_CA_file(sim->opt.client_ca);
		if (names != NULL)
			SSL_CTX_set_client_CA_list(ctx, names);
		/* Ask for a certificate; token clients may still come without. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	}
	sim->ssl = ctx;
	return 0;
}

/* Wraps each accepted connection in a TLS bufferevent. */
static struct bufferevent *
sim_tls_bevcb(struct event_base *base, void *arg)
{
	struct sim *sim = arg;

	return bufferevent_openssl_socket_new(base, -1, SSL_new(sim->ssl),
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

/* Makes the server's connections TLS. */
void
sim_tls_setup_http(struct sim *sim)
{
	evhttp_set_bevcb(sim->http, sim_tls_bevcb, sim);
}

/* The user of a verified client certificate, with its O as groups. */
char *
sim_tls_peer(struct evhttp_request *req, json_t **groups)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	X509_NAME *subj;
	X509 *cert;
	SSL *ssl;
	char *user = NULL;
	int i;

	*groups = NULL;
	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
		return NULL;
	cert = SSL_get1_peer_certificate(ssl);
	if (cert == NULL)
		return NULL;
	if (SSL_get_verify_result(ssl) != X509_V_OK) {
		X509_free(cert);
		return NULL;
	}
	subj = X509_get_subject_name(cert);
	*groups = json_array();
	for (i = 0; i < X509_NAME_entry_count(subj); i++) {
		X509_NAME_ENTRY *e = X509_NAME_get_entry(subj, i);
		int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		unsigned char *s = NULL;

		if (nid != NID_commonName && nid != NID_organizationName)
			continue;
		if (ASN1_STRING_to_UTF8(&s, X509_NAME_ENTRY_get_data(e)) < 0)
			continue;
		if (nid == NID_commonName && user == NULL)
			user = xstrdup((char *)s);
		else if (nid == NID_organizationName)
			json_array_append_new(*groups, json_string((char *)s));
		OPENSSL_free(s);
	}
	X509_free(cert);
	if (user == NULL) {
		json_decref(*groups);
		*groups = NULL;
	}
	return user;
}
