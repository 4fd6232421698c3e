/* Parsed peer certificates, reused across handshakes of one configuration.
 * A client that reconnects to the same server gets the same certificate
 * bytes; reusing the parsed object saves a DER decode and public-key
 * decoder setup. Only parsing is cached: every chain is still verified. */
#include <stdlib.h>
#include <string.h>

#include "pki/tls_config.h"

X509 *tls_cert_cache_get(tls_config *c, const uint8_t *der, size_t len)
{
    for (size_t i = 0; i < TLS_CERT_CACHE_SLOTS; i++) {
        tls_cert_cache_entry *e = &c->cert_cache[i];
        if (e->cert != NULL && e->len == len && memcmp(e->der, der, len) == 0) {
            X509_up_ref(e->cert);
            return e->cert;
        }
    }
    const unsigned char *p = der;
    X509 *cert = d2i_X509(NULL, &p, (long)len);
    if (cert == NULL || p != der + len) {
        X509_free(cert);
        return NULL;
    }
    if (len > TLS_CERT_CACHE_MAX_DER)
        return cert;
    uint8_t *copy = malloc(len);
    if (copy == NULL)
        return cert; /* not caching is fine */
    memcpy(copy, der, len);
    tls_cert_cache_entry *e = &c->cert_cache[c->cert_cache_next];
    c->cert_cache_next = (c->cert_cache_next + 1) % TLS_CERT_CACHE_SLOTS;
    free(e->der);
    X509_free(e->cert);
    X509_up_ref(cert);
    e->der = copy;
    e->len = len;
    e->cert = cert;
    return cert;
}

void tls_cert_cache_clear(tls_config *c)
{
    for (size_t i = 0; i < TLS_CERT_CACHE_SLOTS; i++) {
        free(c->cert_cache[i].der);
        X509_free(c->cert_cache[i].cert);
        memset(&c->cert_cache[i], 0, sizeof c->cert_cache[i]);
    }
}
