/* Record protection: TLS 1.3 (rfc8446#5.2, #5.3) and TLS 1.2 AEAD
 * (rfc5246#6.2.3.3, rfc5288#3, rfc7905#2). The cipher context is keyed
 * once per traffic secret; each record only sets a fresh nonce. */
#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/tls_crypto.h"

static int key_cipher(tls_aead *a, const tls_suite *s, uint8_t *key, int encrypt, tls_error *err);

int tls_aead_init(tls_aead *a, const tls_suite *s, const uint8_t *traffic_secret, int encrypt,
                  tls_error *err)
{
    return tls_aead_init_finished(a, s, traffic_secret, encrypt, NULL, err);
}

int tls_aead_init_finished(tls_aead *a, const tls_suite *s, const uint8_t *traffic_secret,
                           int encrypt, uint8_t *finished_key, tls_error *err)
{
    uint8_t key[TLS_MAX_KEY_LEN];
    if (s->key_len > sizeof key || s->iv_len != TLS_AEAD_IV_LEN)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "unsupported AEAD parameters");
    if (tls13_traffic_keys_finished(s, traffic_secret, key, a->iv, finished_key, err) != 0) {
        tls_aead_free(a);
        return -1;
    }
    return key_cipher(a, s, key, encrypt, err);
}

int tls_aead_init_raw(tls_aead *a, const tls_suite *s, const uint8_t *key, const uint8_t *fixed_iv,
                      int encrypt, tls_error *err)
{
    uint8_t k[TLS_MAX_KEY_LEN];
    if (s->key_len > sizeof k || s->fixed_iv_len > TLS_AEAD_IV_LEN || s->fixed_iv_len == 0)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "unsupported AEAD parameters");
    memcpy(k, key, s->key_len);
    memset(a->iv, 0, sizeof a->iv);
    memcpy(a->iv, fixed_iv, s->fixed_iv_len);
    return key_cipher(a, s, k, encrypt, err);
}

/* Keys the cipher context; wipes key. */
static int key_cipher(tls_aead *a, const tls_suite *s, uint8_t *key, int encrypt, tls_error *err)
{
    int rc = 0;
    /* A context already set up for this cipher and direction is only
     * given the new key: naming the cipher again makes libcrypto free and
     * rebuild its provider context (about twice the instructions). */
    const EVP_CIPHER *cipher = s->cipher;
    if (a->ctx != NULL && a->suite != NULL && a->suite->cipher == cipher && a->encrypt == encrypt)
        cipher = NULL;
    if (a->ctx == NULL)
        a->ctx = EVP_CIPHER_CTX_new();
    /* The nonce is set per record; the key schedule is computed here. */
    if (a->ctx == NULL || EVP_CipherInit_ex2(a->ctx, cipher, key, NULL, encrypt, NULL) != 1)
        rc = tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "keying the record cipher");
    OPENSSL_cleanse(key, s->key_len);
    if (rc != 0) {
        tls_aead_free(a);
        return -1;
    }
    a->suite = s;
    a->seq = 0;
    a->encrypt = encrypt;
    return 0;
}

/* rfc8446#5.3: "1. The 64-bit record sequence number is encoded in network
 * byte order and padded to the left with zeros to iv_length. 2. The padded
 * sequence number is XORed with either the static client_write_iv or
 * server_write_iv." */
static void record_nonce(const tls_aead *a, uint8_t nonce[TLS_AEAD_IV_LEN])
{
    memcpy(nonce, a->iv, TLS_AEAD_IV_LEN);
    for (int i = 0; i < 8; i++)
        nonce[TLS_AEAD_IV_LEN - 1 - i] ^= (uint8_t)(a->seq >> (8 * i));
}

/* rfc5288#3: the GCM nonce is the 4-byte salt from the key block followed
 * by the 8-byte nonce_explicit, which we take from the sequence number
 * (unique per key, as rfc5288#3 requires). */
static void explicit_nonce(const tls_aead *a, const uint8_t explicit_part[TLS12_EXPLICIT_NONCE_LEN],
                           uint8_t nonce[TLS_AEAD_IV_LEN])
{
    memcpy(nonce, a->iv, 4);
    memcpy(nonce + 4, explicit_part, TLS12_EXPLICIT_NONCE_LEN);
}

/* Sets the nonce and feeds the additional data; the common start of seal
 * and open. */
static int start_record_nonce(tls_aead *a, const uint8_t *aad, size_t aad_len, size_t len,
                              const uint8_t *explicit_part, tls_error *err)
{
    if (a->ctx == NULL || a->suite == NULL)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "record protection used before keying");
    /* rfc8446#5.3: "If a TLS implementation would need to wrap a sequence
     * number, it MUST either rekey or terminate the connection." */
    if (a->seq == UINT64_MAX)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR,
                        "record sequence number exhausted; the connection must end");
    if (len > INT_MAX || aad_len > INT_MAX)
        return tls_fail(err, TLS_ALERT_RECORD_OVERFLOW, "record too large to protect");

    uint8_t nonce[TLS_AEAD_IV_LEN];
    int outl = 0;
    if (explicit_part != NULL)
        explicit_nonce(a, explicit_part, nonce);
    else
        record_nonce(a, nonce);
    int ok = EVP_CipherInit_ex2(a->ctx, NULL, NULL, nonce, a->encrypt, NULL) == 1
             && EVP_CipherUpdate(a->ctx, NULL, &outl, aad, (int)aad_len) == 1;
    OPENSSL_cleanse(nonce, sizeof nonce);
    if (!ok)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "setting the record nonce");
    return 0;
}

static int start_record(tls_aead *a, const uint8_t *aad, size_t aad_len, size_t len,
                        tls_error *err)
{
    return start_record_nonce(a, aad, aad_len, len, NULL, err);
}

/* Encrypts in[0..len) followed by the optional content type byte into out
 * (which may be in itself). */
static int seal(tls_aead *a, const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                const uint8_t *type, uint8_t *out, uint8_t *tag, tls_error *err)
{
    if (!a->encrypt)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "sealing with a decryption context");
    size_t total = len + (type != NULL);
    if (start_record(a, aad, aad_len, total, err) != 0)
        return -1;
    int outl = 0, typel = 0, finl = 0;
    if ((len > 0 && EVP_CipherUpdate(a->ctx, out, &outl, in, (int)len) != 1)
        || (type != NULL && EVP_CipherUpdate(a->ctx, out + outl, &typel, type, 1) != 1)
        || EVP_CipherFinal_ex(a->ctx, out + outl + typel, &finl) != 1
        || (size_t)outl + (size_t)typel + (size_t)finl != total
        || EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, (int)a->suite->tag_len, tag) != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "encrypting a record");
    a->seq++;
    return 0;
}

int tls_aead_seal(tls_aead *a, const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len,
                  uint8_t *tag, tls_error *err)
{
    return seal(a, aad, aad_len, data, len, NULL, data, tag, err);
}

int tls_aead_seal_to(tls_aead *a, const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                     uint8_t type, uint8_t *out, uint8_t *tag, tls_error *err)
{
    return seal(a, aad, aad_len, in, len, &type, out, tag, err);
}

int tls_aead_open(tls_aead *a, const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len,
                  size_t *pt_len, tls_error *err)
{
    return tls_aead_open_to(a, aad, aad_len, data, len, data, pt_len, err);
}

int tls_aead_open_to(tls_aead *a, const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                     uint8_t *out, size_t *pt_len, tls_error *err)
{
    size_t tag_len = a->suite ? a->suite->tag_len : TLS_AEAD_TAG_LEN;
    if (a->encrypt)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "opening with an encryption context");
    /* rfc8446#5.2: "If the decryption fails, the receiver MUST terminate
     * the connection with a "bad_record_mac" alert." A record too short to
     * carry a tag cannot be authenticated either. */
    if (len < tag_len)
        return tls_fail(err, TLS_ALERT_BAD_RECORD_MAC,
                        "bad record MAC (record too short to hold an authentication tag)");
    size_t ct_len = len - tag_len;
    if (start_record(a, aad, aad_len, ct_len, err) != 0)
        return -1;
    int outl = 0, finl = 0;
    if (EVP_CipherUpdate(a->ctx, out, &outl, in, (int)ct_len) != 1
        || EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, (void *)(in + ct_len)) != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "decrypting a record");
    if (EVP_CipherFinal_ex(a->ctx, out + outl, &finl) != 1) {
        /* Never leave unauthenticated plaintext behind. */
        OPENSSL_cleanse(out, ct_len);
        ERR_clear_error();
        return tls_fail(err, TLS_ALERT_BAD_RECORD_MAC,
                        "bad record MAC (record could not be authenticated)");
    }
    *pt_len = ct_len;
    a->seq++;
    return 0;
}

/* ---- TLS 1.2 ------------------------------------------------------------ */

static int explicit_nonce_sent(const tls_suite *s) { return s->fixed_iv_len == 4; }

size_t tls12_aead_overhead(const tls_suite *s)
{
    return (explicit_nonce_sent(s) ? TLS12_EXPLICIT_NONCE_LEN : 0) + s->tag_len;
}

/* rfc5246#6.2.3.3: additional_data = seq_num + TLSCompressed.type +
 * TLSCompressed.version + TLSCompressed.length (of the plaintext). */
static void tls12_aad(uint64_t seq, uint8_t type, uint16_t version, size_t len, uint8_t aad[13])
{
    for (int i = 0; i < 8; i++)
        aad[i] = (uint8_t)(seq >> (56 - 8 * i));
    aad[8] = type;
    aad[9] = (uint8_t)(version >> 8);
    aad[10] = (uint8_t)version;
    aad[11] = (uint8_t)(len >> 8);
    aad[12] = (uint8_t)len;
}

int tls12_aead_seal(tls_aead *a, uint8_t type, uint16_t version, const uint8_t *in, size_t len,
                    uint8_t *out, tls_error *err)
{
    if (a->suite == NULL || !a->encrypt)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "record protection used before keying");
    uint8_t aad[13], explicit_part[TLS12_EXPLICIT_NONCE_LEN];
    const uint8_t *ep = NULL;
    tls12_aad(a->seq, type, version, len, aad);
    if (explicit_nonce_sent(a->suite)) {
        memcpy(explicit_part, aad, TLS12_EXPLICIT_NONCE_LEN);
        memcpy(out, explicit_part, TLS12_EXPLICIT_NONCE_LEN);
        out += TLS12_EXPLICIT_NONCE_LEN;
        ep = explicit_part;
    }
    if (start_record_nonce(a, aad, sizeof aad, len, ep, err) != 0)
        return -1;
    int outl = 0, finl = 0;
    if ((len > 0 && EVP_CipherUpdate(a->ctx, out, &outl, in, (int)len) != 1)
        || EVP_CipherFinal_ex(a->ctx, out + outl, &finl) != 1
        || (size_t)outl + (size_t)finl != len
        || EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, (int)a->suite->tag_len, out + len) != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "encrypting a record");
    a->seq++;
    return 0;
}

int tls12_aead_open(tls_aead *a, uint8_t type, uint16_t version, const uint8_t *in, size_t len,
                    uint8_t *out, size_t *pt_len, tls_error *err)
{
    if (a->suite == NULL || a->encrypt)
        return tls_fail(err, TLS_ALERT_INTERNAL_ERROR, "record protection used before keying");
    size_t overhead = tls12_aead_overhead(a->suite), tag_len = a->suite->tag_len;
    /* rfc5246#6.2.3.3: a record that cannot be authenticated is bad_record_mac. */
    if (len < overhead)
        return tls_fail(err, TLS_ALERT_BAD_RECORD_MAC,
                        "bad record MAC (record too short to hold a nonce and an authentication tag)");
    const uint8_t *ep = NULL;
    if (explicit_nonce_sent(a->suite)) {
        ep = in;
        in += TLS12_EXPLICIT_NONCE_LEN;
    }
    size_t ct_len = len - overhead;
    uint8_t aad[13];
    tls12_aad(a->seq, type, version, ct_len, aad);
    if (start_record_nonce(a, aad, sizeof aad, ct_len, ep, err) != 0)
        return -1;
    int outl = 0, finl = 0;
    if ((ct_len > 0 && EVP_CipherUpdate(a->ctx, out, &outl, in, (int)ct_len) != 1)
        || EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, (void *)(in + ct_len)) != 1)
        return tls_fail_crypto(err, TLS_ALERT_INTERNAL_ERROR, "decrypting a record");
    int authentic = EVP_CipherFinal_ex(a->ctx, out + outl, &finl) == 1;
    if (!authentic) {
        OPENSSL_cleanse(out, ct_len);
        ERR_clear_error();
        return tls_fail(err, TLS_ALERT_BAD_RECORD_MAC, "bad record MAC (record could not be authenticated)");
    }
    a->seq++;
    *pt_len = ct_len;
    return 0;
}

void tls_aead_free(tls_aead *a)
{
    EVP_CIPHER_CTX_free(a->ctx);
    a->ctx = NULL;
    a->suite = NULL;
    a->seq = 0;
    OPENSSL_cleanse(a->iv, sizeof a->iv);
}
