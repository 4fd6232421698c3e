/* The thin layer over libcrypto: cipher suites, the TLS 1.3 key schedule,
 * the transcript hash, record protection, key exchange and signatures.
 * EVP algorithms are fetched once (tls_crypto_init) and reused; nothing here
 * looks an algorithm up by name on a per-connection or per-record path.
 * All functions returning int return 0 on success and -1 on failure, with
 * the alert and a reason recorded in the tls_error. */
#ifndef TLS_CRYPTO_H
#define TLS_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "util/tls_buf.h"
#include "util/tls_consts.h"
#include "util/tls_err.h"

/* Fetches the EVP objects; idempotent and thread-safe (CRYPTO_THREAD_run_once).
 * Returns 0, or -1 if libcrypto lacks an algorithm we need. */
int tls_crypto_init(void);

/* ---- Cipher suites ---------------------------------------------------- */
/* TLS 1.2 suites name their key exchange and the certificate key that
 * authenticates it; TLS 1.3 suites name neither (TLS_KX_ANY, TLS_AUTH_ANY). */
typedef enum tls_kx { TLS_KX_ANY, TLS_KX_ECDHE, TLS_KX_RSA } tls_kx;
typedef enum tls_auth { TLS_AUTH_ANY, TLS_AUTH_ECDSA, TLS_AUTH_RSA } tls_auth;

typedef struct tls_suite {
    uint16_t id;
    const char *name;
    const EVP_MD *md;          /* fetched once; TLS 1.2: the PRF hash */
    size_t hash_len;
    const EVP_CIPHER *cipher;  /* fetched once */
    size_t key_len;
    size_t iv_len;             /* 12: the per-record nonce */
    size_t tag_len;            /* 16 */
    uint16_t version;          /* TLS_VERSION_13 or TLS_VERSION_12 */
    tls_kx kx;
    tls_auth auth;
    size_t fixed_iv_len;       /* TLS 1.2: the implicit part of the nonce from
                                  the key block: 4 for AES-GCM (rfc5288#3),
                                  12 for ChaCha20-Poly1305 (rfc7905#2) */
} tls_suite;

/* NULL if the suite is unknown or not an AEAD suite we implement (TLS 1.3
 * or TLS 1.2: check ->version). */
const tls_suite *tls_suite_get(uint16_t id);

/* The objects fetched by tls_crypto_init (which these call), for the files
 * of this layer: SHA-256/384/512 by bit length (NULL for other lengths), and
 * the HKDF and HMAC implementations. */
const EVP_MD *tls_crypto_sha(int bits);
EVP_KDF *tls_crypto_hkdf(void);
EVP_MAC *tls_crypto_hmac(void);
/* An HMAC context with md (SHA-256 or SHA-384) already set, made once per
 * process: EVP_MAC_CTX_dup it and init with the key, never use it as is
 * (shared between threads). NULL for another hash. Setting the digest by
 * name costs a provider fetch; the copy does not. */
const EVP_MAC_CTX *tls_crypto_hmac_template(const EVP_MD *md);

/* An HMAC context for md with no key yet (EVP_MAC_init it with one; free
 * it with EVP_MAC_CTX_free, which wipes the key): a copy of the per-process
 * template for SHA-256 and SHA-384 (no digest fetch), else one made with a
 * fetch (only the known-answer hooks ask for another hash). NULL if out of
 * memory. */
EVP_MAC_CTX *tls_hmac_new(const EVP_MD *md);

/* An HMAC context for md keyed with key (an empty key allowed), ready for
 * EVP_MAC_update; NULL on failure. Inside a scope (tls_hmac_scope_enter)
 * it may be the one the last tls_hmac_give of that thread kept, keyed
 * again. With again set the caller expects to key with the same key soon
 * (the TLS 1.2 PRF, whose master secret keys three PRFs): the key (of up
 * to TLS_MAX_HASH_LEN bytes) is noted with the context, and when the next
 * take with again set finds that context kept and the same key (compared
 * with CRYPTO_memcmp), the context is only restarted. tls_hmac_give keeps
 * a SHA-256 or SHA-384 context for the next take while a scope is open
 * (one per hash and thread) and frees (wipes) any other; leaving the
 * outermost scope frees the kept ones and wipes the notes, or moves both
 * to the connection's keep (below). A handshake
 * keys an HMAC some ten times per flight, and a copy of the template with
 * its free costs a third of a keyed HMAC. */
EVP_MAC_CTX *tls_hmac_take_keyed(const EVP_MD *md, const uint8_t *key, size_t key_len, int again);
void tls_hmac_give(EVP_MAC_CTX *ctx, const EVP_MD *md);
void tls_hmac_scope_enter(void);
void tls_hmac_scope_leave(void);
/* A noted key (see tls_hmac_take_keyed): the context it was keyed into
 * and a copy of the key. */
typedef struct tls_hmac_note {
    const EVP_MAC_CTX *ctx; /* NULL: no note */
    size_t key_len;
    uint8_t key[TLS_MAX_HASH_LEN];
} tls_hmac_note;
/* Kept contexts a connection holds between its calls into the engine
 * while its handshake runs (a server's two flights would otherwise copy
 * the template twice), each with the note of the key it holds, if any (a
 * TLS 1.2 client checks the server's Finished, a resumed TLS 1.2 server
 * the client's, with the master secret of an earlier call). Entering the
 * outermost scope from a keep moves its contexts and notes to the thread;
 * leaving it to a keep moves them back, unless another scope was entered
 * inside (a hook driving another connection): then they are freed and
 * wiped, so no connection holds another's keys. The owner holds only a
 * pointer, NULL until a leave has something to keep: the keep is
 * allocated then (out of memory, the contexts are freed instead), so that
 * a connection whose handshake is over holds none of its 144 bytes. The
 * owner frees it (tls_hmac_keep_free, which wipes the notes, frees the
 * keep and sets the pointer to NULL) when its handshake secrets go. */
typedef struct tls_hmac_keep {
    EVP_MAC_CTX *kept[2];
    tls_hmac_note note[2];
} tls_hmac_keep;
void tls_hmac_scope_enter_from(tls_hmac_keep *keep);
void tls_hmac_scope_leave_to(tls_hmac_keep **keep);
void tls_hmac_keep_free(tls_hmac_keep **keep);
/* What tls_hmac_keep_free does before it frees the keep: the notes wiped,
 * the contexts freed (for the specs, which count what is left). */
void tls_hmac_keep_empty(tls_hmac_keep *keep);
/* How many contexts and noted keys a keep holds (for the specs). */
size_t tls_hmac_keep_held(const tls_hmac_keep *keep);
/* How many contexts and noted keys this thread keeps now (for the specs). */
size_t tls_hmac_kept(void);

/* ---- HKDF and the TLS 1.3 key schedule (rfc8446#7.1) ------------------ */
int tls_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len,
                     const uint8_t *ikm, size_t ikm_len, uint8_t *out);
/* rfc5869#2.3 HKDF-Expand (out_len at most 255 * the hash length). */
int tls_hkdf_expand(const EVP_MD *md, const uint8_t *prk, size_t prk_len, const uint8_t *info,
                    size_t info_len, uint8_t *out, size_t out_len);
/* HKDF-Expand-Label(secret, "tls13 " + label, context, out_len) */
int tls_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
                          const char *label, const uint8_t *context, size_t context_len,
                          uint8_t *out, size_t out_len);
/* Hash of the empty string, for Derive-Secret(., "derived", ""). */
int tls_hash(const EVP_MD *md, const uint8_t *data, size_t len, uint8_t *out);

typedef struct tls13_keys {
    const EVP_MD *md;
    size_t hlen;
    uint8_t early[TLS_MAX_HASH_LEN];
    uint8_t handshake[TLS_MAX_HASH_LEN];
    uint8_t master[TLS_MAX_HASH_LEN];
    uint8_t client_hs[TLS_MAX_HASH_LEN];   /* client_handshake_traffic_secret */
    uint8_t server_hs[TLS_MAX_HASH_LEN];
    uint8_t client_ap[TLS_MAX_HASH_LEN];   /* client_application_traffic_secret_0 */
    uint8_t server_ap[TLS_MAX_HASH_LEN];
    uint8_t exporter[TLS_MAX_HASH_LEN];
    uint8_t resumption[TLS_MAX_HASH_LEN];
    uint8_t client_early[TLS_MAX_HASH_LEN]; /* client_early_traffic_secret (0-RTT) */
    int early_psk;                          /* early is from a PSK (init_psk, init_early) */
    /* finished_key (rfc8446#4.4.4) of client_hs and server_hs, derived with
     * their traffic keys (one keyed HMAC for all three labels) when the
     * record layer installs them; valid when the flag is set. */
    uint8_t client_finished_key[TLS_MAX_HASH_LEN];
    uint8_t server_finished_key[TLS_MAX_HASH_LEN];
    int have_client_finished_key, have_server_finished_key;
} tls13_keys;

/* Early Secret with no PSK (HKDF-Extract(0, 0...)). */
int tls13_keys_init(tls13_keys *k, const EVP_MD *md, tls_error *err);
/* Early Secret from a PSK (rfc8446#7.1: HKDF-Extract(0, PSK)). */
int tls13_keys_init_psk(tls13_keys *k, const EVP_MD *md, const uint8_t *psk, size_t psk_len,
                        tls_error *err);
/* The same from an Early Secret already extracted from the PSK with md
 * (the binder's): the extract is not done twice. */
int tls13_keys_init_early(tls13_keys *k, const EVP_MD *md, const uint8_t *early, tls_error *err);
/* binder_key = Derive-Secret(Early Secret, "res binder" or, for an external
 * PSK, "ext binder", ""). The binder itself is tls13_finished(md,
 * binder_key, Transcript-Hash(truncated ClientHello), out) (rfc8446#4.2.11.2). */
int tls13_binder_key(const tls13_keys *k, int external, uint8_t *out, tls_error *err);
/* client_early_traffic_secret into k->client_early; th = Transcript-Hash(ClientHello). */
int tls13_keys_early_traffic(tls13_keys *k, const uint8_t *th, tls_error *err);
/* rfc8446#4.6.1: the PSK of a ticket = HKDF-Expand-Label(
 * resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
int tls13_ticket_psk(const EVP_MD *md, const uint8_t *resumption, const uint8_t *nonce,
                     size_t nonce_len, uint8_t *out, tls_error *err);
/* Handshake Secret from the (EC)DHE shared secret (shared_len 0 for psk_ke:
 * no (EC)DHE), then the two handshake traffic secrets; th =
 * Transcript-Hash(ClientHello..ServerHello). */
int tls13_keys_handshake(tls13_keys *k, const uint8_t *shared, size_t shared_len,
                         const uint8_t *th, tls_error *err);
/* Master Secret, application traffic secrets and exporter master secret;
 * th = Transcript-Hash(ClientHello..server Finished). */
int tls13_keys_master(tls13_keys *k, const uint8_t *th, tls_error *err);
/* resumption_master_secret; th = Transcript-Hash(ClientHello..client Finished). */
int tls13_keys_resumption(tls13_keys *k, const uint8_t *th, tls_error *err);
/* verify_data = HMAC(finished_key, th), finished_key from base_secret. */
int tls13_finished(const EVP_MD *md, const uint8_t *base_secret, const uint8_t *th,
                   uint8_t *out, tls_error *err);
/* The two halves of tls13_finished: finished_key from base_secret, and the
 * HMAC keyed with it (for a binder key whose finished_key is kept). */
int tls13_finished_key(const EVP_MD *md, const uint8_t *base_secret, uint8_t *out, tls_error *err);
int tls13_finished_mac(const EVP_MD *md, const uint8_t *finished_key, const uint8_t *th, uint8_t *out,
                       tls_error *err);
/* key and iv from a traffic secret (rfc8446#7.3). */
int tls13_traffic_keys(const tls_suite *s, const uint8_t *secret, uint8_t *key, uint8_t *iv,
                       tls_error *err);
/* The same, and finished_key (hash_len bytes) from the same secret when
 * finished_key is not NULL (a handshake traffic secret). */
int tls13_traffic_keys_finished(const tls_suite *s, const uint8_t *secret, uint8_t *key,
                                uint8_t *iv, uint8_t *finished_key, tls_error *err);
/* application_traffic_secret_N+1, in place (rfc8446#7.2). */
int tls13_next_traffic_secret(const EVP_MD *md, uint8_t *secret, tls_error *err);
void tls13_keys_wipe(tls13_keys *k);

/* ---- Transcript hash --------------------------------------------------- */
/* Until the suite (and so the hash) is known, messages are kept verbatim. */
typedef struct tls_transcript {
    const EVP_MD *md;    /* NULL until tls_transcript_set_hash */
    EVP_MD_CTX *ctx;
    EVP_MD_CTX *snap;    /* finalises copies of ctx; made on first use */
    tls_buf pending;
    int keep;            /* pending keeps every message, hashed or not */
    int have_last;       /* last is the hash of everything added so far */
    uint8_t last[TLS_MAX_HASH_LEN];
} tls_transcript;

void tls_transcript_init(tls_transcript *t);
int tls_transcript_set_hash(tls_transcript *t, const EVP_MD *md, tls_error *err);
/* msg is a whole handshake message with its 4-byte header. */
int tls_transcript_add(tls_transcript *t, const uint8_t *msg, size_t len, tls_error *err);
/* Replaces the transcript so far (ClientHello1) by the synthetic
 * message_hash message of rfc8446#4.4.1; the hash must be set. */
int tls_transcript_hrr_rewrite(tls_transcript *t, tls_error *err);
/* Current hash (the transcript keeps going). out gets EVP_MD_get_size bytes. */
int tls_transcript_hash(tls_transcript *t, uint8_t *out, tls_error *err);
/* rfc5246#7.4.8: a TLS 1.2 CertificateVerify signs the handshake messages
 * themselves, with a hash its signer picks from the peer's list. Once on
 * (before the hash is set: the verbatim messages are kept from there),
 * every message is kept as well as hashed; off drops them. */
void tls_transcript_keep_messages(tls_transcript *t, int keep);
/* The messages kept so far (empty unless keep_messages is on). */
const tls_buf *tls_transcript_messages(const tls_transcript *t);
void tls_transcript_free(tls_transcript *t);

/* ---- Record protection -------------------------------------------------- */
/* One direction of AEAD protection. The EVP_CIPHER_CTX is keyed once per
 * traffic secret and only given a new nonce per record. */
typedef struct tls_aead {
    EVP_CIPHER_CTX *ctx;
    const tls_suite *suite;
    uint8_t iv[TLS_AEAD_IV_LEN]; /* TLS 1.2 AES-GCM: only the first 4 bytes */
    uint64_t seq;
    int encrypt;
} tls_aead;

/* TLS 1.2: keys the direction with a key and fixed IV from the key block
 * (suite->key_len and suite->fixed_iv_len bytes); seq = 0. */
int tls_aead_init_raw(tls_aead *a, const tls_suite *s, const uint8_t *key, const uint8_t *fixed_iv,
                      int encrypt, tls_error *err);
/* TLS 1.2 record protection (rfc5246#6.2.3.3): nonce from the fixed IV and
 * the explicit part (AES-GCM: explicit = the sequence number, sent before
 * the ciphertext, rfc5288#3; ChaCha20-Poly1305: iv XOR seq, nothing sent,
 * rfc7905#2); additional data seq || type || version || plaintext length.
 * seal: writes explicit nonce (if any), ciphertext and tag to out
 * (tls12_aead_overhead(s) + len bytes). open: in is the record fragment;
 * out gets the plaintext (*pt_len bytes, at most len). Both increment seq. */
size_t tls12_aead_overhead(const tls_suite *s);
int tls12_aead_seal(tls_aead *a, uint8_t type, uint16_t version, const uint8_t *in, size_t len,
                    uint8_t *out, tls_error *err);
int tls12_aead_open(tls_aead *a, uint8_t type, uint16_t version, const uint8_t *in, size_t len,
                    uint8_t *out, size_t *pt_len, tls_error *err);

/* Derives key and iv from the traffic secret and keys the context; seq = 0.
 * May be called again on an initialised tls_aead to rekey. */
int tls_aead_init(tls_aead *a, const tls_suite *s, const uint8_t *traffic_secret, int encrypt,
                  tls_error *err);
/* The same, also writing the secret's finished_key (tls13_traffic_keys_finished)
 * when finished_key is not NULL. */
int tls_aead_init_finished(tls_aead *a, const tls_suite *s, const uint8_t *traffic_secret,
                           int encrypt, uint8_t *finished_key, tls_error *err);
/* Encrypts data[0..len) in place and writes the tag to tag (tag_len bytes).
 * aad is the record header. Increments seq. */
int tls_aead_seal(tls_aead *a, const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len,
                  uint8_t *tag, tls_error *err);
/* Decrypts data[0..len) in place, where the last tag_len bytes are the tag;
 * *pt_len = len - tag_len. A bad tag fails with bad_record_mac. Increments seq. */
int tls_aead_open(tls_aead *a, const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len,
                  size_t *pt_len, tls_error *err);
/* Frees the context and wipes the iv. */
void tls_aead_free(tls_aead *a);
/* Out-of-place forms: open from in (ciphertext + tag) into out (len - tag_len
 * bytes); seal in (len bytes) followed by the content type byte into out
 * (len + 1 bytes). */
int tls_aead_open_to(tls_aead *a, const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                     uint8_t *out, size_t *pt_len, tls_error *err);
int tls_aead_seal_to(tls_aead *a, const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                     uint8_t type, uint8_t *out, uint8_t *tag, tls_error *err);

/* ---- Key exchange ((EC)DHE) --------------------------------------------- */
typedef struct tls_kex {
    uint16_t group;
    EVP_PKEY *priv;
} tls_kex;

/* x25519, x448, secp256r1, secp384r1, secp521r1, ffdhe2048 ... ffdhe8192. */
int tls_group_supported(uint16_t group);
int tls_group_is_ffdhe(uint16_t group);
/* Generates a key pair for group and appends the encoded public key (the
 * key_exchange bytes of a KeyShareEntry: the raw key for x25519/x448, an
 * uncompressed point for the NIST curves, Y padded to the size of p for
 * ffdhe) to out. */
int tls_kex_generate(tls_kex *k, uint16_t group, tls_buf *out, tls_error *err);
/* The cheap checks of a peer's share (length; for ffdhe 1 < Y < p-1),
 * without a key of ours: a server runs them before generating its own. */
int tls_kex_check_share(uint16_t group, const uint8_t *peer, size_t peer_len, tls_error *err);
/* Checks the peer's public value (illegal_parameter if malformed, off the
 * curve, outside 1 < Y < p-1, or giving an all-zero x25519/x448 result) and
 * derives the shared secret into out (out_size bytes of room; at most
 * TLS_MAX_SHARED_SECRET are needed); *out_len receives its length. */
int tls_kex_derive(tls_kex *k, const uint8_t *peer, size_t peer_len, uint8_t *out, size_t out_size,
                   size_t *out_len, tls_error *err);
/* For known-answer tests: our key for group from a given private value (raw
 * for x25519/x448, a big-endian scalar or exponent otherwise). */
int tls_kex_set_private(tls_kex *k, uint16_t group, const uint8_t *priv, size_t len, tls_error *err);
void tls_kex_free(tls_kex *k);

/* ---- Signatures ---------------------------------------------------------- */
/* The tls_sig_* functions follow TLS 1.3 (rfc8446#4.2.3: ecdsa schemes bind
 * the curve, rsa_pkcs1_* never sign the handshake). The tls12_sig_* ones
 * follow TLS 1.2 (rfc5246#7.4.1.4.1: the hash and signature pair, any
 * curve, rsa_pkcs1_* allowed), for ServerKeyExchange and a client's
 * CertificateVerify. */
int tls12_sig_scheme_fits_key(EVP_PKEY *key, uint16_t scheme);
uint16_t tls12_sig_choose(EVP_PKEY *key, const uint16_t *ours, size_t n_ours,
                          const uint16_t *peer, size_t n_peer);
/* what names the message signed, for failure messages: "ServerKeyExchange"
 * or "CertificateVerify" (a TLS 1.2 client's). */
int tls12_sig_sign(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len, tls_buf *out,
                   const char *what, tls_error *err);
int tls12_sig_verify(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len,
                     const uint8_t *sig, size_t sig_len, const char *what, tls_error *err);

/* True if scheme can be used with key in TLS 1.3 (ecdsa schemes bind the
 * curve; rsa_pss_rsae_* need an RSA key; ed25519 an Ed25519 key). */
int tls_sig_scheme_fits_key(EVP_PKEY *key, uint16_t scheme);
/* First scheme in ours (our preference order) that the peer offered and
 * that fits key; 0 if none. */
uint16_t tls_sig_choose(EVP_PKEY *key, const uint16_t *ours, size_t n_ours,
                        const uint16_t *peer, size_t n_peer);
int tls_sig_sign(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len, tls_buf *out,
                 tls_error *err);
/* illegal_parameter if the scheme does not fit the key, decrypt_error if
 * the signature does not verify. */
int tls_sig_verify(EVP_PKEY *key, uint16_t scheme, const uint8_t *msg, size_t len,
                   const uint8_t *sig, size_t sig_len, tls_error *err);
/* A private key signed with again and again (a configuration's): signing
 * contexts are prepared for it until tls_sig_forget, which must come
 * before the owner frees the key. At most 16 keys; more just sign without. */
void tls_sig_keep(EVP_PKEY *key);
void tls_sig_forget(EVP_PKEY *key);
/* What kind of key this is, and for EC its curve (NID_undef otherwise):
 * from what tls_sig_keep noted once for a kept key, else asked of libcrypto
 * (a type and group query costs some 4 k instructions, and a server asks
 * several times per handshake). */
typedef enum { TLS_KEY_OTHER, TLS_KEY_EC, TLS_KEY_RSA, TLS_KEY_RSA_PSS, TLS_KEY_ED25519 } tls_key_kind;
tls_key_kind tls_key_kind_of(EVP_PKEY *key, int *curve_nid);
/* The TLS group (supported_groups code point) of an EC key's curve; 0 for
 * other keys and for curves TLS does not name. */
uint16_t tls_ec_key_group(EVP_PKEY *key);
/* rfc5246#7.4.2: whether a TLS 1.2 suite's authentication fits the key
 * (RSA for ECDHE_RSA and RSA key transport, EC for ECDHE_ECDSA). */
int tls12_key_fits_suite(EVP_PKEY *key, const tls_suite *s);
/* Whether scheme may sign a TLS 1.3 handshake with some key: every scheme
 * we implement but rsa_pkcs1_* (rfc8446#4.2.3). */
int tls_sig_scheme_in13(uint16_t scheme);

/* ---- Randomness ------------------------------------------------------------ */
int tls_random(uint8_t *out, size_t len, tls_error *err);

#endif
