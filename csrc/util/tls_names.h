/* Names of protocol numbers, for messages, trace output and configuration. */
#ifndef TLS_NAMES_H
#define TLS_NAMES_H

#include <stdint.h>

/* Each returns NULL for a number it does not know. */
const char *tls_suite_name(uint16_t id);            /* "TLS_AES_128_GCM_SHA256" */
const char *tls_group_name(uint16_t id);            /* "x25519", "secp256r1" */
const char *tls_sigscheme_name(uint16_t id);        /* "ecdsa_secp256r1_sha256" */
const char *tls_version_name(uint16_t v);           /* "TLSv1.3" */
const char *tls_handshake_name(uint8_t type);       /* "ClientHello" */
const char *tls_extension_name(uint16_t type);      /* "server_name" */

/* Reverse lookups for configuration strings; return 0 when unknown.
 * Suites accept IANA names and OpenSSL's aliases ("TLS_AES_128_GCM_SHA256");
 * groups accept "x25519", "secp256r1"/"P-256"/"prime256v1", ...;
 * signature schemes accept the IANA names. */
uint16_t tls_suite_by_name(const char *name);
uint16_t tls_group_by_name(const char *name);
uint16_t tls_sigscheme_by_name(const char *name);
uint16_t tls_version_by_name(const char *name);     /* "TLSv1.2" */

#endif
