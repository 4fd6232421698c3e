/* Constant-time check of the server side of TLS 1.2 RSA key transport, by
 * the ctgrind technique (Adam Langley, 2010): valgrind memcheck reports any
 * conditional jump, and any memory address, computed from memory marked
 * undefined. `make test-ct` (mk/ct.mk) builds this program with our crypto
 * objects compiled with -DTLS_CTGRIND and runs it under memcheck with
 * --error-exitcode.
 *
 * What is watched. With TLS_CTGRIND, tls12_rsa_premaster_decrypt marks as
 * undefined the 48 bytes it receives from libcrypto's TLS-mode decryption
 * (which are the premaster or libcrypto's random substitute, depending on
 * the padding and version check) and its own random premaster, right after
 * EVP_PKEY_decrypt returns. From there on, everything our code does with
 * them is checked: the selection between them, the copies, the wiping, and
 * then what a server does next (here as the state machine will): the
 * master secret with and without EMS, the key block and both Finished
 * values. The outputs are declassified only at the end, to compare them
 * with the expected answers. Each kind of malformed premaster goes through
 * the same path as a good one: bad block type, missing leading zero, no
 * separator, a zero in the first 8 padding bytes, 47 and 49 bytes inside,
 * a wrong version, and ciphertexts of the wrong size or not below the
 * modulus.
 *
 * What it cannot see. libcrypto's own work before it hands the 48 bytes
 * over (the RSA private-key operation, and its padding and version check,
 * ossl_rsa_padding_check_PKCS1_type_2_TLS) runs on defined data: its
 * bignum code is not written to pass ctgrind, so we rely on having read it
 * (see csrc/crypto/tls12_rsa_kx.c) and on OpenSSL's own tests. memcheck
 * tracks data flow, not time: it does not see variable-time instructions
 * (a division by a secret, say) or cache effects inside libcrypto's SHA-2
 * and HMAC. It checks the machine code one compiler made at one -O level:
 * a conditional move on a secret is not reported (it is constant time in
 * itself; `x == 0 ? a : b` on a secret byte passed at -O2 as a cmov), and
 * the same source could become a branch elsewhere, so run it with each
 * compiler we ship with (make CC=clang BUILD=build-clang test-ct). The
 * public facts our code may branch on (the ciphertext's length, whether
 * libcrypto refused it) are not marked, by design.
 *
 * The check must be able to fail: built with -DCT_SELFTEST, the program
 * also branches on a premaster byte (ct_selftest_leak), and `make test-ct`
 * requires memcheck to report that branch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <valgrind/memcheck.h>

#include "crypto/tls12_crypto.h"

#ifndef TLS_CTGRIND
#error "build with -DTLS_CTGRIND (make test-ct), or nothing is watched"
#endif

#define MAX_K 512
#define PMS_LEN TLS12_PREMASTER_RSA_LEN

static EVP_PKEY *key;
static size_t k; /* modulus length in bytes */
static int failures;

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "rsa_kx_ct: %s: %s\n", what, detail);
    failures++;
}

static void die(const char *what)
{
    fprintf(stderr, "rsa_kx_ct: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static void nonzero_random(uint8_t *p, size_t n)
{
    if (RAND_bytes(p, (int)n) != 1)
        die("RAND_bytes failed");
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0)
            p[i] = 1;
}

/* rfc8017#7.2.1: EM = 00 || 02 || PS || 00 || M; head replaces 00 02. */
static void build_block(uint8_t *em, const uint8_t *msg, size_t msg_len, uint8_t h0, uint8_t h1)
{
    em[0] = h0;
    em[1] = h1;
    nonzero_random(em + 2, k - 3 - msg_len);
    em[k - 1 - msg_len] = 0;
    memcpy(em + k - msg_len, msg, msg_len);
}

static void raw_encrypt(const uint8_t *em, uint8_t *out)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    size_t len = k;
    if (ctx == NULL || EVP_PKEY_encrypt_init(ctx) != 1
        || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1
        || EVP_PKEY_encrypt(ctx, out, &len, em, k) != 1 || len != k)
        die("raw RSA encryption failed");
    EVP_PKEY_CTX_free(ctx);
}

#ifdef CT_SELFTEST
/* The bug the check exists to find: a branch on the premaster. */
static volatile int selftest_sink;
__attribute__((noinline)) static void ct_selftest_leak(const uint8_t *pms)
{
    if (pms[0] == 0x03)
        selftest_sink++;
}
#endif

/* What the server does with a decrypted premaster, all on secret data:
 * returns the (declassified) premaster in pms_out for the caller's checks. */
static void server_side(const char *name, const uint8_t *ct, size_t ct_len, uint8_t *pms_out)
{
    static const uint8_t client_random[32] = {1}, server_random[32] = {2};
    uint8_t session_hash[32] = {3}, th[32] = {4};
    uint8_t pms[PMS_LEN], master[TLS12_MASTER_LEN], master_ems[TLS12_MASTER_LEN];
    uint8_t fin_c[TLS12_VERIFY_DATA_LEN], fin_s[TLS12_VERIFY_DATA_LEN];
    tls12_key_block kb;
    TLS_ERROR_LOCAL(err);
    const EVP_MD *md = tls_crypto_sha(256);
    if (md == NULL)
        die("no SHA-256");

    tls_error_clear(&err);
    if (tls12_rsa_premaster_decrypt(key, ct, ct_len, 0x0303, pms, &err) != 0) {
        fail(name, err.reason);
        return;
    }

    /* The marking must have reached the output, or nothing was checked. */
    if (RUNNING_ON_VALGRIND) {
        uint8_t vbits[PMS_LEN];
        if (VALGRIND_GET_VBITS(pms, vbits, sizeof vbits) != 1)
            die("VALGRIND_GET_VBITS failed");
        for (size_t i = 0; i < PMS_LEN; i++)
            if (vbits[i] != 0xff) {
                fail(name, "the premaster left tls12_rsa_premaster_decrypt marked defined");
                break;
            }
    }
#ifdef CT_SELFTEST
    ct_selftest_leak(pms);
#endif

    if (tls12_master_secret(md, pms, PMS_LEN, 0, client_random, server_random, NULL, 0, master,
                            &err)
            != 0
        || tls12_master_secret(md, pms, PMS_LEN, 1, NULL, NULL, session_hash, sizeof session_hash,
                               master_ems, &err)
               != 0
        || tls12_key_block_derive(md, 16, 4, master_ems, client_random, server_random, &kb, &err)
               != 0
        || tls12_finished(md, master_ems, 0, th, sizeof th, fin_c, &err) != 0
        || tls12_finished(md, master_ems, 1, th, sizeof th, fin_s, &err) != 0) {
        fail(name, err.reason);
        return;
    }

    /* Public from here: what goes on the wire is a function of these. */
    TLS_CT_DECLASSIFY(pms, sizeof pms);
    TLS_CT_DECLASSIFY(master, sizeof master);
    TLS_CT_DECLASSIFY(fin_c, sizeof fin_c);
    TLS_CT_DECLASSIFY(fin_s, sizeof fin_s);
    memcpy(pms_out, pms, PMS_LEN);
    tls12_key_block_wipe(&kb);
    OPENSSL_cleanse(pms, sizeof pms);
    OPENSSL_cleanse(master, sizeof master);
    OPENSSL_cleanse(master_ems, sizeof master_ems);
}

static void expect(const char *name, const uint8_t *ct, size_t ct_len, const uint8_t *real, int good)
{
    uint8_t a[PMS_LEN], b[PMS_LEN];
    memset(a, 0, sizeof a);
    memset(b, 0xee, sizeof b);
    server_side(name, ct, ct_len, a);
    server_side(name, ct, ct_len, b);
    if (good) {
        if (memcmp(a, real, PMS_LEN) != 0 || memcmp(b, real, PMS_LEN) != 0)
            fail(name, "did not decrypt to the premaster");
    } else if (memcmp(a, real, PMS_LEN) == 0 || memcmp(b, real, PMS_LEN) == 0
               || memcmp(a, b, PMS_LEN) == 0) {
        fail(name, "did not give a random premaster");
    }
    printf("%-34s %s\n", name, good ? "decrypted" : "random premaster");
}

int main(void)
{
    uint8_t pms[PMS_LEN], em[MAX_K], ct[MAX_K + 1], msg[PMS_LEN + 1];

    if (tls_crypto_init() != 0)
        die("tls_crypto_init failed");
    key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (key == NULL)
        die("RSA key generation failed");
    k = (size_t)EVP_PKEY_get_size(key);
    if (k > MAX_K)
        die("modulus too large");
    if (!RUNNING_ON_VALGRIND)
        printf("rsa_kx_ct: not under valgrind: functional checks only\n");

    pms[0] = 3;
    pms[1] = 3;
    if (RAND_bytes(pms + 2, PMS_LEN - 2) != 1)
        die("RAND_bytes failed");

    build_block(em, pms, PMS_LEN, 0, 2);
    raw_encrypt(em, ct);
    expect("well-formed", ct, k, pms, 1);

    build_block(em, pms, PMS_LEN, 0, 1);
    raw_encrypt(em, ct);
    expect("block type 1", ct, k, pms, 0);

    build_block(em, pms, PMS_LEN, 1, 2);
    raw_encrypt(em, ct);
    expect("no leading zero", ct, k, pms, 0);

    build_block(em, pms, PMS_LEN, 0, 2);
    em[k - 1 - PMS_LEN] = 0x5a; /* the separator */
    raw_encrypt(em, ct);
    expect("no separator", ct, k, pms, 0);

    build_block(em, pms, PMS_LEN, 0, 2);
    em[6] = 0; /* a zero among the first 8 padding bytes */
    raw_encrypt(em, ct);
    expect("zero in the first 8 padding bytes", ct, k, pms, 0);

    build_block(em, pms, PMS_LEN - 1, 0, 2);
    raw_encrypt(em, ct);
    expect("47 bytes inside", ct, k, pms, 0);

    memcpy(msg, pms, PMS_LEN);
    msg[PMS_LEN] = 7;
    build_block(em, msg, PMS_LEN + 1, 0, 2);
    raw_encrypt(em, ct);
    expect("49 bytes inside", ct, k, pms, 0);

    msg[0] = 0;
    memcpy(msg + 1, pms, PMS_LEN);
    build_block(em, msg, PMS_LEN + 1, 0, 2);
    raw_encrypt(em, ct);
    expect("49 bytes inside, the first zero", ct, k, pms, 0);

    memcpy(msg, pms, PMS_LEN);
    msg[1] = 2; /* TLS 1.1 */
    build_block(em, msg, PMS_LEN, 0, 2);
    raw_encrypt(em, ct);
    expect("wrong version", ct, k, pms, 0);

    build_block(em, pms, PMS_LEN, 0, 2);
    raw_encrypt(em, ct);
    expect("ciphertext one byte short", ct + 1, k - 1, pms, 0);
    ct[k] = 0;
    expect("ciphertext one byte long", ct, k + 1, pms, 0);
    expect("empty ciphertext", ct, 0, pms, 0);
    memset(ct, 0xff, k);
    expect("ciphertext not below the modulus", ct, k, pms, 0);

    EVP_PKEY_free(key);
    OPENSSL_cleanse(pms, sizeof pms);
    if (failures) {
        fprintf(stderr, "rsa_kx_ct: %d failures\n", failures);
        return 1;
    }
    printf("rsa_kx_ct: every case went through the same checked path\n");
    return 0;
}
