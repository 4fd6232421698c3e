/* refcrypto: raw libcrypto for the test suite's scripted peers, built into
 * build/refcrypto.so. It shares no code with csrc/ on purpose: the hostile
 * server (spec/support/hostile_server.lua) must compute its keys, records
 * and signatures without the engine it tests, so that a mistake in the
 * engine's own key schedule or record protection cannot cancel out.
 * Nothing here knows TLS; spec/support/ref13.lua builds TLS 1.3 on top.
 *
 *   digest(md, data)                       md: "sha256" | "sha384" | "sha512"
 *   hmac(md, key, data)
 *   seal(cipher, key, nonce, aad, plain)   -> ciphertext .. tag (16 bytes)
 *   open(cipher, key, nonce, aad, sealed)  -> plain | nil, "authentication failed"
 *                                          cipher: "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305"
 *   keygen(group [, raw_private])          -> private key PEM, public value as TLS sends it
 *                                          group: "x25519" | "secp256r1" | "secp384r1"
 *   derive(group, private_pem, peer_public)-> shared secret | nil, message
 *   sign(scheme, key_pem, data)            -> signature (scheme names as in RFC 8446)
 *   random(n)
 *
 * Programming mistakes (an unknown name) raise; crypto failures return
 * nil, message. */
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

static int fail(lua_State *L, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", what, e ? buf : "failed");
    return 2;
}

static const EVP_MD *check_md(lua_State *L, int arg)
{
    static const char *const names[] = { "sha256", "sha384", "sha512", NULL };
    switch (luaL_checkoption(L, arg, NULL, names)) {
    case 0:
        return EVP_sha256();
    case 1:
        return EVP_sha384();
    default:
        return EVP_sha512();
    }
}

static int l_digest(lua_State *L)
{
    const EVP_MD *md = check_md(L, 1);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(data, len, out, &n, md, NULL))
        return fail(L, "digest");
    lua_pushlstring(L, (const char *)out, n);
    return 1;
}

static int l_hmac(lua_State *L)
{
    const EVP_MD *md = check_md(L, 1);
    size_t klen, dlen;
    const char *key = luaL_checklstring(L, 2, &klen);
    const char *data = luaL_checklstring(L, 3, &dlen);
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t n = 0;
    /* An empty key is legal HMAC (RFC 2104 pads it with zeros); pass a
     * valid pointer all the same. */
    static const unsigned char zero = 0;
    if (EVP_Q_mac(NULL, "HMAC", NULL, EVP_MD_get0_name(md), NULL, klen ? (const void *)key : &zero, klen,
                  (const unsigned char *)data, dlen, out, sizeof out, &n) == NULL)
        return fail(L, "hmac");
    lua_pushlstring(L, (const char *)out, n);
    return 1;
}

static const EVP_CIPHER *check_cipher(lua_State *L, int arg, size_t *key_len)
{
    static const char *const names[] = { "aes-128-gcm", "aes-256-gcm", "chacha20-poly1305", NULL };
    switch (luaL_checkoption(L, arg, NULL, names)) {
    case 0:
        *key_len = 16;
        return EVP_aes_128_gcm();
    case 1:
        *key_len = 32;
        return EVP_aes_256_gcm();
    default:
        *key_len = 32;
        return EVP_chacha20_poly1305();
    }
}

#define TAG_LEN 16
#define NONCE_LEN 12

/* seal and open share everything but the direction and the tag. */
static int aead(lua_State *L, int enc)
{
    size_t key_len, klen, nlen, alen, len;
    const EVP_CIPHER *cipher = check_cipher(L, 1, &key_len);
    const char *key = luaL_checklstring(L, 2, &klen);
    const char *nonce = luaL_checklstring(L, 3, &nlen);
    const char *aad = luaL_checklstring(L, 4, &alen);
    const char *in = luaL_checklstring(L, 5, &len);
    luaL_argcheck(L, klen == key_len, 2, "wrong key length for this cipher");
    luaL_argcheck(L, nlen == NONCE_LEN, 3, "nonce must be 12 bytes");
    if (!enc && len < TAG_LEN) {
        lua_pushnil(L);
        lua_pushliteral(L, "authentication failed");
        return 2;
    }
    size_t body = enc ? len : len - TAG_LEN;
    luaL_Buffer b;
    unsigned char *out = (unsigned char *)luaL_buffinitsize(L, &b, body + TAG_LEN);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0, ok = ctx != NULL &&
        EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc) &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, NONCE_LEN, NULL) &&
        EVP_CipherInit_ex(ctx, NULL, NULL, (const unsigned char *)key, (const unsigned char *)nonce, enc) &&
        (alen == 0 || EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)alen)) &&
        (body == 0 || EVP_CipherUpdate(ctx, out, &n, (const unsigned char *)in, (int)body));
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, (void *)(in + body));
    if (ok) {
        if (body == 0)
            n = 0;
        ok = EVP_CipherFinal_ex(ctx, out + n, &fin);
        if (!ok && !enc) {
            EVP_CIPHER_CTX_free(ctx);
            ERR_clear_error();
            lua_pushnil(L);
            lua_pushliteral(L, "authentication failed");
            return 2;
        }
    }
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, out + body);
    EVP_CIPHER_CTX_free(ctx);
    if (!ok)
        return fail(L, enc ? "seal" : "open");
    luaL_pushresultsize(&b, enc ? body + TAG_LEN : body);
    return 1;
}

static int l_seal(lua_State *L) { return aead(L, 1); }
static int l_open(lua_State *L) { return aead(L, 0); }

/* ---- Key exchange ---------------------------------------------------------- */

/* The OpenSSL group name of a TLS group, NULL for x25519. */
static const char *check_group(lua_State *L, int arg)
{
    static const char *const names[] = { "x25519", "secp256r1", "secp384r1", NULL };
    static const char *const curves[] = { NULL, "P-256", "P-384" };
    return curves[luaL_checkoption(L, arg, NULL, names)];
}

static EVP_PKEY *read_private(const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return pkey;
}

static int push_private_pem(lua_State *L, EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len;
    if (bio == NULL || !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(bio);
        return 0;
    }
    len = BIO_get_mem_data(bio, &data);
    lua_pushlstring(L, data, (size_t)len);
    BIO_free(bio);
    return 1;
}

static int l_keygen(lua_State *L)
{
    const char *curve = check_group(L, 1);
    size_t rlen = 0;
    const char *raw = luaL_optlstring(L, 2, NULL, &rlen);
    EVP_PKEY *pkey;
    if (raw != NULL) {
        luaL_argcheck(L, curve == NULL && rlen == 32, 2, "a raw private key is for x25519 only (32 bytes)");
        pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, (const unsigned char *)raw, rlen);
    } else if (curve == NULL) {
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    } else {
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    }
    if (pkey == NULL)
        return fail(L, "keygen");
    unsigned char *pub = NULL;
    size_t publen = EVP_PKEY_get1_encoded_public_key(pkey, &pub);
    if (publen == 0 || !push_private_pem(L, pkey)) {
        OPENSSL_free(pub);
        EVP_PKEY_free(pkey);
        return fail(L, "keygen");
    }
    lua_pushlstring(L, (const char *)pub, publen);
    OPENSSL_free(pub);
    EVP_PKEY_free(pkey);
    return 2;
}

static EVP_PKEY *peer_key(const char *curve, const unsigned char *pub, size_t len)
{
    if (curve == NULL)
        return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, len);
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curve, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pub, len);
    params[2] = OSSL_PARAM_construct_end();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pkey = NULL;
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static int l_derive(lua_State *L)
{
    const char *curve = check_group(L, 1);
    size_t klen, plen;
    const char *pem = luaL_checklstring(L, 2, &klen);
    const char *pub = luaL_checklstring(L, 3, &plen);
    EVP_PKEY *own = read_private(pem, klen);
    EVP_PKEY *peer = own ? peer_key(curve, (const unsigned char *)pub, plen) : NULL;
    EVP_PKEY_CTX *ctx = peer ? EVP_PKEY_CTX_new(own, NULL) : NULL;
    unsigned char out[128];
    size_t n = sizeof out;
    int ok = ctx != NULL && EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, peer) > 0 &&
             EVP_PKEY_derive(ctx, out, &n) > 0;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(own);
    if (!ok)
        return fail(L, "derive");
    lua_pushlstring(L, (const char *)out, n);
    return 1;
}

/* ---- Signatures -------------------------------------------------------------- */

enum padding { PAD_NONE, PAD_PSS, PAD_PKCS1 };

static int l_sign(lua_State *L)
{
    static const char *const names[] = {
        "ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512",
        "rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
        "rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512",
        "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512",
        "ed25519", NULL,
    };
    int i = luaL_checkoption(L, 1, NULL, names);
    const EVP_MD *mds[] = { EVP_sha256(), EVP_sha384(), EVP_sha512() };
    const EVP_MD *md = i == 12 ? NULL : mds[i % 3];
    enum padding pad = i < 3 ? PAD_NONE : i < 9 ? PAD_PSS : i < 12 ? PAD_PKCS1 : PAD_NONE;
    size_t klen, dlen;
    const char *pem = luaL_checklstring(L, 2, &klen);
    const char *data = luaL_checklstring(L, 3, &dlen);
    EVP_PKEY *pkey = read_private(pem, klen);
    if (pkey == NULL)
        return fail(L, "sign: cannot read the private key");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t n = 0;
    int ok = ctx != NULL && EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey) > 0;
    if (ok && pad == PAD_PSS)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) > 0;
    if (ok && pad == PAD_PKCS1)
        ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
    ok = ok && EVP_DigestSign(ctx, NULL, &n, (const unsigned char *)data, dlen) > 0;
    if (ok) {
        luaL_Buffer b;
        unsigned char *out = (unsigned char *)luaL_buffinitsize(L, &b, n);
        ok = EVP_DigestSign(ctx, out, &n, (const unsigned char *)data, dlen) > 0;
        if (ok)
            luaL_pushresultsize(&b, n);
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    if (!ok)
        return fail(L, "sign");
    return 1;
}

static int l_random(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0 && n <= 65536, 1, "0 to 65536 bytes");
    luaL_Buffer b;
    unsigned char *out = (unsigned char *)luaL_buffinitsize(L, &b, (size_t)n);
    if (n > 0 && RAND_bytes(out, (int)n) != 1)
        return fail(L, "random");
    luaL_pushresultsize(&b, (size_t)n);
    return 1;
}

int luaopen_refcrypto(lua_State *L);

int luaopen_refcrypto(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "digest", l_digest }, { "hmac", l_hmac },     { "seal", l_seal },
        { "open", l_open },     { "keygen", l_keygen }, { "derive", l_derive },
        { "sign", l_sign },     { "random", l_random }, { NULL, NULL },
    };
    luaL_newlib(L, fns);
    return 1;
}
