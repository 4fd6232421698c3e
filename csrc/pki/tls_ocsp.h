/* OCSP responses (rfc6960) as stapled in TLS (rfc6066#8, rfc8446#4.4.2.1):
 * a server checks the response it will staple once, when it is loaded; a
 * client judges the one it receives against the peer's chain and its trust
 * store. Only libcrypto's OCSP_* functions read the DER. */
#ifndef TLS_OCSP_H
#define TLS_OCSP_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>

#include "pki/tls_config.h"
#include "util/tls_err.h"

/* The largest response we staple or accept: what fits a TLS 1.3
 * status_request extension (extension_data<0..2^16-1> holding status_type
 * and a 3-byte length). */
#define TLS_OCSP_MAX_RESPONSE (65535 - 4)

/* A client's verdict on the stapled response. */
typedef enum tls_ocsp_status {
    TLS_OCSP_STATUS_NONE,     /* the server stapled nothing */
    TLS_OCSP_STATUS_GOOD,
    TLS_OCSP_STATUS_REVOKED,
    TLS_OCSP_STATUS_UNKNOWN,  /* the responder does not know the certificate */
    TLS_OCSP_STATUS_BAD,      /* unusable: malformed, not signed by the issuer or
                                 its responder, not about this certificate, or
                                 outside its validity window */
} tls_ocsp_status;

typedef struct tls_ocsp_result {
    tls_ocsp_status status;
    int64_t this_update;      /* Unix times; 0 when unknown */
    int64_t next_update;      /* 0 when absent (or unknown) */
    int64_t revocation_time;  /* revoked only */
    char reason[200];         /* revoked: the CRL reason ("keyCompromise");
                                 bad: what is wrong with the response */
} tls_ocsp_result;

/* "none", "good", "revoked", "unknown", "bad". */
const char *tls_ocsp_status_name(tls_ocsp_status s);

/* For a server: der must be exactly one OCSPResponse whose responseStatus
 * is successful and which carries a basic response, and at most
 * TLS_OCSP_MAX_RESPONSE bytes. Returns 0, or -1 with what is wrong in why. */
int tls_ocsp_response_problem(const uint8_t *der, size_t len, char *why, size_t why_size);

/* Server, before stapling der (checked by tls_ocsp_response_problem):
 * whether it holds a current single response for chain's leaf (our own
 * chain, leaf first). The CertID is recomputed with the issuer found in
 * chain or store (one whose key verifies the leaf's signature): 1 when it
 * matches; without the issuer (its key is in the CertID), only the serial
 * and the issuer's name hash are compared: 2 when they match. 0 (why says
 * so) when no single response names the leaf, or when the one that does
 * is past its nextUpdate (or not yet valid) as tls_ocsp_check judges it. */
int tls_ocsp_response_names(X509_STORE *store, STACK_OF(X509) *chain, const uint8_t *der, size_t len, char *why,
                            size_t why_size);

/* Server: the response stapled when a client asks (for the first
 * certificate/key pair), as DER bytes or a file holding them; checked with
 * tls_ocsp_response_problem. Replaces any earlier one. */
int tls_config_set_ocsp_response(tls_config *c, const char *src, size_t len, int is_path, tls_error *err);

/* Client: judges der (a stapled OCSPResponse) for chain's leaf (chain is
 * the peer's, leaf first; issuer is the leaf's issuer on the verified path,
 * or NULL when the chain was not verified: then it is looked for in the
 * chain or the store, which is as good as trusting nothing):
 * the response must be successful, signed by the issuer or by a responder
 * the issuer delegated to (id-kp-OCSPSigning), that signer's chain must
 * verify against store, it must hold a single response for the leaf, and
 * now must be within [thisUpdate - 5 min, nextUpdate + 5 min] (without
 * nextUpdate: thisUpdate at most 7 days + 5 min ago). Fills res;
 * never fails otherwise. */
void tls_ocsp_check(X509_STORE *store, STACK_OF(X509) *chain, X509 *issuer, const uint8_t *der, size_t len,
                    tls_ocsp_result *res);

#endif
