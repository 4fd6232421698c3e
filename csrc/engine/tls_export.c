/* The keying-material exporter of a connection: what it keeps of the
 * handshake for it, and when it may be used. The derivations are in
 * crypto/tls_exporter.c. */
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>

#include "crypto/tls_exporter.h"
#include "engine/tls_conn_int.h"

void tls_export_keep(tls_conn *c)
{
    if (c->t12 == NULL || c->export12 != NULL)
        return;
    /* rfc7627#5.4: without the extended master secret the parties "MUST
     * NOT export any key material based on the new master secret ... In
     * particular, it MUST disable [RFC5705]" (and #5.3 for resumption). */
    if (!c->t12->ems)
        return;
    /* Out of memory here leaves the exporter unavailable (it says so),
     * never the connection broken. */
    c->export12 = OPENSSL_malloc(sizeof *c->export12);
    if (c->export12 == NULL)
        return;
    memcpy(c->export12->master, c->t12->master, sizeof c->export12->master);
    memcpy(c->export12->server_random, c->t12->server_random, sizeof c->export12->server_random);
}

void tls_export_forget(tls_conn *c)
{
    OPENSSL_clear_free(c->export12, sizeof *c->export12);
    c->export12 = NULL;
}

static int refuse(char *why, size_t why_size, const char *msg)
{
    snprintf(why, why_size, "%s", msg);
    return -1;
}

int tls_conn_export(const tls_conn *c, const char *label, size_t label_len, const uint8_t *context,
                    size_t context_len, int has_context, uint8_t *out, size_t out_len, char *why,
                    size_t why_size)
{
    if (c->status & TLS_STATUS_FAILED)
        return refuse(why, why_size, c->err.set && c->err.reason[0] ? c->err.reason : "connection failed");
    if (c->secrets_forgotten)
        return refuse(why, why_size, "closed");
    if (!(c->status & TLS_STATUS_HANDSHAKE_DONE))
        return refuse(why, why_size, "cannot export keying material before the handshake is complete");
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_export_check(label, label_len, context_len, out_len, &err) != 0)
        return refuse(why, why_size, err.reason);
    int rc;
    if (c->version == TLS_VERSION_13) {
        rc = tls13_export(c->suite->md, c->keys.exporter, label, context, context_len, out, out_len,
                          &err);
    } else if (c->export12 != NULL) {
        rc = tls12_export(c->suite->md, c->export12->master, c->client_random,
                          c->export12->server_random, label, context, context_len, has_context, out,
                          out_len, &err);
    } else if (!c->extended_master_secret) {
        rc = tls_fail(&err, -1, "no keying material to export: this TLS 1.2 connection has no extended "
                                "master secret (RFC 7627 5.4: a peer in the middle could share it)");
    } else {
        rc = tls_fail(&err, -1, "no exporter secret for this connection");
    }
    return rc == 0 ? 0 : refuse(why, why_size, err.reason);
}
