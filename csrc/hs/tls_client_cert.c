/* The client's side of certificate authentication: the server's
 * CertificateRequest kept until our flight, and the choice of what we
 * answer it with. Both versions; the messages themselves are parsed and
 * sent by tls13_client.c and tls12_client.c. */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include "hs/tls_client_cert.h"
#include "util/tls_names.h"
#include "pki/tls_x509.h"

int tls_cert_req_new(tls_conn *c)
{
    tls_cert_req_free(c);
    c->cert_req = OPENSSL_zalloc(sizeof *c->cert_req);
    if (c->cert_req == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
    /* TLS 1.3 has no certificate types: any key kind may answer. */
    c->cert_req->rsa_sign = c->cert_req->ecdsa_sign = 1;
    return 0;
}

void tls_cert_req_free(tls_conn *c)
{
    if (c->cert_req == NULL)
        return;
    sk_X509_NAME_pop_free(c->cert_req->ca_names, X509_NAME_free);
    OPENSSL_free(c->cert_req);
    c->cert_req = NULL;
}

static int read_schemes(tls_conn *c, tls_reader *list, uint16_t *ids, size_t *n, const char *where,
                        const char *what)
{
    /* rfc8446#4.2.3, rfc5246#7.4.4: supported_signature_algorithms<2..2^16-2>. */
    if (!tls_rd_ok(list) || tls_rd_left(list) < 2 || tls_rd_left(list) % 2 != 0)
        return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s %s is malformed", where, what);
    while (tls_rd_left(list) > 0) {
        uint16_t id = tls_rd_u16(list);
        /* Schemes we have no name for cannot be ours to sign with; the
         * rest are few, so the kept list never fills before them. */
        if (tls_sigscheme_name(id) == NULL || *n == TLS_MAX_PEER_LIST)
            continue;
        size_t i = 0;
        while (i < *n && ids[i] != id)
            i++;
        if (i == *n)
            ids[(*n)++] = id;
    }
    return 0;
}

int tls_cert_req_sigalgs(tls_conn *c, tls_reader *list, const char *where)
{
    struct tls_cert_req *req = c->cert_req;
    return read_schemes(c, list, req->sigalgs, &req->n_sigalgs, where, "signature_algorithms");
}

int tls_cert_req_cert_sigalgs(tls_conn *c, tls_reader *list, const char *where)
{
    struct tls_cert_req *req = c->cert_req;
    req->has_cert_sigalgs = 1;
    return read_schemes(c, list, req->cert_sigalgs, &req->n_cert_sigalgs, where, "signature_algorithms_cert");
}

int tls_cert_req_ca_names(tls_conn *c, tls_reader *list, const char *where)
{
    struct tls_cert_req *req = c->cert_req;
    while (tls_rd_left(list) > 0) {
        /* opaque DistinguishedName<1..2^16-1>, the DER of an X.501 Name. */
        tls_reader dn = tls_rd_vec(list, 2);
        if (!tls_rd_ok(list) || dn.len == 0)
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s: the list of CA names is malformed", where);
        req->n_ca_names++;
        if (req->n_ca_names > TLS_MAX_CA_NAMES)
            continue;
        const unsigned char *p = dn.p;
        X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)dn.len);
        if (name == NULL || p != dn.p + dn.len) {
            X509_NAME_free(name);
            ERR_clear_error();
            return tls_fail(&c->err, TLS_ALERT_DECODE_ERROR, "%s: CA name %zu is not a DER distinguished name",
                            where, req->n_ca_names);
        }
        if ((req->ca_names == NULL && (req->ca_names = sk_X509_NAME_new_null()) == NULL) ||
            !sk_X509_NAME_push(req->ca_names, name)) {
            X509_NAME_free(name);
            return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "out of memory");
        }
    }
    return 0;
}

int tls_cert_req_trace(tls_conn *c)
{
    const struct tls_cert_req *req = c->cert_req;
    if (!tls_tracing(c))
        return 0;
    tls_trace_builder tb;
    tls_trace_begin(&tb, "receive", "CertificateRequest");
    tls_trace_add_list(&tb, "sigalgs", req->sigalgs, req->n_sigalgs, tls_sigscheme_name);
    if (req->has_cert_sigalgs)
        tls_trace_add_list(&tb, "sigalgs_cert", req->cert_sigalgs, req->n_cert_sigalgs, tls_sigscheme_name);
    if (c->version == TLS_VERSION_12)
        tls_trace_add(&tb, "certificate_types", "%s%s%s", req->rsa_sign ? "rsa_sign" : "",
                      req->rsa_sign && req->ecdsa_sign ? ", " : "", req->ecdsa_sign ? "ecdsa_sign" : "");
    tls_trace_add(&tb, "ca_names", "%zu", req->n_ca_names);
    /* The first few, enough to recognise the server's CA in a trace. */
    int shown = req->ca_names ? sk_X509_NAME_num(req->ca_names) : 0;
    if (shown > 4)
        shown = 4;
    for (int i = 0; i < shown; i++) {
        char text[256];
        tls_x509_name_text(sk_X509_NAME_value(req->ca_names, i), text, sizeof text);
        tls_trace_add(&tb, "ca_name", "%s", text);
    }
    tls_trace_add(&tb, "note", "%s", c->cfg->n_ids ? "the server asks for a client certificate; we answer "
                                                     "with one of ours that fits, or none"
                                                   : "the server asks for a client certificate; we have "
                                                     "none to send");
    return tls_trace_emit(c, &tb);
}

/* rfc5246#7.4.4: the key must be of a kind certificate_types lists
 * (rsa_sign for RSA; ecdsa_sign for ECDSA and, rfc8422#5.5, EdDSA). */
static int type_fits(const struct tls_cert_req *req, EVP_PKEY *key)
{
    if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS"))
        return req->rsa_sign;
    return req->ecdsa_sign;
}

/* The scheme our CertificateVerify would use with this pair: our first
 * preference that the server listed and the key can make (rfc8446#4.4.3,
 * rfc5246#7.4.8); 0 if none. */
static uint16_t scheme_for(const tls_conn *c, const tls_identity *id)
{
    const struct tls_cert_req *req = c->cert_req;
    if (c->version == TLS_VERSION_12)
        return type_fits(req, id->key)
                   ? tls12_sig_choose(id->key, c->pol.sigalgs, c->pol.n_sigalgs, req->sigalgs, req->n_sigalgs)
                   : 0;
    return tls_sig_choose(id->key, c->pol.sigalgs, c->pol.n_sigalgs, req->sigalgs, req->n_sigalgs);
}

/* rfc8446#4.2.4, rfc5246#7.4.4: the server names the CAs it accepts; the
 * chain fits when one of its certificates was issued by one of them (the
 * leaf's issuer, an intermediate's, or the root's name on the last one). */
static int chain_named(const struct tls_cert_req *req, STACK_OF(X509) *chain)
{
    if (req->ca_names == NULL)
        return 1;
    int n_names = sk_X509_NAME_num(req->ca_names);
    for (int i = 0; i < sk_X509_num(chain); i++) {
        const X509_NAME *issuer = X509_get_issuer_name(sk_X509_value(chain, i));
        for (int j = 0; j < n_names; j++)
            if (X509_NAME_cmp(issuer, sk_X509_NAME_value(req->ca_names, j)) == 0)
                return 1;
    }
    /* Names past those we kept might have matched: the server decides. */
    return req->n_ca_names > TLS_MAX_CA_NAMES;
}

static int send_pair(tls_conn *c, size_t i, uint16_t scheme)
{
    c->own = &c->cfg->ids[i];
    c->client_sigscheme = scheme;
    return 0;
}

static int ask_hook(tls_conn *c)
{
    const struct tls_cert_req *req = c->cert_req;
    const tls_config *cfg = c->cfg;
    tls_cert_request r = { req->sigalgs, req->n_sigalgs, req->ca_names, c->version };
    char why[TLS_REASON_MAX];
    why[0] = '\0';
    c->in_callback++;
    int i = c->hooks->client_certificate(c->hooks_ud, &r, why, sizeof why);
    c->in_callback--;
    if (i == -1)
        return 0;
    if (i < 0)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "%s",
                        why[0] ? why : "client_certificate: the application refused to answer");
    if ((size_t)i >= cfg->n_ids)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR,
                        "client_certificate chose certificate %d, but the context holds %zu", i + 1, cfg->n_ids);
    uint16_t scheme = scheme_for(c, &cfg->ids[i]);
    /* What the application chose must still be something we can prove. */
    if (scheme == 0) {
        char subject[256];
        tls_x509_name_text(X509_get_subject_name(sk_X509_value(cfg->ids[i].chain, 0)), subject, sizeof subject);
        return tls_fail(&c->err, TLS_ALERT_HANDSHAKE_FAILURE,
                        "client_certificate chose certificate %d (%s), whose %s key cannot sign with any "
                        "signature algorithm the server accepts", i + 1, subject,
                        EVP_PKEY_get0_type_name(cfg->ids[i].key));
    }
    return send_pair(c, (size_t)i, scheme);
}

/* The first pair, in the order of the context, whose key can answer and
 * whose chain the server's CA names accept. A pair the algorithms fit but
 * the CA names do not is not sent: the server has said it would refuse it,
 * and sending it anyway would only show our identity to a server that
 * cannot use it (in TLS 1.2 to anyone on the path too, as the Certificate
 * goes in the clear). The server then decides on an empty Certificate. */
static int choose_default(tls_conn *c)
{
    const struct tls_cert_req *req = c->cert_req;
    /* rfc8446#4.2.3: without signature_algorithms_cert, signature_algorithms
     * "also applies to signatures appearing in certificates"; rfc5246#7.4.4:
     * "any certificates provided by the client MUST be signed using a
     * hash/signature algorithm pair found in supported_signature_algorithms".
     * A pair whose chain fits comes first; a pair whose chain may not is
     * still sent when none does (the server decides, as OpenSSL does). */
    const uint16_t *algs = req->has_cert_sigalgs ? req->cert_sigalgs : req->sigalgs;
    size_t n_algs = req->has_cert_sigalgs ? req->n_cert_sigalgs : req->n_sigalgs;
    for (int prefer = c->cfg->n_ids > 1; prefer >= 0; prefer--)
        for (size_t i = 0; i < c->cfg->n_ids; i++) {
            const tls_identity *id = &c->cfg->ids[i];
            uint16_t scheme = scheme_for(c, id);
            if (scheme != 0 && chain_named(req, id->chain) &&
                (!prefer || tls_chain_fits_sigalgs_cert(id->chain, algs, n_algs)))
                return send_pair(c, i, scheme);
        }
    return 0;
}

int tls_client_cert_choose(tls_conn *c)
{
    c->own = NULL;
    c->client_sigscheme = 0;
    if (c->cert_req == NULL)
        return tls_fail(&c->err, TLS_ALERT_INTERNAL_ERROR, "no CertificateRequest to answer");
    int rc = c->hooks && c->hooks->client_certificate ? ask_hook(c) : choose_default(c);
    tls_cert_req_free(c);
    return rc;
}
