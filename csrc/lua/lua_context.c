/* The context object: a tls_config shared by connections, plus the trace
 * function. lua/tls.lua validates the user's options and calls the setters
 * below; each returns true or nil, message. */
#include <string.h>
#include <sys/stat.h>

#include "lua/lua_tls.h"
#include "util/tls_consts.h"
#include "util/tls_names.h"
#include "pki/tls_pin.h"
#include "pki/tls_x509.h"
#include "pki/tls_ocsp.h"
#include "hs/tls_session.h"
#include "crypto/tls_crypto.h"

typedef struct lua_context {
    tls_config *cfg; /* NULL once collected */
} lua_context;

static lua_context *check_ctx(lua_State *L, int idx)
{
    lua_context *ctx = luaL_checkudata(L, idx, TLS_LUA_CONTEXT);
    if (!ctx->cfg)
        luaL_argerror(L, idx, "context already collected");
    return ctx;
}

tls_config *tls_lua_check_context(lua_State *L, int idx)
{
    return check_ctx(L, idx)->cfg;
}

static int push_result(lua_State *L, int rc, const tls_error *err)
{
    if (rc == 0) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushnil(L);
    lua_pushstring(L, err->set ? err->reason : "failed");
    return 2;
}

/* core.context(is_server) */
int tls_lua_context_new(lua_State *L)
{
    int is_server = lua_toboolean(L, 1);
    lua_context *ctx = lua_newuserdatauv(L, sizeof *ctx, TLS_LUA_CTX_SLOTS);
    ctx->cfg = NULL;
    luaL_setmetatable(L, TLS_LUA_CONTEXT);
    ctx->cfg = tls_config_new(is_server);
    if (!ctx->cfg) {
        lua_pushnil(L);
        lua_pushliteral(L, "out of memory");
        return 2;
    }
    return 1;
}

static int ctx_set_chain(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len;
    const char *src = luaL_checklstring(L, 2, &len);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, tls_config_set_chain(ctx->cfg, src, len, lua_toboolean(L, 3), &err), &err);
}

static int ctx_set_key(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len;
    const char *src = luaL_checklstring(L, 2, &len);
    size_t password_len = 0;
    const char *password = luaL_optlstring(L, 4, NULL, &password_len);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    /* libcrypto takes the password as a C string: a zero byte would cut it
     * short, and the key opened with its first part. */
    if (password != NULL && memchr(password, '\0', password_len) != NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "key: the password contains a zero byte, which would cut it short");
        return 2;
    }
    int rc = tls_config_set_key(ctx->cfg, src, len, lua_toboolean(L, 3), password, &err);
    if (rc != 0 || (ctx->cfg->key_file_mode & (S_IROTH | S_IWOTH)) == 0)
        return push_result(L, rc, &err);
    /* true, nil, mode: a key file every user can read, or replace with a
     * key of their own (tls.lua warns). */
    lua_pushboolean(L, 1);
    lua_pushnil(L);
    lua_pushinteger(L, ctx->cfg->key_file_mode);
    return 3;
}

static int ctx_load_ca_pem(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len;
    const char *pem = luaL_checklstring(L, 2, &len);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, tls_config_load_ca_pem(ctx->cfg, pem, len, &err), &err);
}

/* A path names a bundle file or a hashed directory (c_rehash layout); its
 * length goes along, so a zero byte inside it is refused by name. */
static int ctx_load_ca_path(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len;
    const char *path = luaL_checklstring(L, 2, &len);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, tls_config_load_ca_path(ctx->cfg, path, len, &err), &err);
}

static int ctx_load_system_ca(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, tls_config_load_system_ca(ctx->cfg, &err), &err);
}

typedef int (*list_setter)(tls_config *, const char *, tls_error *);

static int set_list(lua_State *L, list_setter set)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len;
    const char *list = luaL_checklstring(L, 2, &len);
    /* The setters take a C string: what follows a zero byte, unknown names
     * included, was dropped in silence (review40e F1). */
    if (memchr(list, '\0', len) != NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "the list holds a zero byte, which would cut it short");
        return 2;
    }
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, set(ctx->cfg, list, &err), &err);
}

static int ctx_set_suites(lua_State *L)
{
    return set_list(L, tls_config_set_suites);
}

static int ctx_set_groups(lua_State *L)
{
    return set_list(L, tls_config_set_groups);
}

static int ctx_set_sigalgs(lua_State *L)
{
    return set_list(L, tls_config_set_sigalgs);
}

/* ctx:set_verify(mode): a client takes true or false; a server also
 * "optional" and "required" (true is "required"). lua/tls.lua checks the
 * option and names it; this refuses the rest. */
static int ctx_set_verify(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    int mode;
    if (lua_type(L, 2) == LUA_TSTRING && ctx->cfg->is_server) {
        const char *s = tls_lua_check_word(L, 2);
        if (strcmp(s, "optional") == 0)
            mode = TLS_VERIFY_PEER;
        else if (strcmp(s, "required") == 0)
            mode = TLS_VERIFY_REQUIRED;
        else
            return luaL_argerror(L, 2, "\"optional\", \"required\", true or false expected");
    } else {
        luaL_checktype(L, 2, LUA_TBOOLEAN);
        mode = !lua_toboolean(L, 2)     ? TLS_VERIFY_NONE
               : ctx->cfg->is_server ? TLS_VERIFY_REQUIRED
                                     : TLS_VERIFY_PEER;
    }
    ctx->cfg->verify = mode;
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_verify_chain_only(true): a client checks the server's chain but
 * no name, as LuaSec does when a program gives none (lua/tls/luasec.lua uses
 * it only then; tls.context has no option for it). */
static int ctx_set_verify_chain_only(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    luaL_checktype(L, 2, LUA_TBOOLEAN);
    luaL_argcheck(L, !ctx->cfg->is_server, 1, "a server checks no name anyway");
    ctx->cfg->verify_chain_only = lua_toboolean(L, 2);
    lua_pushboolean(L, 1);
    return 1;
}

/* Records under one write key before we update it; lua/tls.lua checks
 * the value. */
static int ctx_set_key_update_after(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 1, 2, "must be at least 1");
    ctx->cfg->key_update_after = (uint64_t)n;
    lua_pushboolean(L, 1);
    return 1;
}

/* libcrypto's authentication security level for the peer's chain, 0 to 5
 * (tls.lua checks the range). */
static int ctx_set_security_level(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    lua_Integer level = luaL_checkinteger(L, 2);
    luaL_argcheck(L, level >= 0 && level <= 5, 2, "security level 0 to 5 expected");
    ctx->cfg->security_level = (int)level;
    lua_pushboolean(L, 1);
    return 1;
}

/* record_size_limit (rfc8449), already checked by lua/tls.lua. */
static int ctx_set_record_size_limit(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= TLS_RECORD_SIZE_LIMIT_MIN && n <= TLS_RECORD_SIZE_LIMIT_MAX, 2,
                  "record size limit out of range");
    ctx->cfg->record_size_limit = (uint16_t)n;
    lua_pushboolean(L, 1);
    return 1;
}

static int ctx_set_strict_close(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    ctx->cfg->strict_close = lua_toboolean(L, 2);
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:check(): true, or nil and why no peer could ever connect with
 * these settings (tls_config_check). lua/tls.lua calls it last. */
static int ctx_check(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_config_check(ctx->cfg, &err) != 0)
        return push_result(L, -1, &err);
    /* A client's alpn list is the one setting with no small bound: one that
     * no ClientHello can carry failed every start() (review41b item 1). The
     * hello is tried only then, to spare other contexts a key generation. */
    int hello = !ctx->cfg->is_server && ctx->cfg->alpn.len > 0 ? tls_config_check_hello(ctx->cfg, &err) : 0;
    if (hello != 0) {
        lua_pushnil(L);
        if (hello == -1)
            lua_pushfstring(L, "option 'alpn': no ClientHello can carry this list: %s", err.reason);
        else
            lua_pushfstring(L, "the ClientHello could not be tried: %s", err.reason);
        return 2;
    }
    return push_result(L, 0, &err);
}

/* ctx:versions_out() -> why TLS 1.3 is out (or nil), why TLS 1.2 is out
 * (or nil): for options that act in one version only. */
static int ctx_versions_out(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    char b13[256], b12[256];
    const char *no13 = tls_config_version_out(ctx->cfg, TLS_VERSION_13, b13, sizeof b13);
    const char *no12 = tls_config_version_out(ctx->cfg, TLS_VERSION_12, b12, sizeof b12);
    if (no13 != NULL)
        lua_pushstring(L, no13);
    else
        lua_pushnil(L);
    if (no12 != NULL)
        lua_pushstring(L, no12);
    else
        lua_pushnil(L);
    return 2;
}

/* ctx:set_versions(min_name, max_name): "TLSv1.2" / "TLSv1.3". */
static int ctx_set_versions(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    const char *min = tls_lua_check_word(L, 2), *max = tls_lua_check_word(L, 3);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, tls_config_set_versions(ctx->cfg, tls_version_by_name(min),
                                                  tls_version_by_name(max), &err), &err);
}

static int ctx_set_require_ems(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    ctx->cfg->require_ems = lua_toboolean(L, 2);
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_alpn(wire): the ProtocolNameList content lua/tls.lua built. */
static int ctx_set_alpn(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len;
    const char *list = luaL_checklstring(L, 2, &len);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, tls_config_set_alpn(ctx->cfg, (const uint8_t *)list, len, &err), &err);
}

static int ctx_set_sni_strict(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    ctx->cfg->sni_strict = lua_toboolean(L, 2);
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_ocsp_response(src): a server's stapled OCSP response. A string
 * holding a zero byte is the DER itself (every successful OCSPResponse has
 * one: its responseStatus is ENUMERATED 0, and a path cannot); anything
 * else names a file. */
static int ctx_set_ocsp_response(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len;
    const char *src = luaL_checklstring(L, 2, &len);
    int is_path = memchr(src, 0, len) == NULL;
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int rc = tls_config_set_ocsp_response(ctx->cfg, src, len, is_path, &err);
    /* A response that is not about the first pair's certificate is never
     * stapled (tls_ocsp_server_prepare): true, nil, why, for tls.lua's one
     * warning per context, where the trace says it per handshake. */
    char why[TLS_REASON_MAX - 40];
    tls_config *cfg = ctx->cfg;
    if (rc != 0 || cfg->n_ids == 0 || cfg->ids[0].chain == NULL ||
        tls_ocsp_response_names(cfg->store, cfg->ids[0].chain, cfg->ocsp_response.data, cfg->ocsp_response.len,
                                why, sizeof why) != 0)
        return push_result(L, rc, &err);
    lua_pushboolean(L, 1);
    lua_pushnil(L);
    lua_pushstring(L, why);
    return 3;
}

/* ctx:set_ocsp(mode): a client's stapling, "off", "ask" or "require". */
static int ctx_set_ocsp(lua_State *L)
{
    static const char *const modes[] = {"off", "ask", "require", NULL};
    static const int values[] = {TLS_OCSP_OFF, TLS_OCSP_ASK, TLS_OCSP_REQUIRE};
    lua_context *ctx = check_ctx(L, 1);
    ctx->cfg->ocsp = values[tls_lua_check_option(L, 2, NULL, modes)];
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:add_pin("sha256/<base64>") */
static int ctx_add_pin(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len;
    const char *pin = luaL_checklstring(L, 2, &len);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, tls_config_add_pin(ctx->cfg, pin, len, &err), &err);
}

/* ctx:load_crl(pem_or_path, is_path) */
static int ctx_load_crl(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len;
    const char *src = luaL_checklstring(L, 2, &len);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, tls_config_load_crl(ctx->cfg, src, len, lua_toboolean(L, 3), &err), &err);
}

/* ctx:set_crl_check_all(bool): every certificate of the chain, or the leaf only. */
static int ctx_set_crl_check_all(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    ctx->cfg->crl_check = lua_toboolean(L, 2) ? TLS_CRL_CHECK_ALL : TLS_CRL_CHECK_LEAF;
    lua_pushboolean(L, 1);
    return 1;
}

static int ctx_set_trace(lua_State *L)
{
    check_ctx(L, 1);
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_setiuservalue(L, 1, TLS_LUA_SLOT_TRACE);
    lua_pushboolean(L, 1);
    return 1;
}

/* The registry's weak-keyed table: verify function -> the 16 random
 * bytes that are its identity in this process. */
static const char verify_ids_key = 0;

/* Sets cfg's verify function identity for the function at fn_index (nil:
 * none) and verify_id at id_index (nil: the function's random one). One
 * function value has one identity, however many contexts hold it (a
 * context made per connection), so their sessions resume in each other;
 * another function, or another process, has another: a session checked by
 * one is never resumed under another (engine/tls_resume.c). A verify_id
 * says the program vouches for every function given it being one policy. */
static int set_verify_fn_id(lua_State *L, tls_config *cfg, int fn_index, int id_index, tls_error *err)
{
    if (lua_isnil(L, fn_index)) {
        tls_config_set_verify_fn_id(cfg, NULL, NULL, 0);
        return 0;
    }
    if (!lua_isnoneornil(L, id_index)) {
        size_t len = 0;
        const char *id = luaL_checklstring(L, id_index, &len);
        luaL_argcheck(L, len >= 1 && len <= 255, id_index, "verify_id: 1 to 255 bytes");
        tls_config_set_verify_fn_id(cfg, "named", id, len);
        return 0;
    }
    tls_lua_weak_table(L, &verify_ids_key, "k");
    lua_pushvalue(L, fn_index);
    if (lua_rawget(L, -2) != LUA_TSTRING) {
        lua_pop(L, 1);
        uint8_t bytes[16];
        if (tls_random(bytes, sizeof bytes, err) != 0) {
            lua_pop(L, 1);
            return -1;
        }
        lua_pushlstring(L, (const char *)bytes, sizeof bytes);
        lua_pushvalue(L, fn_index);
        lua_pushvalue(L, -2);
        lua_rawset(L, -4);
    }
    size_t len = 0;
    const char *bytes = lua_tolstring(L, -1, &len);
    tls_config_set_verify_fn_id(cfg, "random", bytes, len);
    lua_pop(L, 2);
    return 0;
}

/* ctx:set_hook(name, fn or nil [, verify_id]): lua/tls.lua checks which
 * options may take a function on which side; verify_id (a string) only
 * with "verify". */
static int ctx_set_hook(lua_State *L)
{
    static const char *const names[] = {"verify", "client_certificate", "servername", "alpn",
                                        "ocsp", "keylog", NULL};
    lua_context *ctx = check_ctx(L, 1);
    int slot = TLS_LUA_SLOT_VERIFY + tls_lua_check_option(L, 2, NULL, names);
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TFUNCTION);
    luaL_argcheck(L, lua_isnoneornil(L, 4) || (slot == TLS_LUA_SLOT_VERIFY && !lua_isnoneornil(L, 3)), 4,
                  "verify_id goes with a verify function only");
    lua_settop(L, 4);
    /* The identity with the function, in one call: a connection takes both
     * from the context when it is made (its hooks and c->pol, review41c),
     * so the two it takes always belong together. */
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (slot == TLS_LUA_SLOT_VERIFY && set_verify_fn_id(L, ctx->cfg, 3, 4, &err) != 0)
        return push_result(L, -1, &err);
    lua_settop(L, 3);
    lua_setiuservalue(L, 1, slot);
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_keylog(path or nil): the NSS key log file. */
static int ctx_set_keylog(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    size_t len = 0;
    const char *path = luaL_optlstring(L, 2, NULL, &len);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    return push_result(L, tls_keylog_set_file(ctx->cfg, path, len, &err), &err);
}

/* ---- Resumption (lua/tls.lua validates the options first) ---- */

/* ctx:set_tickets(n): NewSessionTickets per full TLS 1.3 handshake; 0 turns
 * tickets off in both versions. */
static int ctx_set_tickets(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0 && n <= 16, 2, "from 0 to 16");
    ctx->cfg->tickets = (unsigned)n;
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_ticket_lifetime(seconds) */
static int ctx_set_ticket_lifetime(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 1 && n <= TLS_MAX_TICKET_LIFETIME, 2, "from 1 to 604800 seconds");
    ctx->cfg->ticket_lifetime = (uint32_t)n;
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_ticket_keys({ key, ... }): each key a string of 48 bytes
 * (tls.ticketkeys.generate()), the current one first. */
static int ctx_set_ticket_keys(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 2);
    if (n < 1 || n > TLS_MAX_TICKET_KEYS) {
        lua_pushnil(L);
        lua_pushfstring(L, "ticket_keys: give 1 to %d keys (got %d)", TLS_MAX_TICKET_KEYS, (int)n);
        return 2;
    }
    const uint8_t *keys[TLS_MAX_TICKET_KEYS];
    for (lua_Integer i = 1; i <= n; i++) {
        size_t len = 0;
        lua_geti(L, 2, i);
        const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if (k == NULL || len != TLS_TICKET_KEY_LEN) {
            lua_pushnil(L);
            lua_pushfstring(L, "ticket_keys: key %d must be a string of %d bytes from "
                               "tls.ticketkeys.generate() (got %s of %d bytes)",
                            (int)i, TLS_TICKET_KEY_LEN, luaL_typename(L, -2), (int)len);
            return 2;
        }
        keys[i - 1] = (const uint8_t *)k; /* the table keeps the string alive */
        lua_pop(L, 1);
    }
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    int rc = tls_ticket_keys_set(&ctx->cfg->ticket_keys, keys, (size_t)n, tls_config_now_ms(ctx->cfg), &err);
    return push_result(L, rc, &err);
}

/* ctx:set_ticket_key_rotation(seconds): 0 turns automatic rotation off. */
static int ctx_set_ticket_key_rotation(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    lua_Number s = luaL_checknumber(L, 2);
    luaL_argcheck(L, s >= 0 && s <= 1e9, 2, "a number of seconds >= 0");
    /* Rounded up: a lifetime under a millisecond truncated to 0, which
     * means no rotation at all (review23 R3). */
    uint64_t ms = (uint64_t)(s * 1000);
    if ((lua_Number)ms < s * 1000)
        ms++;
    ctx->cfg->ticket_keys.rotate_ms = ms;
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_psk_ke(bool) */
static int ctx_set_psk_ke(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    ctx->cfg->psk_ke = lua_toboolean(L, 2);
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_early_data(bool[, max_bytes]) */
static int ctx_set_early_data(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    ctx->cfg->early_data = lua_toboolean(L, 2);
    if (!lua_isnoneornil(L, 3)) {
        lua_Integer n = luaL_checkinteger(L, 3);
        luaL_argcheck(L, n >= 1 && n <= 0x7fffffff, 3, "a positive number of bytes");
        ctx->cfg->max_early_data = (uint32_t)n;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_session_store(table or nil) */
static int ctx_set_session_store(lua_State *L)
{
    check_ctx(L, 1);
    if (!lua_isnoneornil(L, 2))
        luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_setiuservalue(L, 1, TLS_LUA_SLOT_STORE);
    lua_pushboolean(L, 1);
    return 1;
}

/* ctx:set_clock_offset(seconds): moves the clock the resumption code
 * reads, so tests can age tickets without waiting. */
static int ctx_set_clock_offset(lua_State *L)
{
    lua_context *ctx = check_ctx(L, 1);
    lua_Number s = luaL_checknumber(L, 2);
    /* NaN or a number beyond int64_t milliseconds does not convert (undefined). */
    luaL_argcheck(L, s >= -1e12 && s <= 1e12, 2, "a number of seconds from -1e12 to 1e12 expected");
    ctx->cfg->clock_offset_ms = (int64_t)(s * 1000);
    lua_pushboolean(L, 1);
    return 1;
}

static int ctx_mode(lua_State *L)
{
    lua_pushstring(L, check_ctx(L, 1)->cfg->is_server ? "server" : "client");
    return 1;
}

/* ctx:verifies() -> whether a client context checks the server's
 * certificate (tls.lua's words for an empty 'servername' depend on it). */
static int ctx_verifies(lua_State *L)
{
    lua_pushboolean(L, check_ctx(L, 1)->cfg->verify != TLS_VERIFY_NONE);
    return 1;
}

static int ctx_gc(lua_State *L)
{
    lua_context *ctx = luaL_checkudata(L, 1, TLS_LUA_CONTEXT);
    if (ctx->cfg) {
        tls_config_unref(ctx->cfg);
        ctx->cfg = NULL;
    }
    return 0;
}

static int ctx_tostring(lua_State *L)
{
    lua_context *ctx = luaL_checkudata(L, 1, TLS_LUA_CONTEXT);
    lua_pushfstring(L, "tls.context{%s}: %p",
                    ctx->cfg ? (ctx->cfg->is_server ? "server" : "client") : "collected",
                    (void *)ctx);
    return 1;
}

static int ctx_add_method(lua_State *L);

static const luaL_Reg context_methods[] = {
    {"add_method", ctx_add_method},
    {"set_chain", ctx_set_chain},
    {"set_key", ctx_set_key},
    {"load_ca_pem", ctx_load_ca_pem},
    {"load_ca_path", ctx_load_ca_path},
    {"load_system_ca", ctx_load_system_ca},
    {"set_suites", ctx_set_suites},
    {"set_groups", ctx_set_groups},
    {"set_sigalgs", ctx_set_sigalgs},
    {"set_verify", ctx_set_verify},
    {"set_verify_chain_only", ctx_set_verify_chain_only},
    {"set_security_level", ctx_set_security_level},
    {"set_strict_close", ctx_set_strict_close},
    {"set_versions", ctx_set_versions},
    {"check", ctx_check},
    {"versions_out", ctx_versions_out},
    {"set_require_ems", ctx_set_require_ems},
    {"set_alpn", ctx_set_alpn},
    {"set_sni_strict", ctx_set_sni_strict},
    {"set_trace", ctx_set_trace},
    {"set_hook", ctx_set_hook},
    {"set_keylog", ctx_set_keylog},
    {"set_ocsp_response", ctx_set_ocsp_response},
    {"set_ocsp", ctx_set_ocsp},
    {"add_pin", ctx_add_pin},
    {"load_crl", ctx_load_crl},
    {"set_crl_check_all", ctx_set_crl_check_all},
    {"set_key_update_after", ctx_set_key_update_after},
    {"set_record_size_limit", ctx_set_record_size_limit},
    {"set_tickets", ctx_set_tickets},
    {"set_ticket_lifetime", ctx_set_ticket_lifetime},
    {"set_ticket_keys", ctx_set_ticket_keys},
    {"set_ticket_key_rotation", ctx_set_ticket_key_rotation},
    {"set_psk_ke", ctx_set_psk_ke},
    {"set_early_data", ctx_set_early_data},
    {"set_session_store", ctx_set_session_store},
    {"set_clock_offset", ctx_set_clock_offset},
    {"mode", ctx_mode},
    {"verifies", ctx_verifies},
    {NULL, NULL},
};

void tls_lua_context_register(lua_State *L)
{
    /* What a context object a program holds answers to. The setters are
     * not among them: ctx:set_verify(false) on a shared context would
     * weaken every later connection past tls.context's checks. lua/tls.lua
     * adds its documented methods (setticketkeys, ticketkeynames) here. */
    static const luaL_Reg public_methods[] = {
        {"check", ctx_check},
        {"mode", ctx_mode},
        {NULL, NULL},
    };
    static const luaL_Reg meta[] = {
        {"__gc", ctx_gc},
        {"__tostring", ctx_tostring},
        {NULL, NULL},
    };
    luaL_newmetatable(L, TLS_LUA_CONTEXT);
    luaL_setfuncs(L, meta, 0);
    tls_lua_seal_metatable(L);
    luaL_newlib(L, public_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

/* context_methods.add_method(name, fn) -> true | false: a method written
 * in Lua (lua/tls.lua's setticketkeys, ticketkeynames) joins the ones
 * contexts answer to. A name they already answer to is left as it is
 * (false), so that no later caller replaces a method, and a second load
 * of lua/tls.lua keeps the first one's (which do the same); so is the name
 * of a raw setter, which must never become a method (api20). */
static int ctx_add_method(lua_State *L)
{
    const char *name = tls_lua_check_word(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    for (const luaL_Reg *r = context_methods; r->name != NULL; r++) {
        if (strcmp(r->name, name) == 0) {
            lua_pushboolean(L, 0);
            return 1;
        }
    }
    luaL_getmetatable(L, TLS_LUA_CONTEXT);
    lua_getfield(L, 3, "__index");
    lua_pushvalue(L, 1);
    if (lua_rawget(L, 4) != LUA_TNIL) {
        lua_pushboolean(L, 0);
        return 1;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_rawset(L, 4);
    lua_pushboolean(L, 1);
    return 1;
}

static int methods_read_only(lua_State *L)
{
    return luaL_error(L, "tls.core.context_methods is read-only");
}

/* The iterator pairs() gets: the hidden table is its upvalue, never
 * handed out (a caller could change it). */
static int methods_next(lua_State *L)
{
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1)) == 0) {
        lua_pushnil(L);
        return 1;
    }
    return 2;
}

static int methods_pairs(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, methods_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* Every method, for lua/tls.lua (and the specs) only: the module table's
 * context_methods, called as context_methods.set_verify(ctx, v). It is a
 * read-only view of a table no Lua code holds: lua/tls.lua copies the
 * functions when it loads, and a module that assigned to it (a "mock"
 * turning add_pin or load_crl into a no-op) would otherwise have silently
 * disarmed every later tls.context option of the process. */
void tls_lua_push_context_methods(lua_State *L)
{
    lua_newtable(L);                      /* the view */
    luaL_newlib(L, context_methods);      /* the methods */
    lua_createtable(L, 0, 4);             /* the view's metatable */
    lua_insert(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "__index");
    lua_pushcclosure(L, methods_pairs, 1);
    lua_setfield(L, -2, "__pairs");
    lua_pushcfunction(L, methods_read_only);
    lua_setfield(L, -2, "__newindex");
    tls_lua_seal_metatable(L);
    lua_setmetatable(L, -2);
}
