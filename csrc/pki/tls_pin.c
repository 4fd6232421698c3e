/* Public key pinning (pin option): SHA-256 of the DER SubjectPublicKeyInfo,
 * compared with the pins of the config after the chain was verified. The
 * hash covers the whole DER SubjectPublicKeyInfo, as `openssl x509 -pubkey
 * | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary |
 * base64` does. */
#include "pki/tls_pin.h"

#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/tls_crypto.h"
#include "util/tls_consts.h"

#define NO_ALERT (-1)
/* base64 of 32 bytes: 43 characters and one '=' of padding. */
#define PIN_B64_LEN 44

static int is_b64(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '+' || ch == '/';
}

static int bad_pin(tls_error *err, const char *pin, size_t len, const char *why)
{
    char shown[80];
    size_t n = len < 60 ? len : 60;
    /* The user's own text, but it goes into a message: no control characters. */
    for (size_t i = 0; i < n; i++)
        shown[i] = (pin[i] >= 0x20 && pin[i] < 0x7f) ? pin[i] : '?';
    shown[n] = '\0';
    return tls_fail(err, NO_ALERT,
                    "pin: '%s%s' is not a pin (%s): expected \"sha256/\" followed by the base64 of "
                    "the SHA-256 hash of a SubjectPublicKeyInfo (44 characters)",
                    shown, len > n ? "..." : "", why);
}

int tls_config_add_pin(tls_config *c, const char *pin, size_t len, tls_error *err)
{
    const char *b64 = pin;
    size_t b64_len = len;
    /* curl's "sha256//" form, told from ours by its length: a base64
     * hash may itself start with '/' ("sha256/" + "/..." is ours). */
    if (len == 8 + PIN_B64_LEN && memcmp(pin, "sha256//", 8) == 0)
        b64 += 8, b64_len -= 8;
    else if (len >= 7 && memcmp(pin, "sha256/", 7) == 0)
        b64 += 7, b64_len -= 7;
    else
        return bad_pin(err, pin, len, "it does not start with \"sha256/\"");
    if (b64_len != PIN_B64_LEN)
        return bad_pin(err, pin, len, "wrong length");
    for (size_t i = 0; i < PIN_B64_LEN - 1; i++)
        if (!is_b64((unsigned char)b64[i]))
            return bad_pin(err, pin, len, "not base64");
    if (b64[PIN_B64_LEN - 1] != '=')
        return bad_pin(err, pin, len, "not base64 of 32 bytes");
    unsigned char raw[PIN_B64_LEN]; /* EVP_DecodeBlock writes 33 bytes with the padding */
    if (EVP_DecodeBlock(raw, (const unsigned char *)b64, PIN_B64_LEN) != 33) {
        ERR_clear_error();
        return bad_pin(err, pin, len, "not base64");
    }
    if (c->n_pins >= TLS_MAX_PINS)
        return tls_fail(err, NO_ALERT, "pin: at most %d pins per context", TLS_MAX_PINS);
    for (size_t i = 0; i < c->n_pins; i++)
        if (memcmp(c->pins[i], raw, TLS_PIN_LEN) == 0)
            return 0;
    memcpy(c->pins[c->n_pins++], raw, TLS_PIN_LEN);
    return 0;
}

/* Not X509_pubkey_digest, which hashes only the key's BIT STRING: a pin
 * covers the algorithm too (rfc7469#2.4). Run for each handshake of a
 * context with pins: the module's prefetched SHA-256, no provider fetch. */
int tls_spki_sha256(X509 *cert, unsigned char out[TLS_PIN_LEN])
{
    unsigned char *der = NULL;
    unsigned int md_len = 0;
    int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    int ok = len > 0 && EVP_Digest(der, (size_t)len, out, &md_len, tls_crypto_sha(256), NULL) &&
             md_len == TLS_PIN_LEN;
    OPENSSL_free(der);
    ERR_clear_error();
    return ok ? 0 : -1;
}

int tls_pin_of(X509 *cert, char *out, size_t size)
{
    unsigned char md[TLS_PIN_LEN], b64[PIN_B64_LEN + 1];
    if (tls_spki_sha256(cert, md) != 0)
        return -1;
    EVP_EncodeBlock(b64, md, TLS_PIN_LEN);
    snprintf(out, size, "sha256/%s", (const char *)b64);
    return 0;
}

static int pinned(const tls_config *c, X509 *cert)
{
    unsigned char md[TLS_PIN_LEN];
    if (tls_spki_sha256(cert, md) != 0)
        return 0;
    for (size_t i = 0; i < c->n_pins; i++)
        if (CRYPTO_memcmp(c->pins[i], md, TLS_PIN_LEN) == 0)
            return 1;
    return 0;
}

int tls_pin_check(const tls_config *c, STACK_OF(X509) *candidates, X509 *leaf, tls_error *err)
{
    if (c->n_pins == 0)
        return 0;
    if (candidates == NULL) {
        if (pinned(c, leaf))
            return 0;
    } else {
        for (int i = 0; i < sk_X509_num(candidates); i++)
            if (pinned(c, sk_X509_value(candidates, i)))
                return 0;
    }
    char leaf_pin[64];
    if (tls_pin_of(leaf, leaf_pin, sizeof leaf_pin) != 0)
        snprintf(leaf_pin, sizeof leaf_pin, "(unknown)");
    return tls_fail(err, TLS_ALERT_BAD_CERTIFICATE,
                    "public key pin mismatch: no key of the %s matches option 'pin' (the "
                    "certificate's own pin is %s)",
                    candidates == NULL ? "certificate (an unverified chain: only its leaf counts)"
                                       : "verified chain",
                    leaf_pin);
}
