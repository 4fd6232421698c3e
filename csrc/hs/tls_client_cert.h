/* The client's answer to a CertificateRequest (both versions): what the
 * server asked for, kept from its CertificateRequest until our flight, and
 * the choice of the certificate/key pair we send (c->own) with the scheme
 * of our CertificateVerify (c->client_sigscheme). */
#ifndef TLS_CLIENT_CERT_H
#define TLS_CLIENT_CERT_H

#include "engine/tls_conn_int.h"

/* Names beyond this many are checked for form but not decoded or kept:
 * real servers send a few (a large enterprise list, a hundred or two),
 * and each decoded name costs memory a server chooses. */
#define TLS_MAX_CA_NAMES 256

/* The server's request. TLS 1.3 rfc8446#4.3.2, TLS 1.2 rfc5246#7.4.4. */
struct tls_cert_req {
    uint16_t sigalgs[TLS_MAX_PEER_LIST]; /* those we know a name for, its order, no duplicates */
    size_t n_sigalgs;
    uint16_t cert_sigalgs[TLS_MAX_PEER_LIST]; /* TLS 1.3 signature_algorithms_cert */
    size_t n_cert_sigalgs;
    int has_cert_sigalgs;                /* else sigalgs apply to chains too */
    int rsa_sign, ecdsa_sign;            /* TLS 1.2 certificate_types; 1 in TLS 1.3 */
    STACK_OF(X509_NAME) *ca_names;       /* NULL when the server named none */
    size_t n_ca_names;                   /* how many it sent (more may have been
                                            sent than are kept) */
};

/* Starts c->cert_req (a second CertificateRequest replaces nothing: the
 * state machines accept one only). */
int tls_cert_req_new(tls_conn *c);
/* The server's signature schemes: the content of a
 * SignatureScheme list<2..2^16-2> (the reader is the list itself). */
int tls_cert_req_sigalgs(tls_conn *c, tls_reader *list, const char *where);
/* rfc8446#4.2.3 signature_algorithms_cert: what the server accepts in our
 * chain (the reader is the list itself). */
int tls_cert_req_cert_sigalgs(tls_conn *c, tls_reader *list, const char *where);
/* The CA names: a list of DistinguishedName<1..2^16-1> (the reader is the
 * list's content), each decoded with d2i_X509_NAME. */
int tls_cert_req_ca_names(tls_conn *c, tls_reader *list, const char *where);
/* Traces "receive CertificateRequest". */
int tls_cert_req_trace(tls_conn *c);
/* Chooses what we send: the client_certificate hook when there is one,
 * else the first pair that fits the server's algorithms (and certificate
 * types) and, when it named any, its CA names; among those, first one whose
 * chain is signed with schemes the server accepts in certificates. Sets c->own (NULL: none)
 * and c->client_sigscheme, then frees c->cert_req. */
int tls_client_cert_choose(tls_conn *c);
void tls_cert_req_free(tls_conn *c);

#endif
