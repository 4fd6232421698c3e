/* Configuration shared by connections: our chain and key, the trust store
 * and the algorithm lists. Everything that reads PEM goes through
 * libcrypto's PEM_read_bio_* and X509_STORE loaders; messages name the
 * option and, for files, the path. Configuration errors carry no alert
 * (-1): they are reported to the Lua caller, never sent to a peer. */
#include "pki/tls_config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "pki/tls_x509.h"
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/proverr.h>
#include <openssl/rand.h>
#include <openssl/x509_vfy.h>

#include "util/tls_consts.h"
#include "util/tls_file.h"
#include "crypto/tls_crypto.h"
#include "util/tls_names.h"

#define NO_ALERT (-1)

/* TLS 1.3 suites, then the TLS 1.2 ECDHE ones with AEAD (rfc9325#4.2
 * recommends these). RSA key transport (TLS_RSA_WITH_*) has no forward
 * secrecy: only when named in `ciphers`. */
static const uint16_t default_suites[] = {
    TLS_AES_128_GCM_SHA256,
    TLS_AES_256_GCM_SHA384,
    TLS_CHACHA20_POLY1305_SHA256,
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

/* What a client offers unless told otherwise (groups[0] gets the key share).
 * secp521r1 is listed (never a key share) because in TLS 1.2 the list also
 * names the curves a server's ECDSA certificate may use (rfc8422#5.1, #5.3:
 * "The public key MUST use a curve and point format supported by the
 * client"): without it a TLS 1.2 server holding only a P-521 certificate,
 * whose ecdsa_secp521r1_sha512 we verify, has nothing to offer us. */
static const uint16_t default_groups[] = {
    TLS_GROUP_X25519,
    TLS_GROUP_SECP256R1,
    TLS_GROUP_SECP384R1,
    TLS_GROUP_SECP521R1,
};

/* A server accepts every elliptic-curve group and the two cheaper
 * finite-field ones, ECDHE first. ffdhe4096 to ffdhe8192 are on request
 * only: a client that names one makes the server pay 10 to 45 ms of CPU
 * for a ClientHello that costs the client nothing. */
static const uint16_t default_server_groups[] = {
    TLS_GROUP_X25519,
    TLS_GROUP_SECP256R1,
    TLS_GROUP_SECP384R1,
    TLS_GROUP_X448,
    TLS_GROUP_SECP521R1,
    TLS_GROUP_FFDHE2048,
    TLS_GROUP_FFDHE3072,
};

/* rfc8446#4.2.3 schemes for handshake signatures, in preference order;
 * rsa_pkcs1_* sign only TLS 1.2 ServerKeyExchange (and certificates).
 * rsa_pss_pss_* are for RSASSA-PSS (id-RSASSA-PSS) certificate keys, which
 * OpenSSL's and GnuTLS's clients accept by default: without them a server
 * with such a certificate finds nothing in common with ours. No key fits
 * both an rsae and a pss scheme, so their places relative to each other
 * never decide a choice; they follow rsae, the common case, and the rest
 * keeps its order. */
static const uint16_t default_sigalgs[] = {
    TLS_SIG_ECDSA_SECP256R1_SHA256,
    TLS_SIG_ECDSA_SECP384R1_SHA384,
    TLS_SIG_ECDSA_SECP521R1_SHA512,
    TLS_SIG_RSA_PSS_RSAE_SHA256,
    TLS_SIG_RSA_PSS_RSAE_SHA384,
    TLS_SIG_RSA_PSS_RSAE_SHA512,
    TLS_SIG_RSA_PSS_PSS_SHA256,
    TLS_SIG_RSA_PSS_PSS_SHA384,
    TLS_SIG_RSA_PSS_PSS_SHA512,
    TLS_SIG_ED25519,
    TLS_SIG_RSA_PKCS1_SHA256,
    TLS_SIG_RSA_PKCS1_SHA384,
    TLS_SIG_RSA_PKCS1_SHA512,
};

/* The schemes tls_sig.c can both produce and check; a user may ask for
 * these by name. */
static const uint16_t implemented_sigalgs[] = {
    TLS_SIG_ECDSA_SECP256R1_SHA256,
    TLS_SIG_ECDSA_SECP384R1_SHA384,
    TLS_SIG_ECDSA_SECP521R1_SHA512,
    TLS_SIG_RSA_PSS_RSAE_SHA256,
    TLS_SIG_RSA_PSS_RSAE_SHA384,
    TLS_SIG_RSA_PSS_RSAE_SHA512,
    TLS_SIG_RSA_PSS_PSS_SHA256,
    TLS_SIG_RSA_PSS_PSS_SHA384,
    TLS_SIG_RSA_PSS_PSS_SHA512,
    TLS_SIG_ED25519,
    TLS_SIG_RSA_PKCS1_SHA256,
    TLS_SIG_RSA_PKCS1_SHA384,
    TLS_SIG_RSA_PKCS1_SHA512,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

tls_config *tls_config_new(int is_server)
{
    tls_config *c = OPENSSL_zalloc(sizeof *c);
    if (c == NULL)
        return NULL;
    c->refs = 1;
    c->is_server = is_server != 0;
    c->verify = c->is_server ? TLS_VERIFY_NONE : TLS_VERIFY_PEER;
    c->security_level = TLS_DEFAULT_SECURITY_LEVEL;
    c->min_version = TLS_VERSION_12;
    c->max_version = TLS_VERSION_13;
    c->require_ems = 1;
    c->tickets = 2;
    c->ticket_lifetime = 7200;
    c->max_early_data = 16384;
    for (size_t i = 0; i < TLS_MAX_IDENTITIES; i++)
        tls_buf_init(&c->ids[i].cert_entries);
    tls_buf_init(&c->alpn);
    memcpy(c->suites, default_suites, sizeof default_suites);
    c->n_suites = COUNT(default_suites);
    if (c->is_server) {
        memcpy(c->groups, default_server_groups, sizeof default_server_groups);
        c->n_groups = COUNT(default_server_groups);
    } else {
        memcpy(c->groups, default_groups, sizeof default_groups);
        c->n_groups = COUNT(default_groups);
    }
    memcpy(c->sigalgs, default_sigalgs, sizeof default_sigalgs);
    c->n_sigalgs = COUNT(default_sigalgs);
    return c;
}

uint64_t tls_config_now_ms(const tls_config *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + c->clock_offset_ms;
    return ms > 0 ? (uint64_t)ms : 0;
}

void tls_config_ref(tls_config *c)
{
    if (c != NULL)
        c->refs++;
}

void tls_config_unref(tls_config *c)
{
    if (c == NULL || --c->refs > 0)
        return;
    tls_cert_cache_clear(c);
    tls_session_memo_clear(c);
    X509_STORE_free(c->store);
    tls_buf_free(&c->ocsp_response);
    for (size_t i = 0; i < TLS_MAX_IDENTITIES; i++) {
        sk_X509_pop_free(c->ids[i].chain, X509_free);
        tls_sig_forget(c->ids[i].key);
        EVP_PKEY_free(c->ids[i].key);
        tls_buf_free(&c->ids[i].cert_entries);
    }
    tls_buf_free(&c->alpn);
    tls_ticket_keys_wipe(&c->ticket_keys);
    tls_keylog_file_close(c);
    OPENSSL_free(c);
}

/* ---- Reading PEM from text or a file ------------------------------------ */

/* The most a certificate or key file may hold. The largest PEM key (RSA
 * 16384) is 13 KiB and a chain of ten certificates under 100 KiB, even with
 * the text some tools write before each PEM block: a file larger than this
 * is not one (/dev/zero, a log or a disk image named by mistake), and
 * reading it whole would take that much memory first. */
#define IDENTITY_FILE_MAX (4 * 1024 * 1024)

/* Opens src as a BIO: the PEM text itself, or the bytes of the file it
 * names, read once into file (util/tls_file.h: a regular file or a FIFO,
 * at most IDENTITY_FILE_MAX bytes; its fstat in *st). The caller frees
 * file after the BIO (tls_buf_free wipes a key's bytes). */
static BIO *open_source(const char *what, const char *src, size_t len, int is_path, tls_buf *file,
                        struct stat *st, tls_error *err)
{
    BIO *bio;
    if (!is_path) {
        bio = BIO_new_mem_buf(src, (int)len);
        if (bio == NULL)
            tls_fail_crypto(err, NO_ALERT, what);
        return bio;
    }
    int rc = tls_file_read(what, src, len, IDENTITY_FILE_MAX, file, st, err);
    if (rc == TLS_FILE_TOO_LARGE) {
        tls_error_clear(err); /* the first failure's words would win */
        tls_fail(err, -1, "%s: %s is larger than %d MiB, which no certificate chain or private key is: "
                 "is it the right file?", what, src, IDENTITY_FILE_MAX / (1024 * 1024));
    }
    if (rc != 0)
        return NULL;
    bio = BIO_new_mem_buf(file->data, (int)file->len);
    if (bio == NULL)
        tls_fail_crypto(err, NO_ALERT, what);
    return bio;
}

/* "in /path/to/file" or "in PEM text", for messages. */
static const char *source_name(const char *src, int is_path)
{
    return is_path ? src : "the PEM text";
}

/* True when the last libcrypto error only says there was no more PEM. */
static int error_is_end_of_pem(void)
{
    unsigned long e = ERR_peek_last_error();
    return e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
}

static void crypto_detail(char *out, size_t size)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;
    snprintf(out, size, "%s", r != NULL ? r : "unreadable data");
    ERR_clear_error();
}

/* ---- Our chain and key ----------------------------------------------------- */

/* The key kinds we sign handshakes with: ECDSA on P-256/P-384/P-521, RSA of at
 * least 2048 bits (RSASSA-PSS), Ed25519. */
static int check_key_kind(EVP_PKEY *key, tls_error *err)
{
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = "";
        size_t glen = 0;
        if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                            sizeof group, &glen)) {
            ERR_clear_error();
            return tls_fail(err, NO_ALERT, "key: EC key on an unnamed curve is not supported");
        }
        if (strcmp(group, "prime256v1") == 0 || strcmp(group, "secp384r1") == 0
            || strcmp(group, "secp521r1") == 0)
            return 0;
        return tls_fail(err, NO_ALERT,
                        "key: EC curve %s is not supported (use P-256, P-384 or P-521)", group);
    }
    if (EVP_PKEY_is_a(key, "RSA")) {
        int bits = EVP_PKEY_get_bits(key);
        if (bits >= 2048)
            return 0;
        return tls_fail(err, NO_ALERT, "key: RSA key of %d bits is too small (need 2048 or more)",
                        bits);
    }
    if (EVP_PKEY_is_a(key, "ED25519"))
        return 0;
    return tls_fail(err, NO_ALERT, "key: %s keys are not supported (use EC, RSA or Ed25519)",
                    EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "such");
}

static int check_key_matches_leaf(X509 *leaf, EVP_PKEY *key, tls_error *err)
{
    if (X509_check_private_key(leaf, key) == 1)
        return 0;
    ERR_clear_error();
    return tls_fail(err, NO_ALERT, "key does not match the certificate");
}

/* certificate_list entries of rfc8446#4.4.2: opaque cert_data<1..2^24-1>
 * followed by Extension extensions<0..2^16-1> (empty). */
static int encode_cert_entries(tls_identity *id, tls_error *err)
{
    tls_buf_clear(&id->cert_entries);
    for (int i = 0; i < sk_X509_num(id->chain); i++) {
        X509 *cert = sk_X509_value(id->chain, i);
        int der_len = i2d_X509(cert, NULL);
        if (der_len <= 0 || der_len > 0xffffff)
            return tls_fail_crypto(err, NO_ALERT, "certificate: cannot encode");
        tls_buf_u24(&id->cert_entries, (uint32_t)der_len);
        uint8_t *p = tls_buf_extend(&id->cert_entries, (size_t)der_len);
        if (p == NULL)
            break;
        if (i2d_X509(cert, &p) != der_len)
            return tls_fail_crypto(err, NO_ALERT, "certificate: cannot encode");
        tls_buf_u16(&id->cert_entries, 0);
    }
    if (!tls_buf_ok(&id->cert_entries))
        return tls_fail(err, NO_ALERT, "certificate: out of memory");
    return 0;
}

/* The pair being filled, or NULL (with err set) when the config is full. */
static tls_identity *pending_identity(tls_config *c, tls_error *err)
{
    if (c->n_ids >= TLS_MAX_IDENTITIES) {
        tls_fail(err, NO_ALERT, "certificate: at most %d certificate/key pairs per context",
                 TLS_MAX_IDENTITIES);
        return NULL;
    }
    return &c->ids[c->n_ids];
}

/* rfc5280#4.2.1.3 with rfc5246#7.4.2 and rfc8446#4.4.2.2: a leaf whose
 * keyUsage lacks keyEncipherment must not take an RSA premaster, one that
 * lacks digitalSignature must not sign the handshake (GnuTLS and our own
 * client refuse either). Pair choice keeps each away from what its leaf
 * does not allow; tls_config_check refuses pairs that allow nothing. */
static void read_own_key_usage(tls_identity *id)
{
    X509 *leaf = sk_X509_value(id->chain, 0);
    int any = !(X509_get_extension_flags(leaf) & EXFLAG_KUSAGE);
    uint32_t usage = X509_get_key_usage(leaf);
    id->can_encipher = any || (usage & KU_KEY_ENCIPHERMENT) != 0;
    id->can_sign = any || (usage & KU_DIGITAL_SIGNATURE) != 0;
    /* rfc5280#4.2.1.12: clients refuse a server certificate whose
     * extendedKeyUsage names neither serverAuth nor anyExtendedKeyUsage. */
    id->for_servers = !(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) ||
                      (X509_get_extended_key_usage(leaf) & (XKU_SSL_SERVER | XKU_ANYEKU)) != 0;
}

static void complete_identity(tls_config *c)
{
    tls_identity *id = &c->ids[c->n_ids];
    if (id->chain == NULL || id->key == NULL)
        return;
    read_own_key_usage(id);
    c->n_ids++;
}

int tls_config_set_chain(tls_config *c, const char *src, size_t len, int is_path, tls_error *err)
{
    tls_identity *id = pending_identity(c, err);
    if (id == NULL)
        return -1;
    tls_buf file;
    tls_buf_init(&file);
    BIO *bio = open_source("certificate", src, len, is_path, &file, NULL, err);
    if (bio == NULL) {
        tls_buf_free(&file);
        return -1;
    }
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (chain == NULL) {
        BIO_free(bio);
        tls_buf_free(&file);
        return tls_fail_crypto(err, NO_ALERT, "certificate");
    }
    ERR_clear_error();
    X509 *cert;
    while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(chain, cert)) {
            X509_free(cert);
            goto fail_crypto;
        }
    }
    if (!error_is_end_of_pem()) {
        char detail[120];
        crypto_detail(detail, sizeof detail);
        tls_fail(err, NO_ALERT, "certificate: bad PEM in %s: %s", source_name(src, is_path),
                 detail);
        goto fail;
    }
    ERR_clear_error();
    if (sk_X509_num(chain) == 0) {
        tls_fail(err, NO_ALERT, "certificate: no certificate found in %s",
                 source_name(src, is_path));
        goto fail;
    }
    if (id->key != NULL && check_key_matches_leaf(sk_X509_value(chain, 0), id->key, err) != 0)
        goto fail;
    BIO_free(bio);
    tls_buf_free(&file);
    sk_X509_pop_free(id->chain, X509_free);
    id->chain = chain;
    if (encode_cert_entries(id, err) != 0)
        return -1;
    complete_identity(c);
    return 0;

fail_crypto:
    tls_fail_crypto(err, NO_ALERT, "certificate");
fail:
    BIO_free(bio);
    tls_buf_free(&file);
    sk_X509_pop_free(chain, X509_free);
    return -1;
}

/* What the password callback is given, and whether libcrypto asked for
 * it: only for an encrypted key. */
typedef struct {
    const char *password;
    int asked;
} password_use;

/* Never lets libcrypto prompt on the terminal: without a password an
 * encrypted key simply fails to load. */
static int password_callback(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    password_use *use = u;
    use->asked = 1;
    const char *password = use->password;
    if (password == NULL)
        return -1;
    size_t n = strlen(password);
    if (n > (size_t)size)
        return -1;
    memcpy(buf, password, n);
    return (int)n;
}

enum { KEY_NOT_FOUND, KEY_NEEDS_PASSWORD, KEY_BAD_PASSWORD };

/* Why PEM_read_bio_PrivateKey failed, from libcrypto's error queue (which
 * it empties): the decoders report a missing or wrong password in several
 * libraries, so every entry is looked at. */
static int key_failure_reason(void)
{
    int why = KEY_NOT_FOUND;
    unsigned long e;
    while ((e = ERR_get_error()) != 0) {
        int lib = ERR_GET_LIB(e), reason = ERR_GET_REASON(e);
        if (lib == ERR_LIB_PEM &&
            (reason == PEM_R_BAD_PASSWORD_READ || reason == PEM_R_PROBLEMS_GETTING_PASSWORD))
            return KEY_NEEDS_PASSWORD;
        if ((lib == ERR_LIB_PEM && reason == PEM_R_BAD_DECRYPT) ||
            (lib == ERR_LIB_PROV && reason == PROV_R_BAD_DECRYPT) ||
            (lib == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT))
            why = KEY_BAD_PASSWORD;
    }
    return why;
}

int tls_key_is_encrypted(const char *src, size_t len, int is_path)
{
    /* A named pipe (or any file that is not a regular one) can be read only
     * once, and tls_config_set_key reads it next: taken as asking, so that a
     * password given goes on (a plain key is then refused, with its reason). */
    struct stat st;
    if (is_path && (stat(src, &st) != 0 || !S_ISREG(st.st_mode)))
        return 1;
    tls_buf file;
    tls_buf_init(&file);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    BIO *bio = open_source("key", src, len, is_path, &file, NULL, &err);
    if (bio == NULL) {
        tls_buf_free(&file);
        return 0;
    }
    /* No password: an encrypted key asks for one and fails to load. */
    password_use use = {NULL, 0};
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, password_callback, &use);
    EVP_PKEY_free(key);
    BIO_free(bio);
    tls_buf_free(&file);
    ERR_clear_error();
    return use.asked;
}

int tls_config_set_key(tls_config *c, const char *src, size_t len, int is_path,
                       const char *password, tls_error *err)
{
    tls_identity *id = pending_identity(c, err);
    if (id == NULL)
        return -1;
    tls_buf file;
    tls_buf_init(&file);
    struct stat st;
    memset(&st, 0, sizeof st);
    BIO *bio = open_source("key", src, len, is_path, &file, &st, err);
    if (bio == NULL) {
        tls_buf_free(&file);
        return -1;
    }
    ERR_clear_error();
    password_use use = {password, 0};
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, password_callback, &use);
    BIO_free(bio);
    tls_buf_free(&file);
    /* For the caller's warning (lua_context.c): a key file others can read. */
    c->key_file_mode = is_path && S_ISREG(st.st_mode) ? (unsigned)(st.st_mode & 07777) : 0;
    if (key == NULL) {
        int why = key_failure_reason();
        if (why == KEY_NEEDS_PASSWORD)
            return tls_fail(err, NO_ALERT, "key: %s is encrypted and no password was given",
                            source_name(src, is_path));
        if (why == KEY_BAD_PASSWORD)
            return tls_fail(err, NO_ALERT, "key: wrong password for %s",
                            source_name(src, is_path));
        return tls_fail(err, NO_ALERT, "key: no private key found in %s (not a private key, "
                        "or a wrong password)", source_name(src, is_path));
    }
    /* A password that opened nothing: the program believes the key is
     * kept encrypted where it is plain text. */
    if (password != NULL && !use.asked) {
        EVP_PKEY_free(key);
        return tls_fail(err, NO_ALERT, "key: %s is not encrypted, but a password was given (leave 'password' "
                        "out, or encrypt the key)", source_name(src, is_path));
    }
    if (check_key_kind(key, err) != 0 ||
        (id->chain != NULL && check_key_matches_leaf(sk_X509_value(id->chain, 0), key, err) != 0)) {
        EVP_PKEY_free(key);
        return -1;
    }
    tls_sig_forget(id->key);
    EVP_PKEY_free(id->key);
    id->key = key;
    tls_sig_keep(key);
    complete_identity(c);
    return 0;
}

/* ---- What a peer is verified under ------------------------------------------ */

/* A digest that failed (out of memory): random, so that it matches no
 * session's digest, nor another failure's. */
static void unmatched(uint8_t out[TLS_VERIFY_DIGEST_LEN])
{
    if (RAND_bytes(out, TLS_VERIFY_DIGEST_LEN) != 1)
        memset(out, 0xff, TLS_VERIFY_DIGEST_LEN);
}

/* trust_digest = SHA-256(trust_digest || kind || NUL || what): PEM text as
 * given, a file's bytes as read once for libcrypto (read_trust_file: its
 * content, not its path, is what verifies), or a directory's path (read
 * lazily by libcrypto). SHA-256 is the module's prefetched digest
 * (tls_crypto_sha): no provider fetch per call. Feeding fails quietly: a
 * digest that no session matches only costs a full handshake. */
static void trust_feed(tls_config *c, const char *kind, const void *what, size_t len)
{
    const EVP_MD *sha256 = tls_crypto_sha(256);
    EVP_MD_CTX *md = sha256 != NULL ? EVP_MD_CTX_new() : NULL;
    int ok = md != NULL && EVP_DigestInit_ex2(md, sha256, NULL) == 1
             && EVP_DigestUpdate(md, c->trust_digest, sizeof c->trust_digest) == 1
             && EVP_DigestUpdate(md, kind, strlen(kind) + 1) == 1
             && EVP_DigestUpdate(md, what, len) == 1;
    unsigned out_len = 0;
    if (!ok || EVP_DigestFinal_ex(md, c->trust_digest, &out_len) != 1)
        unmatched(c->trust_digest);
    EVP_MD_CTX_free(md);
}

/* The most a trust file may hold. A bundle of every public CA is about
 * 200 KiB, a large CA's CRL a few MiB: a file larger than this is not a
 * trust file (/dev/zero, a log named by mistake), and reading all of it
 * (up to 2 GiB before) would take that much memory first. */
#define TRUST_FILE_MAX (64 * 1024 * 1024)

/* The whole of a trust file (ca, crl) in out, read once: the bytes
 * libcrypto loads are the bytes trust_feed digests. A FIFO is read as
 * any file (to its end, within the same limit). */
static int read_trust_file(const char *what, const char *path, size_t len, tls_buf *out, tls_error *err)
{
    int rc = tls_file_read(what, path, len, TRUST_FILE_MAX, out, NULL, err);
    if (rc == TLS_FILE_TOO_LARGE) {
        tls_error_clear(err); /* the first failure's words would win */
        return tls_fail(err, -1, "%s: %s is larger than %d MiB, which no CA bundle or CRL is "
                        "(a bundle of every public CA is about 200 KiB): is it the right file?",
                        what, path, TRUST_FILE_MAX / (1024 * 1024));
    }
    return rc;
}

void tls_config_verify_digest(const tls_verify_settings *c, const uint8_t *verify_fn_id,
                              uint8_t out[TLS_VERIFY_DIGEST_LEN], tls_verify_memo *memo)
{
    /* Fixed-width, fixed-order fields after a label naming this layout;
     * without a verify function the same bytes as before functions had an
     * identity (those sessions still resume). */
    uint8_t in[TLS_VERIFY_INPUT_MAX];
    static const char label[] = "luatls verification settings 1";
    size_t n = 0;
    memcpy(in, label, sizeof label);
    n += sizeof label;
    memcpy(in + n, c->trust_digest, sizeof c->trust_digest);
    n += sizeof c->trust_digest;
    in[n++] = (uint8_t)c->verify;
    in[n++] = (uint8_t)(c->verify_chain_only != 0);
    in[n++] = (uint8_t)c->security_level;
    in[n++] = (uint8_t)c->crl_check;
    /* off, on and "require" apart: under ocsp = true a stapled response is
     * checked (and a must-staple leaf needs one, RFC 7633), which a
     * session made under ocsp = false never did. */
    in[n++] = (uint8_t)c->ocsp;
    in[n++] = (uint8_t)(verify_fn_id != NULL);
    if (verify_fn_id != NULL) {
        memcpy(in + n, verify_fn_id, TLS_VERIFY_DIGEST_LEN);
        n += TLS_VERIFY_DIGEST_LEN;
    }
    if (memo != NULL && memo->len == n && memcmp(memo->in, in, n) == 0) {
        memcpy(out, memo->out, TLS_VERIFY_DIGEST_LEN);
        return;
    }
    if (EVP_Digest(in, n, out, NULL, tls_crypto_sha(256), NULL) != 1) {
        unmatched(out);
        return;
    }
    if (memo != NULL) {
        memcpy(memo->in, in, n);
        memo->len = n;
        memcpy(memo->out, out, TLS_VERIFY_DIGEST_LEN);
    }
}

void tls_config_set_verify_fn_id(tls_config *c, const char *kind, const void *id, size_t len)
{
    memset(c->verify_fn_id, 0, sizeof c->verify_fn_id);
    if (kind == NULL)
        return;
    static const char label[] = "luatls verify function";
    const EVP_MD *sha = tls_crypto_sha(256);
    EVP_MD_CTX *md = sha != NULL ? EVP_MD_CTX_new() : NULL;
    unsigned out_len = 0;
    int ok = md != NULL && EVP_DigestInit_ex2(md, sha, NULL) == 1
             && EVP_DigestUpdate(md, label, sizeof label) == 1
             && EVP_DigestUpdate(md, kind, strlen(kind) + 1) == 1
             && EVP_DigestUpdate(md, id, len) == 1
             && EVP_DigestFinal_ex(md, c->verify_fn_id, &out_len) == 1;
    if (!ok)
        unmatched(c->verify_fn_id);
    EVP_MD_CTX_free(md);
}

/* ---- Trust anchors -------------------------------------------------------- */

static int ensure_store(tls_config *c, tls_error *err)
{
    if (c->store != NULL)
        return 0;
    c->store = X509_STORE_new();
    if (c->store == NULL)
        return tls_fail_crypto(err, NO_ALERT, "ca: cannot create a trust store");
    return 0;
}

/* rfc5280#5.2.4: a delta CRL lists only what changed since a complete
 * one. libcrypto applies it only when the complete CRL or the certificate
 * names it in freshestCRL (rfc5280#6.3.3), else drops it without a word,
 * and with it the newest revocations; without extended CRL support it
 * even took a delta for a complete CRL (review38d F1, review38g F1). So
 * `crl` and `ca` refuse one, saying what to give instead. */
static int is_delta_crl(const X509_CRL *crl)
{
    return X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0;
}

#define DELTA_CRL_REFUSED "holds a delta CRL (RFC 5280 5.2.4), which luatls does not take: give the CA's complete CRL"

/* The certificates and CRLs of a PEM bundle into the store, as
 * X509_STORE_load_file takes them: "TRUSTED CERTIFICATE" blocks too, with
 * the trust settings they carry (a root distrusted for serverAuth stays
 * distrusted), whether the bundle came as a file or as text. Returns the
 * number of certificates added (the CRLs are counted in *crls), or -1 when
 * the PEM is bad or the store refuses one (the reason in libcrypto's error
 * queue, or *crls set to -1 for a delta CRL). CRLs alone make no trust
 * anchor: the callers refuse such a bundle (review38d F2). */
static int add_pem_bundle(tls_config *c, const char *data, size_t len, int *crls)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    ERR_clear_error();
    STACK_OF(X509_INFO) *infos = bio != NULL ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    int added = 0, failed = infos == NULL;
    for (int i = 0; !failed && i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *info = sk_X509_INFO_value(infos, i);
        if (info->x509 != NULL)
            failed = X509_STORE_add_cert(c->store, info->x509) != 1;
        if (!failed && info->crl != NULL && is_delta_crl(info->crl)) {
            *crls = -1;
            break;
        }
        if (!failed && info->crl != NULL)
            failed = X509_STORE_add_crl(c->store, info->crl) != 1;
        added += info->x509 != NULL;
        *crls += info->crl != NULL;
    }
    if (*crls < 0)
        failed = 1;
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    return failed ? -1 : added;
}

static const char *no_certificate(int crls)
{
    return crls > 0 ? "no certificate found, only CRLs (give them as option 'crl')" : "no certificate found";
}

/* A bundle of PEM certificates (and CRLs), read once (read_trust_file). */
int tls_config_load_ca_file(tls_config *c, const char *path, size_t len, tls_error *err)
{
    if (ensure_store(c, err) != 0)
        return -1;
    tls_buf data;
    tls_buf_init(&data);
    if (read_trust_file("ca", path, len, &data, err) != 0) {
        tls_buf_free(&data);
        return -1;
    }
    int crls = 0;
    int added = add_pem_bundle(c, (const char *)data.data, data.len, &crls);
    if (added <= 0) {
        tls_buf_free(&data);
        char detail[120];
        if (crls < 0)
            return tls_fail(err, NO_ALERT, "ca: %s " DELTA_CRL_REFUSED, path);
        if (added == 0)
            snprintf(detail, sizeof detail, "%s", no_certificate(crls));
        else
            crypto_detail(detail, sizeof detail);
        return tls_fail(err, NO_ALERT, "ca: cannot load certificates from %s: %s", path, detail);
    }
    ERR_clear_error();
    trust_feed(c, "ca file", data.data, data.len);
    tls_buf_free(&data);
    return 0;
}

/* A hashed directory (c_rehash / openssl rehash), read lazily by libcrypto
 * when a certificate is looked up. */
static int load_ca_dir(tls_config *c, const char *path, size_t len, tls_error *err)
{
    if (ensure_store(c, err) != 0)
        return -1;
    ERR_clear_error();
    if (X509_STORE_load_path(c->store, path) != 1)
        return tls_fail_crypto(err, NO_ALERT, "ca: cannot use the directory");
    /* Read lazily by libcrypto: the path stands for what it holds. */
    trust_feed(c, "ca dir", path, len);
    return 0;
}

int tls_config_load_ca_dir(tls_config *c, const char *path, size_t len, tls_error *err)
{
    struct stat st;
    if (tls_file_stat("ca", path, len, &st, err) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return tls_fail(err, NO_ALERT, "ca: %s is not a directory", path);
    return load_ca_dir(c, path, len, err);
}

/* A bundle file or a hashed directory, whichever path names: one stat
 * decides (a second, in tls_config_load_ca_dir, could see the path
 * replaced in between and fail with "not a directory"). */
int tls_config_load_ca_path(tls_config *c, const char *path, size_t len, tls_error *err)
{
    struct stat st;
    if (tls_file_stat("ca", path, len, &st, err) != 0)
        return -1;
    return S_ISDIR(st.st_mode) ? load_ca_dir(c, path, len, err) : tls_config_load_ca_file(c, path, len, err);
}

int tls_config_load_ca_pem(tls_config *c, const char *pem, size_t len, tls_error *err)
{
    if (ensure_store(c, err) != 0)
        return -1;
    int crls = 0;
    int added = add_pem_bundle(c, pem, len, &crls);
    if (crls < 0)
        return tls_fail(err, NO_ALERT, "ca: the PEM text " DELTA_CRL_REFUSED);
    if (added < 0) {
        char detail[120];
        crypto_detail(detail, sizeof detail);
        return tls_fail(err, NO_ALERT, "ca: bad PEM in the PEM text: %s", detail);
    }
    ERR_clear_error();
    if (added == 0)
        return tls_fail(err, NO_ALERT, "ca: %s in the PEM text", no_certificate(crls));
    trust_feed(c, "ca pem", pem, len);
    return 0;
}

int tls_config_load_system_ca(tls_config *c, tls_error *err)
{
    if (ensure_store(c, err) != 0)
        return -1;
    if (X509_STORE_set_default_paths(c->store) != 1)
        return tls_fail_crypto(err, NO_ALERT, "ca: cannot load the system trust store");
    ERR_clear_error();
    trust_feed(c, "ca system", "", 0);
    return 0;
}

/* ---- Revocation lists ------------------------------------------------------ */

/* CRLs from data: PEM text, or a file's bytes (name is then its path),
 * which may also be one DER CRL. */
static int load_crl(tls_config *c, const char *data, size_t len, const char *name, int is_file,
                    tls_error *err)
{
    if (ensure_store(c, err) != 0)
        return -1;
    BIO *bio = open_source("crl", data, len, 0, NULL, NULL, err);
    if (bio == NULL)
        return -1;
    ERR_clear_error();
    int added = 0;
    X509_CRL *crl;
    while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)) != NULL) {
        if (is_delta_crl(crl)) {
            X509_CRL_free(crl);
            BIO_free(bio);
            return tls_fail(err, NO_ALERT, "crl: %s " DELTA_CRL_REFUSED, name);
        }
        int ok = X509_STORE_add_crl(c->store, crl);
        X509_CRL_free(crl);
        if (!ok) {
            BIO_free(bio);
            return tls_fail_crypto(err, NO_ALERT, "crl: cannot add a CRL");
        }
        added++;
    }
    if (added == 0 && is_file && len <= LONG_MAX) {
        /* `openssl ca -gencrl` writes PEM; a file may be DER as served by
         * CRL distribution points. */
        ERR_clear_error();
        const unsigned char *der = (const unsigned char *)data;
        if ((crl = d2i_X509_CRL(NULL, &der, (long)len)) != NULL) {
            if (is_delta_crl(crl)) {
                X509_CRL_free(crl);
                BIO_free(bio);
                return tls_fail(err, NO_ALERT, "crl: %s " DELTA_CRL_REFUSED, name);
            }
            int ok = X509_STORE_add_crl(c->store, crl);
            X509_CRL_free(crl);
            if (!ok) {
                BIO_free(bio);
                return tls_fail_crypto(err, NO_ALERT, "crl: cannot add a CRL");
            }
            BIO_free(bio);
            ERR_clear_error();
            if (c->crl_check == TLS_CRL_CHECK_NONE)
                c->crl_check = TLS_CRL_CHECK_LEAF;
            return 0;
        }
    }
    BIO_free(bio);
    if (added > 0 && !error_is_end_of_pem()) {
        char detail[120];
        crypto_detail(detail, sizeof detail);
        return tls_fail(err, NO_ALERT, "crl: bad PEM in %s: %s", name, detail);
    }
    ERR_clear_error();
    if (added == 0)
        return tls_fail(err, NO_ALERT, "crl: no CRL found in %s", name);
    if (c->crl_check == TLS_CRL_CHECK_NONE)
        c->crl_check = TLS_CRL_CHECK_LEAF;
    return 0;
}

int tls_config_load_crl(tls_config *c, const char *src, size_t len, int is_path, tls_error *err)
{
    if (!is_path) {
        if (load_crl(c, src, len, source_name(src, 0), 0, err) != 0)
            return -1;
        trust_feed(c, "crl", src, len);
        return 0;
    }
    /* A file is read once: what is loaded is what the digest covers. */
    tls_buf data;
    tls_buf_init(&data);
    int rc = read_trust_file("crl", src, len, &data, err);
    if (rc == 0)
        rc = load_crl(c, (const char *)data.data, data.len, src, 1, err);
    if (rc == 0)
        trust_feed(c, "crl", data.data, data.len);
    tls_buf_free(&data);
    return rc;
}

/* ---- Algorithm lists -------------------------------------------------------- */

typedef struct list_kind {
    const char *option;                   /* "ciphers" */
    const char *what;                     /* "cipher suite" */
    uint16_t (*by_name)(const char *);
    int (*implemented)(uint16_t);
} list_kind;

/* Splits list at ':' or ',' (spaces around names ignored) and maps each
 * name. An empty entry ("a::b", a separator at either end) and a name given
 * twice (or two names of one id, "P-256:secp256r1") are refused: taken,
 * they were dropped in silence, and a list that says something odd is
 * worse than an error (review41b). */
static int parse_list(const list_kind *kind, const char *list, uint16_t *out, size_t *n_out,
                      tls_error *err)
{
    uint16_t ids[TLS_CONFIG_MAX_LIST];
    size_t n = 0, entry = 0;
    const char *p = list;
    while (*p == ' ')
        p++;
    if (*p == '\0')
        return tls_fail(err, NO_ALERT, "%s: the list is empty", kind->option);
    for (;;) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p != '\0' && *p != ':' && *p != ',')
            p++;
        size_t len = (size_t)(p - start);
        while (len > 0 && start[len - 1] == ' ')
            len--;
        entry++;
        if (len == 0)
            return tls_fail(err, NO_ALERT, "%s: entry %zu is empty (two separators in a row, or one at an end)",
                            kind->option, entry);
        char name[64];
        if (len >= sizeof name)
            return tls_fail(err, NO_ALERT, "%s: unknown %s '%.*s'", kind->option, kind->what,
                            (int)len > 60 ? 60 : (int)len, start);
        memcpy(name, start, len);
        name[len] = '\0';
        uint16_t id = kind->by_name(name);
        if (id == 0)
            return tls_fail(err, NO_ALERT, "%s: unknown %s '%s'", kind->option, kind->what, name);
        if (!kind->implemented(id))
            return tls_fail(err, NO_ALERT, "%s: %s '%s' is not supported", kind->option,
                            kind->what, name);
        for (size_t i = 0; i < n; i++)
            if (ids[i] == id)
                return tls_fail(err, NO_ALERT, "%s: entry %zu ('%s') names the same %s as an earlier entry: "
                                "give each once", kind->option, entry, name, kind->what);
        if (n == TLS_CONFIG_MAX_LIST)
            return tls_fail(err, NO_ALERT, "%s: too many names (at most %d)", kind->option,
                            TLS_CONFIG_MAX_LIST);
        ids[n++] = id;
        if (*p == '\0')
            break;
        p++; /* the separator */
    }
    memcpy(out, ids, n * sizeof ids[0]);
    *n_out = n;
    return 0;
}

static int suite_implemented(uint16_t id) { return tls_suite_get(id) != NULL; }

static int sigalg_implemented(uint16_t id)
{
    for (size_t i = 0; i < COUNT(implemented_sigalgs); i++)
        if (implemented_sigalgs[i] == id)
            return 1;
    return 0;
}

int tls_config_sigalg_implemented(uint16_t id) { return sigalg_implemented(id); }

int tls_config_set_suites(tls_config *c, const char *list, tls_error *err)
{
    static const list_kind kind = { "ciphers", "cipher suite", tls_suite_by_name,
                                    suite_implemented };
    return parse_list(&kind, list, c->suites, &c->n_suites, err);
}

int tls_config_set_versions(tls_config *c, uint16_t min, uint16_t max, tls_error *err)
{
    /* rfc8996: TLS 1.0 and 1.1 are deprecated; SSL 3.0 is long gone (rfc7568). */
    if ((min != TLS_VERSION_12 && min != TLS_VERSION_13) || (max != TLS_VERSION_12 && max != TLS_VERSION_13))
        return tls_fail(err, NO_ALERT, "versions: only TLSv1.2 and TLSv1.3 are supported");
    if (min > max)
        return tls_fail(err, NO_ALERT, "min_version %s is above max_version %s",
                        tls_version_name(min), tls_version_name(max));
    c->min_version = min;
    c->max_version = max;
    return 0;
}

int tls_config_set_alpn(tls_config *c, const uint8_t *list, size_t len, tls_error *err)
{
    /* rfc7301#3.1: ProtocolNameList protocol_name_list<2..2^16-1> of
     * ProtocolName<1..2^8-1>; "Empty strings MUST NOT be included". */
    if (len > 0xffff)
        return tls_fail(err, NO_ALERT, "alpn: the protocol list is longer than 65535 bytes");
    tls_reader r = tls_rd_init(list, len);
    while (tls_rd_left(&r) > 0) {
        tls_reader name = tls_rd_vec(&r, 1);
        if (!tls_rd_ok(&r) || name.len == 0)
            return tls_fail(err, NO_ALERT, "alpn: malformed protocol list");
    }
    tls_buf_clear(&c->alpn);
    tls_buf_bytes(&c->alpn, list, len);
    return tls_buf_ok(&c->alpn) ? 0 : tls_fail(err, NO_ALERT, "alpn: out of memory");
}

int tls_config_set_groups(tls_config *c, const char *list, tls_error *err)
{
    static const list_kind kind = { "groups", "group", tls_group_by_name, tls_group_supported };
    uint16_t groups[TLS_CONFIG_MAX_LIST];
    size_t n;
    if (parse_list(&kind, list, groups, &n, err) != 0)
        return -1;
    /* A client's first group gets a key share in every ClientHello, and
     * finite-field shares are large and slow: servers only. */
    for (size_t i = 0; i < n && !c->is_server; i++)
        if (tls_group_is_ffdhe(groups[i]))
            return tls_fail(err, NO_ALERT, "groups: group '%s' is not supported by clients "
                            "(finite-field groups are for servers only)", tls_group_name(groups[i]));
    memcpy(c->groups, groups, n * sizeof groups[0]);
    c->n_groups = n;
    return 0;
}

int tls_config_set_sigalgs(tls_config *c, const char *list, tls_error *err)
{
    static const list_kind kind = { "sigalgs", "signature scheme", tls_sigscheme_by_name,
                                    sigalg_implemented };
    return parse_list(&kind, list, c->sigalgs, &c->n_sigalgs, err);
}

/* ---- Contexts that can never connect ---------------------------------------- */

static int list_has_suite(const uint16_t *suites, size_t n_suites, uint16_t version)
{
    for (size_t i = 0; i < n_suites; i++) {
        const tls_suite *s = tls_suite_get(suites[i]);
        if (s != NULL && s->version == version)
            return 1;
    }
    return 0;
}

static int has_suite(const tls_config *c, uint16_t version)
{
    return list_has_suite(c->suites, c->n_suites, version);
}

static int sigalgs13_in(const tls_config *c, const uint16_t *sigalgs, size_t n_sigalgs)
{
    for (size_t j = 0; j < n_sigalgs; j++) {
        if (!c->is_server || c->n_ids == 0) {
            if (tls_sig_scheme_in13(sigalgs[j]))
                return 1;
            continue;
        }
        for (size_t i = 0; i < c->n_ids; i++)
            if (c->ids[i].can_sign && tls_sig_scheme_fits_key(c->ids[i].key, sigalgs[j]))
                return 1;
    }
    return 0;
}

int tls_config_sigalgs13(const tls_config *c)
{
    return sigalgs13_in(c, c->sigalgs, c->n_sigalgs);
}

int tls_config_can13(const tls_config *c)
{
    return tls_config_can13_with(c, c->max_version, c->suites, c->n_suites, c->sigalgs, c->n_sigalgs);
}

int tls_config_can13_with(const tls_config *c, uint16_t max_version, const uint16_t *suites, size_t n_suites,
                          const uint16_t *sigalgs, size_t n_sigalgs)
{
    return max_version >= TLS_VERSION_13 && list_has_suite(suites, n_suites, TLS_VERSION_13) &&
           sigalgs13_in(c, sigalgs, n_sigalgs);
}

static const char *kind_name(tls_key_kind kind)
{
    static const char *const kinds[] = { "kind of", "EC", "RSA", "RSA-PSS", "Ed25519" };
    return kinds[kind];
}

/* "the certificate's RSA key", for the messages below. */
static const char *keys_name(const tls_config *c, char *buf, size_t size)
{
    if (c->n_ids != 1)
        return "any certificate's key";
    int nid = NID_undef;
    tls_key_kind kind = tls_key_kind_of(c->ids[0].key, &nid);
    if (kind == TLS_KEY_EC)
        snprintf(buf, size, "the certificate's EC %s key",
                 EC_curve_nid2nist(nid) ? EC_curve_nid2nist(nid) : "?");
    else
        snprintf(buf, size, "the certificate's %s key", kind_name(kind));
    return buf;
}

/* Why no peer can ever do TLS 1.3 with c, or NULL if one can. */
static const char *why_not13(const tls_config *c, char *buf, size_t size)
{
    if (c->max_version < TLS_VERSION_13)
        return "'max_version' is TLSv1.2";
    if (!has_suite(c, TLS_VERSION_13))
        return "'ciphers' names no TLS 1.3 suite";
    if (tls_config_sigalgs13(c))
        return NULL;
    if (!c->is_server || c->n_ids == 0)
        return "'sigalgs' names only rsa_pkcs1_* schemes, which TLS 1.3 forbids";
    int any_signs = 0;
    for (size_t i = 0; i < c->n_ids; i++)
        any_signs |= c->ids[i].can_sign;
    if (!any_signs)
        return c->n_ids == 1 ? "the certificate's keyUsage lacks digitalSignature (TLS 1.3 signs the handshake)"
                             : "no certificate's keyUsage has digitalSignature (TLS 1.3 signs the handshake)";
    char key[96];
    snprintf(buf, size, "'sigalgs' has no TLS 1.3 scheme for %s", keys_name(c, key, sizeof key));
    return buf;
}

/* The same for TLS 1.2. A client's `sigalgs` always has a scheme TLS 1.2
 * allows, and its groups are all elliptic curves; a server needs a suite
 * for one of its keys and, unless that suite is RSA key transport, a
 * scheme that key signs with and a group for ECDHE. */
static const char *why_not12(const tls_config *c, char *buf, size_t size)
{
    if (c->min_version > TLS_VERSION_12)
        return "'min_version' is TLSv1.3";
    if (!has_suite(c, TLS_VERSION_12))
        return "'ciphers' names no TLS 1.2 suite";
    if (!c->is_server || c->n_ids == 0)
        return NULL;
    int ec_group = 0, suite_fits = 0, sig_fits = 0, encipher_forbids = 0, sign_forbids = 0, rsa_encipher = 0;
    for (size_t i = 0; i < c->n_groups; i++)
        ec_group |= !tls_group_is_ffdhe(c->groups[i]);
    for (size_t i = 0; i < c->n_ids; i++) {
        EVP_PKEY *key = c->ids[i].key;
        rsa_encipher |= c->ids[i].can_encipher && tls_key_kind_of(key, NULL) == TLS_KEY_RSA;
        int sig = 0;
        for (size_t j = 0; j < c->n_sigalgs && !sig; j++)
            sig = tls12_sig_scheme_fits_key(key, c->sigalgs[j]);
        for (size_t j = 0; j < c->n_suites; j++) {
            const tls_suite *s = tls_suite_get(c->suites[j]);
            if (s == NULL || s->version != TLS_VERSION_12 || !tls12_key_fits_suite(key, s))
                continue;
            if (s->kx == TLS_KX_RSA ? !c->ids[i].can_encipher : !c->ids[i].can_sign) {
                encipher_forbids |= s->kx == TLS_KX_RSA;
                sign_forbids |= s->kx != TLS_KX_RSA;
                continue;
            }
            suite_fits = 1;
            if (s->kx == TLS_KX_RSA)
                return NULL;
            sig_fits |= sig;
            if (sig && ec_group)
                return NULL;
        }
    }
    char key[96];
    if (!suite_fits && encipher_forbids && sign_forbids)
        snprintf(buf, size, "the suites in 'ciphers' need a certificate whose keyUsage has digitalSignature "
                            "(ECDHE) or keyEncipherment (RSA key transport), and we have none");
    else if (!suite_fits && encipher_forbids)
        snprintf(buf, size, "the RSA key transport suites in 'ciphers' need an RSA certificate whose keyUsage "
                            "has keyEncipherment, and we have none");
    else if (!suite_fits && sign_forbids)
        snprintf(buf, size, "%s", rsa_encipher ? "its ECDHE suites need a keyUsage with digitalSignature (name "
                                                 "TLS_RSA_WITH_AES_128_GCM_SHA256 in 'ciphers' for RSA key transport)"
                                               : "its ECDHE suites need a certificate whose keyUsage has "
                                                 "digitalSignature, and we have none");
    else if (!suite_fits)
        snprintf(buf, size, "no TLS 1.2 suite in 'ciphers' fits %s", keys_name(c, key, sizeof key));
    else if (!sig_fits)
        snprintf(buf, size, "'sigalgs' has no TLS 1.2 scheme for %s", keys_name(c, key, sizeof key));
    else
        snprintf(buf, size, "'groups' names no elliptic curve for TLS 1.2 ECDHE (ffdhe* serve TLS 1.3 only)");
    return buf;
}

const char *tls_config_version_out(const tls_config *c, uint16_t version, char *buf, size_t size)
{
    return version == TLS_VERSION_13 ? why_not13(c, buf, size) : why_not12(c, buf, size);
}

static int has_rsa_kx_suite(const tls_config *c)
{
    for (size_t i = 0; i < c->n_suites; i++) {
        const tls_suite *s = tls_suite_get(c->suites[i]);
        if (s != NULL && s->kx == TLS_KX_RSA)
            return c->min_version <= TLS_VERSION_12;
    }
    return 0;
}

/* rfc8446#4.4.2.2, rfc5246#7.4.6: a client proves its certificate by
 * signing, so every one it holds needs digitalSignature; a server pair
 * without it serves RSA key transport only, which needs an RSA key,
 * keyEncipherment and such a suite in `ciphers`. A pair nothing can use
 * is refused rather than kept in silence. */
static int unusable_identity(const tls_config *c, tls_error *err)
{
    int rsa_kx = has_rsa_kx_suite(c);
    for (size_t i = 0; i < c->n_ids; i++) {
        const tls_identity *id = &c->ids[i];
        int rsa = tls_key_kind_of(id->key, NULL) == TLS_KEY_RSA;
        if (id->can_sign || (c->is_server && rsa && id->can_encipher && rsa_kx))
            continue;
        /* (short enough that the reason fits in TLS_REASON_MAX) */
        char subject[96];
        tls_x509_name_text(X509_get_subject_name(sk_X509_value(id->chain, 0)), subject, sizeof subject);
        if (!c->is_server)
            return tls_fail(err, NO_ALERT, "certificate %zu (%s): its keyUsage lacks digitalSignature, which a "
                            "client certificate needs (the client signs to prove it holds the key)", i + 1, subject);
        if (rsa && id->can_encipher)
            return tls_fail(err, NO_ALERT, "certificate %zu (%s): its keyUsage lacks digitalSignature, so it "
                            "serves RSA key transport only, and 'ciphers' enables no TLS_RSA_WITH_* suite",
                            i + 1, subject);
        if (rsa)
            return tls_fail(err, NO_ALERT, "certificate %zu (%s): its keyUsage has neither digitalSignature nor "
                            "keyEncipherment, so no handshake can use it", i + 1, subject);
        return tls_fail(err, NO_ALERT, "certificate %zu (%s): its keyUsage lacks digitalSignature, and signing "
                        "is all an %s key can do in a handshake", i + 1, subject,
                        kind_name(tls_key_kind_of(id->key, NULL)));
    }
    return 0;
}

/* First whether anyone can connect at all (the reasons per version), then
 * whether each pair serves some handshake. */
int tls_config_check(const tls_config *c, tls_error *err)
{
    char b13[256], b12[256];
    const char *no13 = why_not13(c, b13, sizeof b13);
    const char *no12 = no13 == NULL ? NULL : why_not12(c, b12, sizeof b12);
    if (no13 != NULL && no12 != NULL)
        return tls_fail(err, NO_ALERT, "no peer can ever connect with these options: TLSv1.3 is out because %s, "
                        "and TLSv1.2 because %s", no13, no12);
    return unusable_identity(c, err);
}
