/* Configuration shared by many connections: our certificate chain and key,
 * the trust store, and the algorithms we offer. Reference counted, because
 * a Lua context may be collected while its connections live on. */
#ifndef TLS_CONFIG_H
#define TLS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>
#include <openssl/evp.h>

#include "util/tls_buf.h"
#include "util/tls_consts.h"
#include "util/tls_err.h"
#include "crypto/tls_ticket.h"

#define TLS_CONFIG_MAX_LIST 16
/* Parsed peer certificates kept for the next handshake with the same peer:
 * parsing a certificate (d2i_X509) is a fifth of a client's handshake. */
#define TLS_CERT_CACHE_SLOTS 4
#define TLS_CERT_CACHE_MAX_DER 16384

typedef struct tls_cert_cache_entry {
    uint8_t *der;
    size_t len;
    X509 *cert;
} tls_cert_cache_entry;

/* Certificate/key pairs a config holds: a server picks one per connection
 * (by SNI and the client's signature algorithms), a client answers a
 * CertificateRequest with one (or none). */
#define TLS_MAX_IDENTITIES 8

/* One certificate chain with its private key. */
typedef struct tls_identity {
    STACK_OF(X509) *chain;       /* leaf first */
    EVP_PKEY *key;
    tls_buf cert_entries;        /* pre-encoded TLS 1.3 certificate_list
                                    content (entries with empty extensions),
                                    without the outer 3-byte length */
    int can_encipher;            /* the leaf's keyUsage allows RSA key
                                    transport (or it has none) */
    int can_sign;                /* ... and signing the handshake
                                    (digitalSignature, or no keyUsage) */
    int for_servers;             /* the leaf's extendedKeyUsage allows
                                    serverAuth (or it has none) */
} tls_identity;

/* cfg->verify: a client verifies (chain and name) or not; a server asks
 * for a client certificate and verifies it when given (optional) or
 * also insists on one (required). */
#define TLS_VERIFY_NONE 0
#define TLS_VERIFY_PEER 1        /* client: chain and name; server: optional */
#define TLS_VERIFY_REQUIRED 2    /* server only: a client without one fails */

/* cfg->ocsp, a client's OCSP stapling (rfc6066#8): off (the default: the
 * ClientHello stays as before), ask and report, or also insist on a good
 * response. */
#define TLS_OCSP_OFF 0
#define TLS_OCSP_ASK 1
#define TLS_OCSP_REQUIRE 2
/* Pinned keys (rfc7469#2.4 pin-sha256, curl's --pinnedpubkey): SHA-256 of
 * a DER SubjectPublicKeyInfo. See pki/tls_pin.h. */
#define TLS_MAX_PINS 16
#define TLS_PIN_LEN 32
/* cfg->crl_check: which certificates of the peer's chain must be covered by
 * a CRL of the store (X509_V_FLAG_CRL_CHECK or _CRL_CHECK_ALL). */
#define TLS_CRL_CHECK_NONE 0
#define TLS_CRL_CHECK_LEAF 1
#define TLS_CRL_CHECK_ALL 2

/* The key log file a config holds open (engine/tls_keylog.c). */
typedef struct tls_keylog_file tls_keylog_file;

/* OpenSSL's own default level: RSA/DH of 2048 bits, 112-bit security. The
 * LuaSec drop-in reads it through tls.core rather than repeating it. */
#define TLS_DEFAULT_SECURITY_LEVEL 2

/* The bytes tls_config_verify_digest hashes: a label, the trust digest,
 * five settings, whether a verify function judges and its identity. */
#define TLS_VERIFY_INPUT_MAX (64 + 2 * TLS_VERIFY_DIGEST_LEN + 6)
/* The last input tls_config_verify_digest hashed for a context, and its
 * digest: a context's connections nearly always verify under the same
 * settings, and the digest (about 5,500 instructions) was taken anew for
 * every session stamped and every peer verified. Keyed by the whole input,
 * so that any change of the settings (a CA or CRL loaded, the verify
 * function, ocsp, ...) is a miss, with nothing to invalidate by hand. */
typedef struct tls_verify_memo {
    uint8_t in[TLS_VERIFY_INPUT_MAX];
    size_t len;                  /* 0: empty */
    uint8_t out[TLS_VERIFY_DIGEST_LEN];
} tls_verify_memo;

typedef struct tls_config {
    int refs;
    int is_server;
    int verify;                  /* TLS_VERIFY_* */
    int verify_chain_only;       /* client: the chain, never a name (the LuaSec
                                    drop-in when the program names no host) */
    X509_STORE *store;           /* trust anchors; NULL until loaded */
    tls_identity ids[TLS_MAX_IDENTITIES]; /* complete pairs: ids[0..n_ids) */
    size_t n_ids;                /* ids[n_ids] may hold a half-set pair (chain or
                                    key) until its other half is set */
    uint16_t suites[TLS_CONFIG_MAX_LIST];
    size_t n_suites;
    uint16_t groups[TLS_CONFIG_MAX_LIST];   /* preference order; groups[0]
                                               is the client's key share */
    size_t n_groups;
    uint16_t sigalgs[TLS_CONFIG_MAX_LIST];
    size_t n_sigalgs;
    int security_level;          /* OpenSSL authentication level for peer chains */
    int strict_close;            /* a TCP close without close_notify is an error */
    uint16_t record_size_limit;  /* rfc8449 limit we advertise; 0: none */
    uint64_t key_update_after;   /* records under one write key before we
                                    update it; 0: the suite's default */
    uint16_t min_version, max_version; /* TLS_VERSION_12 or _13 (default both) */
    int require_ems;             /* TLS 1.2 peers must do rfc7627 (default 1) */
    tls_buf alpn;                /* rfc7301#3.1 ProtocolNameList content (each name
                                    with its 1-byte length), our preference order;
                                    empty: no ALPN */
    int sni_strict;              /* server: a server_name no pair matches is
                                    refused (unrecognized_name) */
    tls_keylog_file *keylog_file; /* NSS key log file, open (engine/tls_keylog.c); NULL: none */
    int ocsp;                    /* client: TLS_OCSP_* */
    tls_buf ocsp_response;       /* server: the DER OCSPResponse stapled for
                                    ids[0] (pki/tls_ocsp.c); empty: none */
    uint8_t pins[TLS_MAX_PINS][TLS_PIN_LEN]; /* the peer's chain must hold one of these keys */
    size_t n_pins;
    unsigned key_file_mode;      /* permission bits of the last key file read (0: PEM text, a FIFO),
                                  * for the Lua layer's warning about a key others can read */
    int crl_check;               /* TLS_CRL_CHECK_*: set by tls_config_load_crl and the Lua option */
    uint8_t trust_digest[TLS_VERIFY_DIGEST_LEN]; /* every trust anchor and CRL load so far,
                                    chained: SHA-256(before || kind || what was loaded);
                                    all zero before the first. Part of
                                    tls_config_verify_digest */
    uint8_t verify_fn_id[TLS_VERIFY_DIGEST_LEN]; /* which verify function (hooks.verify)
                                    judges peers: set with the function by the
                                    binding (tls_config_set_verify_fn_id); all zero
                                    until then. Part of tls_config_verify_digest
                                    when a connection has the hook */
    /* Resumption (hs/tls_session.h, crypto/tls_ticket.h) */
    unsigned tickets;            /* server: NewSessionTickets after each full TLS 1.3
                                    handshake (default 2); 0: none, and no TLS 1.2
                                    tickets either */
    uint32_t ticket_lifetime;    /* server: seconds a session may be resumed
                                    (default 7200; at most 604800, rfc8446#4.6.1) */
    tls_ticket_keys ticket_keys; /* server: seal tickets and stored sessions; a
                                    random key is made on first use if none given */
    int psk_ke;                  /* server: also accept psk_ke (resumption without
                                    (EC)DHE, rfc8446#4.2.9) when the client offers
                                    only that; client: offer it too. Default 0 */
    int early_data;              /* 0-RTT (rfc8446#4.2.10), both sides; default 0 */
    uint32_t max_early_data;     /* server: early data bytes accepted per
                                    connection (default 16384) */
    int64_t clock_offset_ms;     /* added to the wall clock the resumption code
                                    reads (tls_config_now_ms): for tests only */
    tls_cert_cache_entry cert_cache[TLS_CERT_CACHE_SLOTS];
    unsigned cert_cache_next;    /* the slot to replace next */
    struct tls_session_memo *session_memo; /* client: the last session text decoded
                                              (engine/tls_resume.c) */
    tls_verify_memo verify_memo; /* the last verification settings digested */
} tls_config;

/* New config with the defaults: verify on for clients, off for servers
 * (client certificates come later); TLS 1.2 and 1.3; suites AES-128-GCM,
 * AES-256-GCM, ChaCha20-Poly1305 (TLS 1.3, then TLS 1.2 ECDHE); groups x25519, secp256r1, secp384r1, secp521r1
 * (servers: also x448, ffdhe2048, ffdhe3072); signature
 * schemes ecdsa P-256/P-384, rsa_pss_rsae 256/384/512, ed25519. */
tls_config *tls_config_new(int is_server);
/* A config, like the Lua state that owns it, is used from one thread at a
 * time: the reference count and the certificate cache are not locked. */
void tls_config_ref(tls_config *c);
void tls_config_unref(tls_config *c);
/* Closes and forgets cfg's key log file, if any (engine/tls_keylog.c). */
void tls_keylog_file_close(tls_config *cfg);

/* Certificate chain (leaf first) and key, each as PEM text or a file path:
 * `is_path` tells which. The key must match the leaf (checked here) and be
 * of a kind we can sign with. Each pair adds an identity: set_chain and
 * set_key fill ids[n_ids] in either order, and the pair counts (n_ids
 * grows) once both are set; at most TLS_MAX_IDENTITIES. */
int tls_config_set_chain(tls_config *c, const char *src, size_t len, int is_path, tls_error *err);
int tls_config_set_key(tls_config *c, const char *src, size_t len, int is_path,
                       const char *password, tls_error *err);
/* Whether the key (PEM text or a file path) asks for a password: for the
 * LuaSec drop-in, whose programs may give one with a plain key (LuaSec
 * ignores it; tls_config_set_key refuses it). 0 also when it cannot be read. */
int tls_key_is_encrypted(const char *src, size_t len, int is_path);
/* Trust anchors. Each call adds to the store. */
/* Paths carry their length (util/tls_file.h checks the name). */
int tls_config_load_ca_file(tls_config *c, const char *path, size_t len, tls_error *err);
int tls_config_load_ca_dir(tls_config *c, const char *path, size_t len, tls_error *err);
/* A bundle file or a hashed directory, whichever the path names. */
int tls_config_load_ca_path(tls_config *c, const char *path, size_t len, tls_error *err);
int tls_config_load_ca_pem(tls_config *c, const char *pem, size_t len, tls_error *err);
int tls_config_load_system_ca(tls_config *c, tls_error *err);
/* Certificate revocation lists (PEM, one or more; a file may also be one
 * DER CRL) added to the trust store; turns on the leaf's CRL check unless
 * crl_check is already set. */
int tls_config_load_crl(tls_config *c, const char *src, size_t len, int is_path, tls_error *err);
/* The settings a peer is verified under, as a digest a session keeps (a
 * resumed handshake skips the certificate: its verdict stands only under
 * the settings that gave it). SHA-256 over trust_digest (the anchors and
 * CRLs loaded), verify, verify_chain_only, security_level, crl_check,
 * whether OCSP is required, and verify_fn_id (which verify function has
 * the last word; NULL: none). Not suites, groups, ALPN, lifetimes or pins
 * (checked on their own). The same options give the same digest in any
 * process; a verify function's identity is random per process unless the
 * program names it (verify_id). */
typedef struct tls_verify_settings {
    uint8_t trust_digest[TLS_VERIFY_DIGEST_LEN];
    int verify, verify_chain_only, security_level, crl_check, ocsp;
} tls_verify_settings;
/* memo (may be NULL): the context's tls_verify_memo, consulted and updated.
 * A connection's digest is of the settings it verifies under (its own
 * copy of the context's, engine/tls_resume.c), never the context's
 * current ones: a session stamped with settings stricter than those that
 * verified its peer would resume under them. */
void tls_config_verify_digest(const tls_verify_settings *c, const uint8_t *verify_fn_id,
                              uint8_t out[TLS_VERIFY_DIGEST_LEN], tls_verify_memo *memo);
/* c->verify_fn_id for a verify function: SHA-256 over a label, kind
 * ("random": bytes the binding drew for one function value, "named": the
 * program's verify_id) and id, so that a name can never equal a random id.
 * NULL kind: no function (all zero). */
void tls_config_set_verify_fn_id(tls_config *c, const char *kind, const void *id, size_t len);
/* Lists as colon- or comma-separated names; an unknown name fails with a
 * message naming it. */
int tls_config_set_suites(tls_config *c, const char *list, tls_error *err);
int tls_config_set_groups(tls_config *c, const char *list, tls_error *err);
int tls_config_set_sigalgs(tls_config *c, const char *list, tls_error *err);
/* Whether 'sigalgs' may name this scheme (luatls makes it). */
int tls_config_sigalg_implemented(uint16_t id);
/* ALPN protocols (rfc7301#3.1), as the wire's ProtocolNameList content:
 * names of 1 to 255 bytes, each after its length byte; at least one.
 * len 0 clears the list. A malformed list fails with a message. */
int tls_config_set_alpn(tls_config *c, const uint8_t *list, size_t len, tls_error *err);
/* TLS_VERSION_12 / TLS_VERSION_13 only; min <= max. */
int tls_config_set_versions(tls_config *c, uint16_t min, uint16_t max, tls_error *err);
/* Whether `sigalgs` allows TLS 1.3 handshake signatures: a client's names
 * a scheme other than rsa_pkcs1_* (it accepts no other kind of server
 * signature); a server's fits the key of one of its pairs under TLS 1.3's
 * rules (a server without pairs: as a client's). */
int tls_config_sigalgs13(const tls_config *c);
/* Whether c can negotiate TLS 1.3: max_version allows it, `ciphers` names
 * a TLS 1.3 suite and tls_config_sigalgs13. Without it, a client does not
 * offer TLS 1.3 and a server is a TLS 1.2 server. */
int tls_config_can13(const tls_config *c);
/* The same with these lists and max_version instead of c's (a connection's
 * own copy of them); c gives the side and the pairs. */
int tls_config_can13_with(const tls_config *c, uint16_t max_version, const uint16_t *suites, size_t n_suites,
                          const uint16_t *sigalgs, size_t n_sigalgs);
/* Fails, naming the options, if c can connect with no valid peer at all:
 * no version in min_version..max_version has a suite in `ciphers`, the
 * signature schemes it needs (for a server: for one of its keys) and, for a
 * server's TLS 1.2 ECDHE, an elliptic-curve group. RSA key transport
 * (opt-in) needs neither a scheme nor a group. Call once all are set. */
int tls_config_check(const tls_config *c, tls_error *err);
/* Why no peer can ever speak `version` (TLS_VERSION_13 or _12) with c, in
 * words naming the option, or NULL when one can. buf may hold the text. */
const char *tls_config_version_out(const tls_config *c, uint16_t version, char *buf, size_t size);

/* Milliseconds since the Unix epoch (wall clock, plus clock_offset_ms):
 * ticket issue times, ages and lifetimes. The only clock the resumption
 * code reads. */
uint64_t tls_config_now_ms(const tls_config *c);

/* The certificate for these DER bytes: a new reference to the cached object
 * when the same bytes were seen before, else freshly parsed (and cached).
 * NULL if the bytes are not exactly one certificate. */
X509 *tls_cert_cache_get(tls_config *c, const uint8_t *der, size_t len);
void tls_cert_cache_clear(tls_config *c);
/* Wipes and frees c->session_memo (engine/tls_resume.c). */
void tls_session_memo_clear(tls_config *c);

#endif
