/* The TLS 1.2 cryptography (RFC 5246, RFC 7627): the PRF, the master secret
 * (with or without extended master secret), the key block of the AEAD
 * suites, Finished, and the RSA key transport of the premaster secret.
 * Record protection for TLS 1.2 lives with the record layer, not here.
 *
 * Like the rest of this layer, functions returning int return 0 on success
 * and -1 on failure with the alert and a reason recorded in the tls_error;
 * every secret they hold on the way is wiped before they return, and on
 * failure their secret outputs are wiped too. */
#ifndef TLS12_CRYPTO_H
#define TLS12_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

#include "crypto/tls_crypto.h"

/* rfc5246#5: PRF(secret, label, seed) = P_<hash>(secret, label + seed),
 * through libcrypto's "TLS1-PRF" EVP_KDF, fetched once per process.
 * seed = seed1 || seed2 (seed2 may be NULL/0). */
int tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len, const char *label,
              const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
              uint8_t *out, size_t out_len, tls_error *err);

#define TLS12_MASTER_LEN 48
#define TLS12_PREMASTER_RSA_LEN 48
#define TLS12_VERIFY_DATA_LEN 12

/* rfc5246#8.1 ("master secret", client_random + server_random) or, with ems,
 * rfc7627#4 ("extended master secret", session_hash = the transcript hash
 * through ClientKeyExchange, hash_len = the size of md; the randoms are then
 * unused and may be NULL). */
int tls12_master_secret(const EVP_MD *md, const uint8_t *pms, size_t pms_len, int ems,
                        const uint8_t client_random[32], const uint8_t server_random[32],
                        const uint8_t *session_hash, size_t hash_len,
                        uint8_t master[TLS12_MASTER_LEN], tls_error *err);

/* rfc5246#6.3 key block for an AEAD suite (no MAC keys): client_write_key,
 * server_write_key, client_write_IV, server_write_IV from "key expansion"
 * with seed server_random + client_random. key_len is 16 or 32;
 * fixed_iv_len is 4 for AES-GCM (rfc5288#3) and 12 for ChaCha20-Poly1305
 * (rfc7905#2). The bytes of the arrays past key_len/iv_len are zero. */
typedef struct tls12_key_block {
    uint8_t client_key[32], server_key[32];
    uint8_t client_iv[12], server_iv[12];
    size_t key_len, iv_len;
} tls12_key_block;

int tls12_key_block_derive(const EVP_MD *md, size_t key_len, size_t fixed_iv_len,
                           const uint8_t master[TLS12_MASTER_LEN],
                           const uint8_t client_random[32], const uint8_t server_random[32],
                           tls12_key_block *kb, tls_error *err);
void tls12_key_block_wipe(tls12_key_block *kb);

/* rfc5246#7.4.9: PRF(master, "client finished"/"server finished",
 * Hash(handshake_messages))[0..11]; hash_len is the size of md. Compare the
 * peer's with CRYPTO_memcmp. */
int tls12_finished(const EVP_MD *md, const uint8_t master[TLS12_MASTER_LEN], int by_server,
                   const uint8_t *transcript_hash, size_t hash_len,
                   uint8_t out[TLS12_VERIFY_DATA_LEN], tls_error *err);

/* RSA key transport, client side (rfc5246#7.4.7.1): pms = client_version
 * (the version the client offered as its highest in ClientHello, 0x0303) ||
 * 46 random bytes; appends the RSAES-PKCS1-v1_5 encryption of pms under
 * server_key to out (the caller writes the 2-byte length prefix). A key that
 * is not RSA is an illegal_parameter (the server's certificate does not fit
 * the suite); pms is wiped on failure and out left as it was. */
int tls12_rsa_premaster_encrypt(EVP_PKEY *server_key, uint16_t client_version,
                                uint8_t pms[TLS12_PREMASTER_RSA_LEN], tls_buf *out,
                                tls_error *err);

/* RSA key transport, server side, with no padding oracle (rfc5246#7.4.7.1):
 * for any ciphertext of any length or content, yields 48 bytes in pms and
 * returns 0. A wrong padding, length or version silently yields a random
 * premaster, so the handshake fails later at Finished exactly as with a
 * wrong key. client_version is ClientHello.client_version. Returns -1 only
 * for a local failure (out of memory, RNG failure, a key that is not RSA or
 * too small to carry a premaster), with internal_error. */
int tls12_rsa_premaster_decrypt(EVP_PKEY *key, const uint8_t *enc, size_t enc_len,
                                uint16_t client_version, uint8_t pms[TLS12_PREMASTER_RSA_LEN],
                                tls_error *err);

/* Constant-time validation (the ctgrind technique, as BoringSSL's
 * CONSTTIME_SECRET): built with -DTLS_CTGRIND (tests/ct only), secret bytes
 * are marked undefined for valgrind memcheck at the point our code receives
 * them, so any branch or memory index that depends on them is reported;
 * TLS_CT_DECLASSIFY marks a value as public again. In the library these
 * expand to nothing. */
#ifdef TLS_CTGRIND
#include <valgrind/memcheck.h>
#define TLS_CT_SECRET(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#define TLS_CT_DECLASSIFY(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#else
#define TLS_CT_SECRET(p, n) ((void)(p), (void)(n))
#define TLS_CT_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

#endif
