/* require("tls.core")._internal: the crypto layer one function at a time,
 * with binary strings in and out, so that known-answer tests (RFC 8448) can
 * check every step of the key schedule and record protection.
 *
 * Errors in the inputs return nil, reason, alert_name; wrong argument types
 * raise. Scratch buffers are Lua userdata, so nothing leaks if Lua raises. */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "lua/lua_internal.h"
#include "lua/lua_tls.h"
#include "crypto/tls_crypto.h"
#include "crypto/tls12_crypto.h"
#include "util/tls_names.h"
#include "pki/tls_x509.h"

static int push_error(lua_State *L, const tls_error *err)
{
    lua_pushnil(L);
    lua_pushstring(L, err->set ? err->reason : "failed");
    lua_pushstring(L, tls_alert_name(err->alert));
    return 3;
}

static int push_fail(lua_State *L, const char *reason)
{
    ERR_clear_error();
    lua_pushnil(L);
    lua_pushstring(L, reason);
    return 2;
}

/* Scratch memory owned by the Lua stack (wiped by the caller when done). */
static uint8_t *scratch(lua_State *L, size_t len)
{
    return lua_newuserdatauv(L, len ? len : 1, 0);
}

static const EVP_MD *check_hash(lua_State *L, int arg)
{
    static const char *const names[] = {"sha256", "sha384", "sha512", NULL};
    static const int bits[] = {256, 384, 512};
    const EVP_MD *md = tls_crypto_sha(bits[tls_lua_check_option(L, arg, NULL, names)]);
    if (md == NULL)
        luaL_error(L, "libcrypto lacks the hash");
    return md;
}

static const tls_suite *check_suite(lua_State *L, int arg)
{
    const char *name = luaL_checkstring(L, arg);
    const tls_suite *s = tls_suite_get(tls_suite_by_name(name));
    if (s == NULL)
        luaL_argerror(L, arg, "unknown cipher suite");
    return s;
}

static const uint8_t *check_bytes(lua_State *L, int arg, size_t *len)
{
    return (const uint8_t *)luaL_checklstring(L, arg, len);
}

static const uint8_t *check_secret(lua_State *L, int arg, size_t want)
{
    size_t len;
    const uint8_t *p = check_bytes(L, arg, &len);
    if (len != want)
        luaL_argerror(L, arg, "secret has the wrong length for the hash");
    return p;
}

/* hash(hash_name, data) */
static int l_hash(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t len;
    const uint8_t *data = check_bytes(L, 2, &len);
    uint8_t out[EVP_MAX_MD_SIZE];
    if (tls_hash(md, data, len, out) != 0)
        return push_fail(L, "hash failed");
    lua_pushlstring(L, (const char *)out, (size_t)EVP_MD_get_size(md));
    return 1;
}

/* hkdf_extract(hash_name, salt, ikm) */
static int l_hkdf_extract(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t salt_len, ikm_len;
    const uint8_t *salt = check_bytes(L, 2, &salt_len);
    const uint8_t *ikm = check_bytes(L, 3, &ikm_len);
    uint8_t out[TLS_MAX_HASH_LEN];
    if (tls_hkdf_extract(md, salt, salt_len, ikm, ikm_len, out) != 0)
        return push_fail(L, "HKDF-Extract failed");
    lua_pushlstring(L, (const char *)out, (size_t)EVP_MD_get_size(md));
    OPENSSL_cleanse(out, sizeof out);
    return 1;
}

/* hkdf_expand(hash_name, prk, info, length): rfc5869#2.3 as it is. */
static int l_hkdf_expand(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t prk_len, info_len;
    const uint8_t *prk = check_bytes(L, 2, &prk_len);
    const uint8_t *info = check_bytes(L, 3, &info_len);
    lua_Integer length = luaL_checkinteger(L, 4);
    luaL_argcheck(L, length > 0 && length <= 255 * EVP_MD_get_size(md), 4, "bad length");
    uint8_t *out = scratch(L, (size_t)length);
    if (tls_hkdf_expand(md, prk, prk_len, info, info_len, out, (size_t)length) != 0)
        return push_fail(L, "HKDF-Expand failed");
    lua_pushlstring(L, (const char *)out, (size_t)length);
    OPENSSL_cleanse(out, (size_t)length);
    return 1;
}

/* expand_label(hash_name, secret, label, context, length) */
static int l_expand_label(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t secret_len, context_len;
    const uint8_t *secret = check_bytes(L, 2, &secret_len);
    const char *label = luaL_checkstring(L, 3);
    const uint8_t *context = check_bytes(L, 4, &context_len);
    lua_Integer length = luaL_checkinteger(L, 5);
    luaL_argcheck(L, length > 0 && length <= 255 * EVP_MD_get_size(md), 5, "bad length");
    uint8_t *out = scratch(L, (size_t)length);
    if (tls_hkdf_expand_label(md, secret, secret_len, label, context, context_len, out,
                              (size_t)length)
        != 0)
        return push_fail(L, "HKDF-Expand-Label failed");
    lua_pushlstring(L, (const char *)out, (size_t)length);
    OPENSSL_cleanse(out, (size_t)length);
    return 1;
}

/* derive_secret(hash_name, secret, label, transcript_messages) */
static int l_derive_secret(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t hlen = (size_t)EVP_MD_get_size(md);
    const uint8_t *secret = check_secret(L, 2, hlen);
    const char *label = luaL_checkstring(L, 3);
    size_t len;
    const uint8_t *messages = check_bytes(L, 4, &len);
    uint8_t th[TLS_MAX_HASH_LEN], out[TLS_MAX_HASH_LEN];
    if (tls_hash(md, messages, len, th) != 0
        || tls_hkdf_expand_label(md, secret, hlen, label, th, hlen, out, hlen) != 0)
        return push_fail(L, "Derive-Secret failed");
    lua_pushlstring(L, (const char *)out, hlen);
    OPENSSL_cleanse(out, sizeof out);
    return 1;
}

static void set_field(lua_State *L, const char *name, const uint8_t *v, size_t len)
{
    lua_pushlstring(L, (const char *)v, len);
    lua_setfield(L, -2, name);
}

/* keyschedule(suite_name, shared_secret, th_server_hello, th_server_finished
 *             [, th_client_finished]) -> table of secrets */
static int l_keyschedule(lua_State *L)
{
    const tls_suite *s = check_suite(L, 1);
    size_t shared_len;
    const uint8_t *shared = check_bytes(L, 2, &shared_len);
    const uint8_t *th_sh = check_secret(L, 3, s->hash_len);
    const uint8_t *th_sf = check_secret(L, 4, s->hash_len);
    const uint8_t *th_cf = lua_isnoneornil(L, 5) ? NULL : check_secret(L, 5, s->hash_len);

    tls13_keys *k = (tls13_keys *)scratch(L, sizeof *k);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    /* In a scope, as the engine runs it: one HMAC context re-keyed for
     * every secret, so that the known answers check that path too. */
    tls_hmac_scope_enter();
    int rc = tls13_keys_init(k, s->md, &err) != 0
             || tls13_keys_handshake(k, shared, shared_len, th_sh, &err) != 0
             || tls13_keys_master(k, th_sf, &err) != 0
             || (th_cf != NULL && tls13_keys_resumption(k, th_cf, &err) != 0);
    tls_hmac_scope_leave();
    if (rc) {
        tls13_keys_wipe(k);
        return push_error(L, &err);
    }
    lua_createtable(L, 0, 9);
    set_field(L, "early", k->early, k->hlen);
    set_field(L, "handshake", k->handshake, k->hlen);
    set_field(L, "master", k->master, k->hlen);
    set_field(L, "client_hs", k->client_hs, k->hlen);
    set_field(L, "server_hs", k->server_hs, k->hlen);
    set_field(L, "client_ap", k->client_ap, k->hlen);
    set_field(L, "server_ap", k->server_ap, k->hlen);
    set_field(L, "exporter", k->exporter, k->hlen);
    if (th_cf != NULL)
        set_field(L, "resumption", k->resumption, k->hlen);
    tls13_keys_wipe(k);
    return 1;
}

/* hmac_kept() -> how many HMAC contexts and noted keys this thread keeps
 * for reuse: none outside a call into the engine (they hold keys). */
static int l_hmac_kept(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)tls_hmac_kept());
    return 1;
}

/* hmac_sequence(hash_name, steps) -> outputs, held, held_after_free: the
 * steps, {"prf", secret} or {"expand", secret}, run in order inside one
 * scope, as the derivations of one call into the engine, so that kept
 * contexts and noted keys pass from each to the next
 * (csrc/crypto/tls_keysched.c): "prf" is the TLS 1.2 PRF (label "test
 * label", seed "seed"), "expand" HKDF-Expand-Label(secret, "test", "", 32);
 * 32 bytes each. A step {"call"} ends the call and starts the next, as a
 * connection's do: the scope is left to a keep and entered again from it.
 * held is what the keep holds after the last call (tls_hmac_keep_held),
 * held_after_free what it holds once tls_hmac_keep_free has emptied it
 * (the keep is then freed). */
#define HMAC_SEQ_MAX 16
static int l_hmac_sequence(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 2);
    luaL_argcheck(L, n >= 1 && n <= HMAC_SEQ_MAX, 2, "1 to 16 steps");
    luaL_checkstack(L, 3 * HMAC_SEQ_MAX + 2, "hmac_sequence");
    int prf[HMAC_SEQ_MAX];
    const uint8_t *secret[HMAC_SEQ_MAX];
    size_t secret_len[HMAC_SEQ_MAX];
    /* Every argument is checked before the scope is entered: a Lua error
     * inside it would leave it open. The strings stay on the stack. */
    for (lua_Integer i = 0; i < n; i++) {
        luaL_argcheck(L, lua_geti(L, 2, i + 1) == LUA_TTABLE, 2, "a step is a table");
        int top = lua_gettop(L);
        luaL_argcheck(L, lua_geti(L, top, 1) == LUA_TSTRING, 2, "a step is {kind, secret} or {\"call\"}");
        const char *kind = lua_tostring(L, -1);
        if (strcmp(kind, "call") == 0) {
            prf[i] = -1;
            secret[i] = NULL;
            secret_len[i] = 0;
            continue;
        }
        luaL_argcheck(L, lua_geti(L, top, 2) == LUA_TSTRING, 2, "a step is {kind, secret}");
        luaL_argcheck(L, strcmp(kind, "prf") == 0 || strcmp(kind, "expand") == 0, 2,
                      "a step's kind is prf, expand or call");
        prf[i] = strcmp(kind, "prf") == 0;
        secret[i] = (const uint8_t *)lua_tolstring(L, -1, &secret_len[i]);
    }
    uint8_t *out = scratch(L, HMAC_SEQ_MAX * 32);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int ok = 1;
    tls_hmac_keep *keep = NULL;
    tls_hmac_scope_enter_from(keep);
    for (lua_Integer i = 0; ok && i < n; i++) {
        if (prf[i] < 0) {
            tls_hmac_scope_leave_to(&keep);
            tls_hmac_scope_enter_from(keep);
            continue;
        }
        ok = prf[i] ? tls12_prf(md, secret[i], secret_len[i], "test label", (const uint8_t *)"seed",
                                4, NULL, 0, out + 32 * i, 32, &err)
                          == 0
                    : tls_hkdf_expand_label(md, secret[i], secret_len[i], "test", NULL, 0,
                                            out + 32 * i, 32)
                          == 0;
    }
    tls_hmac_scope_leave_to(&keep);
    size_t held = tls_hmac_keep_held(keep);
    /* Emptied first, so that what the free leaves in it can be counted. */
    tls_hmac_keep_empty(keep);
    size_t held_after = tls_hmac_keep_held(keep);
    tls_hmac_keep_free(&keep);
    if (!ok) {
        OPENSSL_cleanse(out, HMAC_SEQ_MAX * 32);
        return push_fail(L, "a derivation failed");
    }
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 0, k = 0; i < n; i++) {
        if (prf[i] < 0)
            continue;
        lua_pushlstring(L, (const char *)out + 32 * i, 32);
        lua_rawseti(L, -2, ++k);
    }
    OPENSSL_cleanse(out, HMAC_SEQ_MAX * 32);
    lua_pushinteger(L, (lua_Integer)held);
    lua_pushinteger(L, (lua_Integer)held_after);
    return 3;
}

/* traffic_keys(suite_name, secret) -> key, iv */
static int l_traffic_keys(lua_State *L)
{
    const tls_suite *s = check_suite(L, 1);
    const uint8_t *secret = check_secret(L, 2, s->hash_len);
    uint8_t key[TLS_MAX_KEY_LEN], iv[TLS_AEAD_IV_LEN];
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls13_traffic_keys(s, secret, key, iv, &err) != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)key, s->key_len);
    lua_pushlstring(L, (const char *)iv, s->iv_len);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(iv, sizeof iv);
    return 2;
}

/* finished(hash_name, base_secret, th) -> verify_data */
static int l_finished(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t hlen = (size_t)EVP_MD_get_size(md);
    const uint8_t *secret = check_secret(L, 2, hlen);
    const uint8_t *th = check_secret(L, 3, hlen);
    uint8_t out[TLS_MAX_HASH_LEN];
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls13_finished(md, secret, th, out, &err) != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)out, hlen);
    return 1;
}

/* next_traffic_secret(hash_name, secret) */
static int l_next_traffic_secret(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t hlen = (size_t)EVP_MD_get_size(md);
    const uint8_t *in = check_secret(L, 2, hlen);
    uint8_t secret[TLS_MAX_HASH_LEN];
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    memcpy(secret, in, hlen);
    if (tls13_next_traffic_secret(md, secret, &err) != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)secret, hlen);
    OPENSSL_cleanse(secret, sizeof secret);
    return 1;
}

/* seal(suite_name, secret, seq, header, inner_plaintext) -> ciphertext..tag */
static int l_seal(lua_State *L)
{
    const tls_suite *s = check_suite(L, 1);
    const uint8_t *secret = check_secret(L, 2, s->hash_len);
    lua_Integer seq = luaL_checkinteger(L, 3);
    size_t aad_len, len;
    const uint8_t *aad = check_bytes(L, 4, &aad_len);
    const uint8_t *pt = check_bytes(L, 5, &len);
    uint8_t *buf = scratch(L, len + s->tag_len);
    memcpy(buf, pt, len);

    tls_aead a = {0};
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_aead_init(&a, s, secret, 1, &err) != 0)
        return push_error(L, &err);
    a.seq = (uint64_t)seq;
    int rc = tls_aead_seal(&a, aad, aad_len, buf, len, buf + len, &err);
    tls_aead_free(&a);
    if (rc != 0) {
        OPENSSL_cleanse(buf, len);
        return push_error(L, &err);
    }
    lua_pushlstring(L, (const char *)buf, len + s->tag_len);
    return 1;
}

/* open(suite_name, secret, seq, header, ciphertext) -> plaintext | nil, msg */
static int l_open(lua_State *L)
{
    const tls_suite *s = check_suite(L, 1);
    const uint8_t *secret = check_secret(L, 2, s->hash_len);
    lua_Integer seq = luaL_checkinteger(L, 3);
    size_t aad_len, len, pt_len = 0;
    const uint8_t *aad = check_bytes(L, 4, &aad_len);
    const uint8_t *ct = check_bytes(L, 5, &len);
    uint8_t *buf = scratch(L, len);
    memcpy(buf, ct, len);

    tls_aead a = {0};
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_aead_init(&a, s, secret, 0, &err) != 0)
        return push_error(L, &err);
    a.seq = (uint64_t)seq;
    int rc = tls_aead_open(&a, aad, aad_len, buf, len, &pt_len, &err);
    tls_aead_free(&a);
    if (rc != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)buf, pt_len);
    OPENSSL_cleanse(buf, len);
    return 1;
}

/* tls12_seal / tls12_open(suite_name, key, fixed_iv, seq, type, data):
 * one TLS 1.2 record fragment (rfc5246#6.2.3.3), for scripted peers. */
static int tls12_record(lua_State *L, int encrypt)
{
    const tls_suite *s = check_suite(L, 1);
    size_t key_len, iv_len, len, out_len = 0;
    const uint8_t *key = check_bytes(L, 2, &key_len);
    const uint8_t *iv = check_bytes(L, 3, &iv_len);
    lua_Integer seq = luaL_checkinteger(L, 4);
    lua_Integer type = luaL_checkinteger(L, 5);
    const uint8_t *in = check_bytes(L, 6, &len);
    luaL_argcheck(L, s->version == TLS_VERSION_12, 1, "not a TLS 1.2 suite");
    luaL_argcheck(L, key_len == s->key_len, 2, "wrong key length");
    luaL_argcheck(L, iv_len == s->fixed_iv_len, 3, "wrong IV length");
    uint8_t *out = scratch(L, len + tls12_aead_overhead(s));
    tls_aead a = {0};
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_aead_init_raw(&a, s, key, iv, encrypt, &err) != 0)
        return push_error(L, &err);
    a.seq = (uint64_t)seq;
    int rc = encrypt ? tls12_aead_seal(&a, (uint8_t)type, TLS_VERSION_12, in, len, out, &err)
                     : tls12_aead_open(&a, (uint8_t)type, TLS_VERSION_12, in, len, out, &out_len, &err);
    tls_aead_free(&a);
    if (rc != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)out, encrypt ? len + tls12_aead_overhead(s) : out_len);
    return 1;
}

static int l_tls12_seal(lua_State *L) { return tls12_record(L, 1); }
static int l_tls12_open(lua_State *L) { return tls12_record(L, 0); }

/* kex_x25519(private32, peer_public32) -> shared | nil, msg, alert */
static int l_kex_x25519(lua_State *L)
{
    size_t priv_len, peer_len, out_len = 0;
    const uint8_t *priv = check_bytes(L, 1, &priv_len);
    const uint8_t *peer = check_bytes(L, 2, &peer_len);
    uint8_t out[TLS_MAX_SHARED_SECRET];
    tls_kex k = {TLS_GROUP_X25519, NULL};
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    k.priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv, priv_len);
    if (k.priv == NULL)
        return push_fail(L, "not an x25519 private key");
    int rc = tls_kex_derive(&k, peer, peer_len, out, sizeof out, &out_len, &err);
    tls_kex_free(&k);
    if (rc != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)out, out_len);
    OPENSSL_cleanse(out, sizeof out);
    return 1;
}

static uint16_t check_group(lua_State *L, int arg)
{
    uint16_t g = tls_group_by_name(luaL_checkstring(L, arg));
    if (!tls_group_supported(g))
        luaL_argerror(L, arg, "unsupported group");
    return g;
}

/* kex_pair(group_name) -> shared_a, shared_b, public_a: both ends of one
 * exchange, for a round-trip check. */
static int l_kex_pair(lua_State *L)
{
    uint16_t g = check_group(L, 1);
    tls_kex a = {0, NULL}, b = {0, NULL};
    tls_buf pa, pb;
    uint8_t sa[TLS_MAX_SHARED_SECRET], sb[TLS_MAX_SHARED_SECRET];
    size_t la = 0, lb = 0;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_buf_init(&pa);
    tls_buf_init(&pb);
    int rc = tls_kex_generate(&a, g, &pa, &err) == 0 && tls_kex_generate(&b, g, &pb, &err) == 0
             && tls_kex_derive(&a, pb.data, pb.len, sa, sizeof sa, &la, &err) == 0
             && tls_kex_derive(&b, pa.data, pa.len, sb, sizeof sb, &lb, &err) == 0;
    tls_kex_free(&a);
    tls_kex_free(&b);
    tls_buf_free(&pb);
    if (!rc) {
        tls_buf_free(&pa);
        return push_error(L, &err);
    }
    /* Copy everything onto the stack before anything can raise. */
    uint8_t *pub = scratch(L, pa.len);
    size_t pub_len = pa.len;
    memcpy(pub, pa.data, pa.len);
    tls_buf_free(&pa);
    lua_pushlstring(L, (const char *)sa, la);
    lua_pushlstring(L, (const char *)sb, lb);
    OPENSSL_cleanse(sa, sizeof sa);
    OPENSSL_cleanse(sb, sizeof sb);
    lua_pushlstring(L, (const char *)pub, pub_len);
    return 3;
}

/* kex_peer(group_name, peer_public) -> shared | nil, msg, alert: a fresh key
 * share of ours against the given peer value, to test the peer checks. */
static int l_kex_peer(lua_State *L)
{
    uint16_t g = check_group(L, 1);
    size_t peer_len, out_len = 0;
    const uint8_t *peer = check_bytes(L, 2, &peer_len);
    tls_kex k = {0, NULL};
    tls_buf pub;
    uint8_t out[TLS_MAX_SHARED_SECRET];
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_buf_init(&pub);
    int rc = tls_kex_generate(&k, g, &pub, &err) == 0
             && tls_kex_derive(&k, peer, peer_len, out, sizeof out, &out_len, &err) == 0;
    tls_kex_free(&k);
    tls_buf_free(&pub);
    if (!rc)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)out, out_len);
    OPENSSL_cleanse(out, sizeof out);
    return 1;
}

/* kex_private(group_name, private, peer_public) -> shared | nil, msg, alert:
 * our side from a chosen private value (raw for x25519/x448, big-endian
 * otherwise), for known answers. */
static int l_kex_private(lua_State *L)
{
    uint16_t g = check_group(L, 1);
    size_t priv_len, peer_len, out_len = 0;
    const uint8_t *priv = check_bytes(L, 2, &priv_len);
    const uint8_t *peer = check_bytes(L, 3, &peer_len);
    tls_kex k = {0, NULL};
    uint8_t out[TLS_MAX_SHARED_SECRET];
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int rc = tls_kex_set_private(&k, g, priv, priv_len, &err) == 0
             && tls_kex_derive(&k, peer, peer_len, out, sizeof out, &out_len, &err) == 0;
    tls_kex_free(&k);
    if (!rc)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)out, out_len);
    OPENSSL_cleanse(out, sizeof out);
    return 1;
}

/* transcript(hash_name, before, after [, hrr]) -> hash: `before` is added
 * while the hash is unknown, then the hash is set (and, with hrr, the
 * message_hash rewrite done), then `after` is added. */
static int l_transcript(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t before_len, after_len;
    const uint8_t *before = check_bytes(L, 2, &before_len);
    const uint8_t *after = check_bytes(L, 3, &after_len);
    int hrr = lua_toboolean(L, 4);
    tls_transcript t;
    uint8_t out[TLS_MAX_HASH_LEN];
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_transcript_init(&t);
    int rc = tls_transcript_add(&t, before, before_len, &err) == 0
             && tls_transcript_set_hash(&t, md, &err) == 0
             && (!hrr || tls_transcript_hrr_rewrite(&t, &err) == 0)
             && tls_transcript_add(&t, after, after_len, &err) == 0
             && tls_transcript_hash(&t, out, &err) == 0;
    tls_transcript_free(&t);
    if (!rc)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)out, (size_t)EVP_MD_get_size(md));
    return 1;
}

/* genkey("ec-p256"|"ec-p384"|"rsa"|"rsa-pss"|"ed25519") -> PEM private key */
static int l_genkey(lua_State *L)
{
    static const char *const kinds[] = {"ec-p256", "ec-p384", "rsa", "rsa-pss", "ed25519", NULL};
    int kind = tls_lua_check_option(L, 1, NULL, kinds);
    EVP_PKEY *key = NULL;
    switch (kind) {
    case 0: key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); break;
    case 1: key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"); break;
    case 2: key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048); break;
    case 3: {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
        if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1
            || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048) != 1
            || EVP_PKEY_generate(ctx, &key) != 1)
            key = NULL;
        EVP_PKEY_CTX_free(ctx);
        break;
    }
    default: key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"); break;
    }
    if (key == NULL)
        return push_fail(L, "key generation failed");
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long len = 0;
    if (bio == NULL || PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1
        || (len = BIO_get_mem_data(bio, &pem)) <= 0) {
        BIO_free(bio);
        EVP_PKEY_free(key);
        return push_fail(L, "key encoding failed");
    }
    EVP_PKEY_free(key);
    /* Copy before pushing so that a Lua memory error cannot leak the BIO. */
    char *copy = (char *)scratch(L, (size_t)len);
    memcpy(copy, pem, (size_t)len);
    BIO_free(bio);
    lua_pushlstring(L, copy, (size_t)len);
    return 1;
}

static EVP_PKEY *read_key(const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return key;
}

static uint16_t check_scheme(lua_State *L, int arg)
{
    uint16_t s = tls_sigscheme_by_name(luaL_checkstring(L, arg));
    if (s == 0)
        luaL_argerror(L, arg, "unknown signature scheme");
    return s;
}

/* sign(key_pem, scheme_name, msg) -> signature | nil, msg, alert */
static int l_sign(lua_State *L)
{
    size_t pem_len, len;
    const char *pem = luaL_checklstring(L, 1, &pem_len);
    uint16_t scheme = check_scheme(L, 2);
    const uint8_t *msg = check_bytes(L, 3, &len);
    EVP_PKEY *key = read_key(pem, pem_len);
    if (key == NULL)
        return push_fail(L, "cannot read the private key");
    tls_buf out;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_buf_init(&out);
    int rc = tls_sig_sign(key, scheme, msg, len, &out, &err);
    EVP_PKEY_free(key);
    if (rc != 0) {
        tls_buf_free(&out);
        return push_error(L, &err);
    }
    uint8_t *copy = scratch(L, out.len);
    size_t sig_len = out.len;
    memcpy(copy, out.data, out.len);
    tls_buf_free(&out);
    lua_pushlstring(L, (const char *)copy, sig_len);
    return 1;
}

/* verify(key_pem, scheme_name, msg, signature) -> true | nil, msg, alert */
static int l_verify(lua_State *L)
{
    size_t pem_len, len, sig_len;
    const char *pem = luaL_checklstring(L, 1, &pem_len);
    uint16_t scheme = check_scheme(L, 2);
    const uint8_t *msg = check_bytes(L, 3, &len);
    const uint8_t *sig = check_bytes(L, 4, &sig_len);
    EVP_PKEY *key = read_key(pem, pem_len);
    if (key == NULL)
        return push_fail(L, "cannot read the private key");
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int rc = tls_sig_verify(key, scheme, msg, len, sig, sig_len, &err);
    EVP_PKEY_free(key);
    if (rc != 0)
        return push_error(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

/* random(n) -> n random bytes */
static int l_random(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0 && n <= 65536, 1, "bad length");
    uint8_t *buf = scratch(L, (size_t)n);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_random(buf, (size_t)n, &err) != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)buf, (size_t)n);
    return 1;
}

/* utf8_cut(text, n) -> the length tls_utf8_cut keeps of text's first n bytes */
static int l_utf8_cut(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0 && (lua_Unsigned)n <= len, 2, "outside the text");
    lua_pushinteger(L, (lua_Integer)tls_utf8_cut(s, (size_t)n));
    return 1;
}

/* ---- TLS 1.2 (csrc/crypto/tls12_*.c) ------------------------------------ */

/* tls12_prf(hash_name, secret, label, seed1, seed2_or_nil, length) */
static int l_tls12_prf(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t secret_len, seed1_len, seed2_len = 0;
    const uint8_t *secret = check_bytes(L, 2, &secret_len);
    const char *label = luaL_checkstring(L, 3);
    const uint8_t *seed1 = check_bytes(L, 4, &seed1_len);
    const uint8_t *seed2 = lua_isnoneornil(L, 5) ? NULL : check_bytes(L, 5, &seed2_len);
    lua_Integer length = luaL_checkinteger(L, 6);
    luaL_argcheck(L, length > 0 && length <= 65536, 6, "bad length");
    uint8_t *out = scratch(L, (size_t)length);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls12_prf(md, secret, secret_len, label, seed1, seed1_len, seed2, seed2_len, out,
                  (size_t)length, &err)
        != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)out, (size_t)length);
    OPENSSL_cleanse(out, (size_t)length);
    return 1;
}

static const uint8_t *check_random(lua_State *L, int arg)
{
    size_t len;
    const uint8_t *p = check_bytes(L, arg, &len);
    luaL_argcheck(L, len == 32, arg, "a random has 32 bytes");
    return p;
}

/* tls12_master_secret(hash_name, pms, client_random, server_random
 *                     [, session_hash]): with session_hash, the extended
 * master secret (rfc7627). */
static int l_tls12_master_secret(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    size_t pms_len, hash_len = 0;
    const uint8_t *pms = check_bytes(L, 2, &pms_len);
    const uint8_t *cr = check_random(L, 3);
    const uint8_t *sr = check_random(L, 4);
    const uint8_t *sh = lua_isnoneornil(L, 5) ? NULL : check_bytes(L, 5, &hash_len);
    uint8_t master[TLS12_MASTER_LEN];
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls12_master_secret(md, pms, pms_len, sh != NULL, cr, sr, sh, hash_len, master, &err)
        != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)master, sizeof master);
    OPENSSL_cleanse(master, sizeof master);
    return 1;
}

/* tls12_key_block(hash_name, key_len, fixed_iv_len, master, client_random,
 *                 server_random) -> { client_key=, server_key=, client_iv=,
 *                 server_iv= } */
static int l_tls12_key_block(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    lua_Integer key_len = luaL_checkinteger(L, 2);
    lua_Integer iv_len = luaL_checkinteger(L, 3);
    luaL_argcheck(L, key_len >= 0 && key_len <= 64, 2, "bad length");
    luaL_argcheck(L, iv_len >= 0 && iv_len <= 64, 3, "bad length");
    const uint8_t *master = check_secret(L, 4, TLS12_MASTER_LEN);
    const uint8_t *cr = check_random(L, 5);
    const uint8_t *sr = check_random(L, 6);
    tls12_key_block *kb = (tls12_key_block *)scratch(L, sizeof *kb);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls12_key_block_derive(md, (size_t)key_len, (size_t)iv_len, master, cr, sr, kb, &err)
        != 0)
        return push_error(L, &err);
    lua_createtable(L, 0, 4);
    set_field(L, "client_key", kb->client_key, kb->key_len);
    set_field(L, "server_key", kb->server_key, kb->key_len);
    set_field(L, "client_iv", kb->client_iv, kb->iv_len);
    set_field(L, "server_iv", kb->server_iv, kb->iv_len);
    tls12_key_block_wipe(kb);
    return 1;
}

/* tls12_finished(hash_name, master, by_server, transcript_hash) */
static int l_tls12_finished(lua_State *L)
{
    const EVP_MD *md = check_hash(L, 1);
    const uint8_t *master = check_secret(L, 2, TLS12_MASTER_LEN);
    int by_server = lua_toboolean(L, 3);
    size_t hash_len;
    const uint8_t *th = check_bytes(L, 4, &hash_len);
    uint8_t out[TLS12_VERIFY_DATA_LEN];
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls12_finished(md, master, by_server, th, hash_len, out, &err) != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)out, sizeof out);
    return 1;
}

/* rsa_premaster_encrypt(key_pem, client_version) -> pms, encrypted | nil, msg, alert */
static int l_rsa_premaster_encrypt(lua_State *L)
{
    size_t pem_len;
    const char *pem = luaL_checklstring(L, 1, &pem_len);
    lua_Integer version = luaL_checkinteger(L, 2);
    luaL_argcheck(L, version >= 0 && version <= 0xffff, 2, "bad version");
    uint8_t *pms = scratch(L, TLS12_PREMASTER_RSA_LEN);
    EVP_PKEY *key = read_key(pem, pem_len);
    if (key == NULL)
        return push_fail(L, "cannot read the private key");
    tls_buf out;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    tls_buf_init(&out);
    int rc = tls12_rsa_premaster_encrypt(key, (uint16_t)version, pms, &out, &err);
    EVP_PKEY_free(key);
    if (rc != 0 || !tls_buf_ok(&out)) {
        tls_buf_free(&out);
        return push_error(L, &err);
    }
    uint8_t *copy = scratch(L, out.len);
    size_t len = out.len;
    memcpy(copy, out.data, out.len);
    tls_buf_free(&out);
    lua_pushlstring(L, (const char *)pms, TLS12_PREMASTER_RSA_LEN);
    OPENSSL_cleanse(pms, TLS12_PREMASTER_RSA_LEN);
    lua_pushlstring(L, (const char *)copy, len);
    return 2;
}

/* A copy of bytes that ends where an inaccessible page begins, so that
 * reading one byte past them faults in any build: the decryption keeps a
 * ciphertext of the wrong length out of its result by a mask, so a read past
 * the peer's bytes changes nothing else a test could see (without ASan). */
typedef struct fenced {
    uint8_t *map, *data;
    size_t map_len;
} fenced;

static int fence(fenced *f, const uint8_t *bytes, size_t len)
{
    long page_size = sysconf(_SC_PAGESIZE);
    if (page_size <= 0)
        return -1;
    size_t page = (size_t)page_size, data_pages = len / page + 1;
    f->map_len = (data_pages + 1) * page;
    void *map = mmap(NULL, f->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return -1;
    f->map = map;
    if (mprotect(f->map + data_pages * page, page, PROT_NONE) != 0) {
        munmap(f->map, f->map_len);
        return -1;
    }
    f->data = f->map + data_pages * page - len;
    if (len > 0)
        memcpy(f->data, bytes, len);
    return 0;
}

/* rsa_premaster_decrypt(key_pem, encrypted, client_version[, fenced]) -> pms | nil, msg, alert
 * fenced: the ciphertext is read from just before an inaccessible page. */
static int l_rsa_premaster_decrypt(lua_State *L)
{
    size_t pem_len, enc_len;
    const char *pem = luaL_checklstring(L, 1, &pem_len);
    const uint8_t *enc = check_bytes(L, 2, &enc_len);
    lua_Integer version = luaL_checkinteger(L, 3);
    luaL_argcheck(L, version >= 0 && version <= 0xffff, 3, "bad version");
    int fenced_ct = lua_toboolean(L, 4);
    uint8_t *pms = scratch(L, TLS12_PREMASTER_RSA_LEN);
    fenced f = {0};
    if (fenced_ct && fence(&f, enc, enc_len) != 0)
        return luaL_error(L, "cannot map a fenced buffer");
    EVP_PKEY *key = read_key(pem, pem_len);
    if (key == NULL) {
        if (fenced_ct)
            munmap(f.map, f.map_len);
        return push_fail(L, "cannot read the private key");
    }
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int rc = tls12_rsa_premaster_decrypt(key, fenced_ct ? f.data : enc, enc_len, (uint16_t)version, pms, &err);
    EVP_PKEY_free(key);
    if (fenced_ct)
        munmap(f.map, f.map_len);
    if (rc != 0)
        return push_error(L, &err);
    lua_pushlstring(L, (const char *)pms, TLS12_PREMASTER_RSA_LEN);
    OPENSSL_cleanse(pms, TLS12_PREMASTER_RSA_LEN);
    return 1;
}

/* chain_fits_sigalgs_cert(pem_chain, { scheme, ... }) -> boolean */
static int l_chain_fits_sigalgs_cert(lua_State *L)
{
    size_t len;
    const char *pem = luaL_checklstring(L, 1, &len);
    luaL_checktype(L, 2, LUA_TTABLE);
    uint16_t ids[64];
    lua_Integer n = luaL_len(L, 2);
    luaL_argcheck(L, n >= 0 && n <= 64, 2, "at most 64 schemes");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 2, i);
        ids[i - 1] = (uint16_t)luaL_checkinteger(L, -1);
        lua_pop(L, 1);
    }
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *x;
    while (bio != NULL && chain != NULL && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(chain, x))
            X509_free(x);
    ERR_clear_error();
    int fits = chain != NULL && sk_X509_num(chain) > 0 &&
               tls_chain_fits_sigalgs_cert(chain, ids, (size_t)n);
    sk_X509_pop_free(chain, X509_free);
    BIO_free(bio);
    lua_pushboolean(L, fits);
    return 1;
}

static const luaL_Reg functions[] = {
    {"chain_fits_sigalgs_cert", l_chain_fits_sigalgs_cert},
    {"hash", l_hash},
    {"hkdf_extract", l_hkdf_extract},
    {"hkdf_expand", l_hkdf_expand},
    {"expand_label", l_expand_label},
    {"derive_secret", l_derive_secret},
    {"keyschedule", l_keyschedule},
    {"hmac_kept", l_hmac_kept},
    {"hmac_sequence", l_hmac_sequence},
    {"traffic_keys", l_traffic_keys},
    {"finished", l_finished},
    {"next_traffic_secret", l_next_traffic_secret},
    {"seal", l_seal},
    {"open", l_open},
    {"kex_x25519", l_kex_x25519},
    {"kex_pair", l_kex_pair},
    {"kex_peer", l_kex_peer},
    {"kex_private", l_kex_private},
    {"transcript", l_transcript},
    {"genkey", l_genkey},
    {"sign", l_sign},
    {"verify", l_verify},
    {"random", l_random},
    {"utf8_cut", l_utf8_cut},
    {"tls12_prf", l_tls12_prf},
    {"tls12_master_secret", l_tls12_master_secret},
    {"tls12_key_block", l_tls12_key_block},
    {"tls12_finished", l_tls12_finished},
    {"tls12_seal", l_tls12_seal},
    {"tls12_open", l_tls12_open},
    {"rsa_premaster_encrypt", l_rsa_premaster_encrypt},
    {"rsa_premaster_decrypt", l_rsa_premaster_decrypt},
    {NULL, NULL},
};

int tls_lua_push_internal(lua_State *L)
{
    if (tls_crypto_init() != 0)
        return luaL_error(L, "libcrypto lacks an algorithm luatls needs");
    luaL_newlib(L, functions);
    return 1;
}
