/* Certificate path validation and names, on X509_STORE / X509_verify_cert. */
#ifndef TLS_X509_H
#define TLS_X509_H

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "pki/tls_config.h"
#include "util/tls_err.h"

/* Verifies chain (leaf first; the rest are untrusted intermediates) against
 * the config's trust store, at the current time, for TLS server (or client,
 * when peer_is_client) use; checks the host name or IP literal when name is
 * not NULL. On failure records the alert (certificate_expired, unknown_ca,
 * bad_certificate, ...) and a reason such as "certificate has expired",
 * "unknown certificate authority" or "host name mismatch: expected
 * example.org, certificate is for a.example, b.example". The leaf's
 * keyUsage, when present, must allow digitalSignature, or keyEncipherment
 * when key_encipherment (TLS 1.2 RSA key transport). */
int tls_x509_verify(const tls_config *c, STACK_OF(X509) *chain, const char *name,
                    int peer_is_client, int key_encipherment, tls_error *err);

/* The subject names of the CA certificates in c->store, each as a TLS
 * DistinguishedName (2-byte length, then the DER name), appended to out:
 * the content of certificate_authorities (rfc8446#4.2.4) and of the TLS
 * 1.2 CertificateRequest's list (rfc5246#7.4.4). Names of certificates a
 * hashed directory has not loaded yet are not known. Returns how many were
 * written; 0 (and out as it was) if none, or if they would take more than
 * max bytes: the client then chooses without them. */
size_t tls_x509_ca_names(const tls_config *c, tls_buf *out, size_t max);
/* The same; on success, when verified is not NULL, *verified gets the path
 * libcrypto built (leaf to trust anchor; sk_X509_pop_free it). The CRL
 * check follows c->crl_check: a revoked certificate is certificate_revoked,
 * a certificate without a CRL from its issuer bad_certificate ("unable to
 * get certificate CRL: ..."). */
int tls_x509_verify_chain(const tls_config *c, STACK_OF(X509) *chain, const char *name,
                          int peer_is_client, int key_encipherment, STACK_OF(X509) **verified,
                          tls_error *err);
/* The same with the security level and CRL check given (a connection's
 * own copy of them, taken when it was made) instead of c's. */
int tls_x509_verify_chain_at(const tls_config *c, int security_level, int crl_check, STACK_OF(X509) *chain,
                             const char *name, int peer_is_client, int key_encipherment,
                             STACK_OF(X509) **verified, tls_error *err);

/* rfc8446#4.2.3 signature_algorithms_cert: true when every signature in
 * chain (leaf first; self-signed certificates after the leaf excepted, as
 * rfc8446#4.4.2.2 allows) is one of the n schemes of sigalgs. A server
 * choosing among its pairs prefers a chain that fits; a CertificateRequest
 * answer likewise. */
int tls_chain_fits_sigalgs_cert(STACK_OF(X509) *chain, const uint16_t *sigalgs, size_t n);
/* What a ClientHello's signature_algorithms_cert lists: the schemes
 * libcrypto verifies in certificates, SHA-1 last (the security level, not
 * this list, refuses it, with a clearer message). At most max written to
 * out; returns how many. */
size_t tls_sigalgs_cert(int security_level, uint16_t *out, size_t max);

/* True if s is an IPv4 or IPv6 literal (no SNI for those, rfc6066#3). */
int tls_is_ip_literal(const char *s);
/* Checks that name (len bytes, which may include NULs) can be a server name:
 * an IPv4 or IPv6 literal, or a DNS host name (ASCII letters, digits, '-'
 * and '_' in labels of 1 to 63 bytes, 253 bytes at most, no trailing dot).
 * Returns 0, or -1 with what is wrong written to why ("is empty: ...",
 * "contains a control character (0x1b at byte 5)"), to follow "server name"
 * or "option 'servername'". */
int tls_server_name_problem(const char *name, size_t len, char *why, size_t size);

/* Copies len bytes of peer-supplied text (a certificate field, a server
 * name) for display: each control character (C0, DEL, C1, line and
 * paragraph separators, bidirectional overrides) and each byte that is not
 * part of valid UTF-8 becomes '?', so that a hostile peer cannot forge
 * lines in a log or repaint a terminal. Writes a NUL-terminated string of
 * at most size bytes, never cutting a character; returns its length. out
 * may be src (the text only ever shrinks). */
size_t tls_sanitize(const void *src, size_t len, char *out, size_t size);

/* Self-signed certificate for quick servers and tests. names are DNS names
 * or IP literals (put in subjectAltName; the first also becomes the CN).
 * key_type: "ec" (P-256, default), "rsa" (2048), "ed25519".
 * Returns PEM strings (caller OPENSSL_free's them). */
int tls_selfsigned(const char *const *names, size_t n_names, const char *key_type, int days,
                   char **cert_pem, char **key_pem, tls_error *err);

/* Text forms shared by messages and the Lua certificate table (added by
 * the certificates engineer). Each writes a NUL-terminated string, truncated
 * to size. */
/* "2026-11-27 12:00:00 UTC" */
void tls_x509_time_text(const ASN1_TIME *t, char *out, size_t size);
/* One-line RFC 2253 form, most specific first: "CN=leaf,O=Example",
 * sanitised (tls_sanitize). */
void tls_x509_name_text(const X509_NAME *name, char *out, size_t size);
/* One subjectAltName entry as text: the DNS name, or the IP address in
 * its usual notation. Returns 0 for other kinds of names (nothing written). */
int tls_x509_general_name_text(const GENERAL_NAME *gn, char *out, size_t size);
/* The DNS and IP subjectAltNames joined by ", ": "a.example, b.example"
 * when all are DNS names and tagged is 0, else with their kinds,
 * "DNS:a.example, IP:192.0.2.1". Returns how many there are. */
int tls_x509_names_text(X509 *cert, char *out, size_t size, int tagged);
/* A public key as "EC P-256", "RSA 2048", "Ed25519". */
void tls_x509_key_text(EVP_PKEY *key, char *out, size_t size);

#endif
