/* luaopen_tls_core: the C half of the `tls` module. lua/tls.lua checks the
 * user's options and calls these functions with plain arguments. */
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "lua/lua_cert.h"
#include "lua/lua_internal.h"
#include "lua/lua_tls.h"
#include "crypto/tls_crypto.h"
#include "pki/tls_x509.h"
#include "util/tls_names.h"

#define SELFSIGNED_MAX_NAMES 64
#define TLS_LUA_GUARD "tls.guard"
#define TLS_LUA_BUF "tls.buf"

/* ---- Re-entry guard ------------------------------------------------------ */

typedef struct lua_guard {
    int *flag;
} lua_guard;

static int guard_close(lua_State *L)
{
    lua_guard *g = luaL_checkudata(L, 1, TLS_LUA_GUARD);
    *g->flag = 0;
    return 0;
}

void tls_lua_guard_new(lua_State *L, int *flag)
{
    lua_guard *g = lua_newuserdatauv(L, sizeof *g, 0);
    g->flag = flag;
    luaL_setmetatable(L, TLS_LUA_GUARD);
}

static int reserve_call(lua_State *L)
{
    (void)L;
    return 0;
}

/* Room for the guard's __close call at the method's return: its arguments
 * and a C function's LUA_MINSTACK, above what a method leaves on the stack. */
#define GUARD_CLOSE_ROOM (LUA_MINSTACK + 16)

void tls_lua_enter(lua_State *L, int *flag, const char *what)
{
    if (*flag)
        luaL_error(L, "tls: %s is in use (re-entered from a finalizer or callback)", what);
    lua_settop(L, TLS_LUA_METHOD_ARGS);
    /* Lua drops a __close it cannot call for want of memory (a CallInfo, a
     * larger stack) and the flag would stay set for ever: the engine in use
     * to every later call, never freed by its __gc. Both are made here,
     * before the flag is set, where running out of memory is a plain error:
     * lua_checkstack raises this call's stack limit (the collector does not
     * shrink below it) and a call makes the CallInfo after ours (it keeps
     * the first spare one). */
    if (!lua_checkstack(L, GUARD_CLOSE_ROOM))
        /* lua_checkstack cannot tell the two apart (luaL_checkstack would
         * say "stack overflow" when memory ran out). */
        luaL_error(L, "tls: no stack room for this call: not enough memory, or a stack overflow");
    lua_pushcfunction(L, reserve_call);
    lua_call(L, 0, 0);
    if (lua_getiuservalue(L, 1, TLS_LUA_GUARD_SLOT) != LUA_TUSERDATA)
        luaL_error(L, "tls: %s has no guard", what);
    *flag = 1;
    lua_toclose(L, -1);
}

void tls_lua_seal_metatable(lua_State *L)
{
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
}

void tls_lua_weak_table(lua_State *L, const void *key, const char *mode)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE)
        return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushstring(L, mode);
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, key);
}

/* ---- Boxed buffers -------------------------------------------------------- */

static int buf_gc(lua_State *L)
{
    tls_buf_free(luaL_checkudata(L, 1, TLS_LUA_BUF));
    return 0;
}

tls_buf *tls_lua_buf_new(lua_State *L)
{
    tls_buf *b = lua_newuserdatauv(L, sizeof *b, 0);
    tls_buf_init(b);
    luaL_setmetatable(L, TLS_LUA_BUF);
    return b;
}

void tls_lua_buf_push(lua_State *L, int idx, tls_buf *b)
{
    idx = lua_absindex(L, idx);
    lua_pushlstring(L, (const char *)b->data, b->len);
    tls_buf_free(b);
    lua_remove(L, idx);
}

static void guard_register(lua_State *L)
{
    luaL_newmetatable(L, TLS_LUA_GUARD);
    lua_pushcfunction(L, guard_close);
    lua_setfield(L, -2, "__close");
    lua_pop(L, 1);
    luaL_newmetatable(L, TLS_LUA_BUF);
    lua_pushcfunction(L, buf_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}

/* ---- Option words ------------------------------------------------------------ */

/* A word the binding compares with strcmp ("optional", "TLSv1.3", "send"):
 * lua_tostring's C string ends at the first zero byte, so "optional\0x"
 * read as "optional" and the rest went unseen (review41b). Raises on one. */
const char *tls_lua_check_word(lua_State *L, int arg)
{
    size_t len;
    const char *s = luaL_checklstring(L, arg, &len);
    if (memchr(s, '\0', len) != NULL)
        luaL_argerror(L, arg, "the word holds a zero byte");
    return s;
}

int tls_lua_opt_flag(lua_State *L, int arg)
{
    if (lua_isnoneornil(L, arg))
        return 0;
    luaL_checktype(L, arg, LUA_TBOOLEAN);
    return lua_toboolean(L, arg);
}

/* luaL_checkoption, which compares with strcmp, with the same refusal. */
int tls_lua_check_option(lua_State *L, int arg, const char *def, const char *const list[])
{
    if (def == NULL || !lua_isnoneornil(L, arg))
        tls_lua_check_word(L, arg);
    return luaL_checkoption(L, arg, def, list);
}

/* ---- Server names ----------------------------------------------------------- */

int tls_lua_check_server_name(lua_State *L, int idx)
{
    size_t len;
    char why[200];
    if (lua_type(L, idx) != LUA_TSTRING)
        return 0;
    const char *name = lua_tolstring(L, idx, &len);
    if (tls_server_name_problem(name, len, why, sizeof why) == 0)
        return 0;
    lua_pushnil(L);
    lua_pushfstring(L, "server name %s", why);
    return -1;
}

/* core.server_name_problem(name) -> nil | what is wrong with it */
/* core.readable(path) -> whether a file of that name can be read, told
 * without opening it: opening a FIFO waits for its writer, and closing it
 * again would end the writer's stream before the real read (tls.lua's
 * client 'ocsp' check, the LuaSec drop-in's cafile/capath). */
static int core_readable(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);
    lua_pushboolean(L, len > 0 && memchr(path, '\0', len) == NULL && access(path, R_OK) == 0);
    return 1;
}

/* core.attribute_names(type) -> oid, name | nil: a name attribute's type
 * as RFC 2253 text writes it (libcrypto's short name, "street", "SN", or
 * a dotted OID) as its dotted OID and libcrypto's long name
 * ("2.5.4.9", "streetAddress"), which is how LuaSec lists a certificate's
 * subject and issuer; nil for text that names no object. */
static int core_attribute_names(lua_State *L)
{
    const char *type = luaL_checkstring(L, 1);
    ASN1_OBJECT *obj = OBJ_txt2obj(type, 0);
    if (obj == NULL) {
        ERR_clear_error();
        lua_pushnil(L);
        return 1;
    }
    char oid[128], name[128];
    int oid_len = OBJ_obj2txt(oid, sizeof oid, obj, 1);
    int name_len = OBJ_obj2txt(name, sizeof name, obj, 0);
    ASN1_OBJECT_free(obj);
    if (oid_len <= 0 || oid_len >= (int)sizeof oid || name_len <= 0 || name_len >= (int)sizeof name) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, oid);
    lua_pushstring(L, name);
    return 2;
}

static int core_server_name_problem(lua_State *L)
{
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    char why[200];
    if (tls_server_name_problem(name, len, why, sizeof why) == 0)
        lua_pushnil(L);
    else
        lua_pushstring(L, why);
    return 1;
}

/* core.is_ip_literal(s) -> whether s is an IPv4 or IPv6 address as text
 * (what the certificate matcher and tls.selfsigned take for an address). */
static int core_is_ip_literal(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    lua_pushboolean(L, memchr(s, '\0', len) == NULL && tls_is_ip_literal(s));
    return 1;
}

/* core.key_is_encrypted(key, is_path) -> whether the key asks for a password */
static int core_key_is_encrypted(lua_State *L)
{
    size_t len;
    const char *src = luaL_checklstring(L, 1, &len);
    lua_pushboolean(L, tls_key_is_encrypted(src, len, lua_toboolean(L, 2)));
    return 1;
}

/* Runs under lua_pcall: pushes the two PEM strings of a light userdata
 * char *[2], so that a memory error cannot leak them. */
static int push_pems(lua_State *L)
{
    char **pem = lua_touserdata(L, 1);
    lua_pushstring(L, pem[0]);
    lua_pushstring(L, pem[1]);
    return 2;
}

/* core.selfsigned(names, key_type, days) -> cert_pem, key_pem | nil, msg */
static int core_selfsigned(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *key_type = lua_isnoneornil(L, 2) ? "ec" : tls_lua_check_word(L, 2);
    lua_Integer days = luaL_optinteger(L, 3, 30);
    const char *names[SELFSIGNED_MAX_NAMES];
    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, n > 0 && n <= SELFSIGNED_MAX_NAMES, 1, "between 1 and 64 names expected");
    luaL_argcheck(L, days > 0 && days <= 36500, 3, "days out of range");
    /* The strings stay alive in the table, which stays on the stack (only
     * strings: a number converted by lua_tostring would be a temporary). */
    for (lua_Integer i = 1; i <= n; i++) {
        luaL_argcheck(L, lua_rawgeti(L, 1, i) == LUA_TSTRING, 1, "names must be strings");
        size_t len = 0;
        names[i - 1] = lua_tolstring(L, -1, &len);
        /* tls_selfsigned takes C strings: "a.test\0.evil.test" made a
         * certificate for "a.test" in silence (tls.selfsigned refuses it
         * first; core.selfsigned did not, review42f). */
        luaL_argcheck(L, memchr(names[i - 1], '\0', len) == NULL, 1, "a name holds a zero byte");
        lua_pop(L, 1);
    }
    char *pem[2] = { NULL, NULL }; /* certificate, key */
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_selfsigned(names, (size_t)n, key_type, (int)days, &pem[0], &pem[1], &err) != 0) {
        lua_pushnil(L);
        lua_pushstring(L, err.set ? err.reason : "cannot make a certificate");
        return 2;
    }
    lua_pushcfunction(L, push_pems);
    lua_pushlightuserdata(L, pem);
    int rc = lua_pcall(L, 1, 2, 0);
    OPENSSL_free(pem[0]);
    OPENSSL_clear_free(pem[1], strlen(pem[1]));
    if (rc != LUA_OK)
        return lua_error(L);
    return 2;
}

/* default_groups(is_server): tls.context's groups when `groups` is not
 * given, by name, from the configuration itself (the drop-in narrows them
 * for @SECLEVEL and compares SNI map entries against them). */
static int core_default_groups(lua_State *L)
{
    uint16_t groups[TLS_CONFIG_MAX_LIST];
    tls_config *cfg = tls_config_new(lua_toboolean(L, 1));
    if (cfg == NULL)
        return luaL_error(L, "out of memory");
    size_t n = cfg->n_groups;
    memcpy(groups, cfg->groups, n * sizeof groups[0]);
    tls_config_unref(cfg); /* before anything that may raise */
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, tls_group_name(groups[i]));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* core.object_kind(v) -> "tls.conn" | "tls.server" | "tls.engine" |
 * "tls.context" | "tls.certificate" | nil: which of our own objects v is,
 * so the Lua half can name a mixed-up argument (a connection given where a
 * socket belongs, a certificate where a context does). */
static int core_object_kind(lua_State *L)
{
    static const char *const kinds[] = {TLS_LUA_CONN, TLS_LUA_SERVER, TLS_LUA_ENGINE, TLS_LUA_CONTEXT,
                                        TLS_LUA_CERTIFICATE};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (luaL_testudata(L, 1, kinds[i]) != NULL) {
            lua_pushstring(L, kinds[i]);
            return 1;
        }
    }
    lua_pushnil(L);
    return 1;
}

/* tls.loop's replacement of a C method once cqueues is loaded:
 * core.loop_method(method, run, pick, argerror_mt, tname). Upvalues:
 * 1 the C method, 2 run(cq, self, ...) (the Lua code that drives it inside
 * a cqueues controller), 3 pick(self) -> cq or nil, 4 the metatable of the
 * argument errors run raises, 5 the method's userdata type.
 *
 * When pick says nil (outside a controller, or a non-blocking call), the C
 * method runs in this very frame: its argument errors then read exactly as
 * without cqueues (the caller's line, the method's name, self not
 * counted), at no cost beyond the wrapper's. Otherwise run drives it; an
 * argument error of the C method (called there by pcall, so without name
 * or position) comes back as { arg, text } and is raised here, in the
 * caller's frame, by luaL_argerror: the same message again ({ 0, text }:
 * the method's luaL_error, given the caller's position here). */
static int loop_method_finish(lua_State *L, int status, lua_KContext ctx)
{
    (void)ctx;
    if (status == LUA_OK || status == LUA_YIELD)
        return lua_gettop(L);
    if (lua_type(L, -1) == LUA_TTABLE && lua_getmetatable(L, -1)) {
        int marked = lua_rawequal(L, -1, lua_upvalueindex(4));
        lua_pop(L, 1);
        if (marked) {
            lua_rawgeti(L, -1, 1);
            int arg = (int)lua_tointeger(L, -1);
            lua_rawgeti(L, -2, 2);
            if (arg == 0)
                return luaL_error(L, "%s", lua_tostring(L, -1));
            return luaL_argerror(L, arg, lua_tostring(L, -1));
        }
    }
    return lua_error(L);
}

static int loop_method(lua_State *L)
{
    lua_CFunction method = lua_tocfunction(L, lua_upvalueindex(1));
    /* Not our object: the C method says so, as without cqueues. */
    if (!luaL_testudata(L, 1, lua_tostring(L, lua_upvalueindex(5))))
        return method(L);
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return method(L);
    }
    int n = lua_gettop(L);
    lua_rotate(L, 1, 1);                       /* cq, self, ... */
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_insert(L, 1);                          /* run, cq, self, ... */
    int status = lua_pcallk(L, n, LUA_MULTRET, 0, 0, loop_method_finish);
    return loop_method_finish(L, status, 0);
}

/* The method runs in loop_method's own frame, where lua_upvalueindex
 * reads the wrapper's upvalues: a C closure would take them for its own
 * (tls.core is reachable from any code, and pairs over its method tables
 * gives such a closure). The methods tls.loop wraps have none. */
static int is_plain_c_function(lua_State *L, int idx)
{
    if (lua_tocfunction(L, idx) == NULL)
        return 0;
    if (lua_getupvalue(L, idx, 1) == NULL)
        return 1;
    lua_pop(L, 1);
    return 0;
}

static int core_loop_method(lua_State *L)
{
    luaL_argexpected(L, is_plain_c_function(L, 1), 1, "C function without upvalues");
    luaL_checktype(L, 2, LUA_TFUNCTION);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    luaL_checktype(L, 4, LUA_TTABLE);
    luaL_checkstring(L, 5);
    lua_settop(L, 5);
    lua_pushcclosure(L, loop_method, 5);
    return 1;
}

/* core.close_holding_fd(obj), core.release_held_fd(obj): a connection's
 * or a server's close() that leaves its descriptor open for the cqueues
 * coroutines still polling it, and the close of that descriptor once they
 * have left (lua/tls/loop.lua). */
static int core_close_holding_fd(lua_State *L)
{
    if (luaL_testudata(L, 1, TLS_LUA_SERVER))
        return tls_lua_server_close_holding(L);
    return tls_lua_conn_close_holding(L);
}

static int core_release_held_fd(lua_State *L)
{
    if (luaL_testudata(L, 1, TLS_LUA_SERVER))
        return tls_lua_server_release_held(L);
    return tls_lua_conn_release_held(L);
}

int luaopen_tls_core(lua_State *L);

int luaopen_tls_core(lua_State *L)
{
    if (tls_crypto_init() != 0)
        return luaL_error(L, "tls.core: libcrypto lacks an algorithm TLS 1.3 needs");
    guard_register(L);
    tls_lua_context_register(L);
    tls_lua_conn_register(L);
    tls_lua_server_register(L);
    tls_lua_engine_register(L);
    tls_lua_cert_register(L);
    static const luaL_Reg functions[] = {
        {"context", tls_lua_context_new},
        {"connect", tls_lua_connect},
        {"listen", tls_lua_listen},
        {"wrap", tls_lua_wrap},
        {"engine", tls_lua_engine_new},
        {"selfsigned", core_selfsigned},
        {"certificate", tls_lua_certificate_load},
        {"certificates", tls_lua_certificates_load},
        {"server_name_problem", core_server_name_problem},
        {"is_ip_literal", core_is_ip_literal},
        {"key_is_encrypted", core_key_is_encrypted},
        {"readable", core_readable},
        {"attribute_names", core_attribute_names},
        {"object_kind", core_object_kind},
        {"default_groups", core_default_groups},
        {"loop_method", core_loop_method},
        {"close_holding_fd", core_close_holding_fd},
        {"release_held_fd", core_release_held_fd},
        {NULL, NULL},
    };
    luaL_newlib(L, functions);
    tls_lua_ticketkeys_add(L);
    tls_lua_push_internal(L);
    lua_setfield(L, -2, "_internal");
    tls_lua_push_context_methods(L);
    lua_setfield(L, -2, "context_methods");
    lua_pushinteger(L, TLS_DEFAULT_SECURITY_LEVEL);
    lua_setfield(L, -2, "default_security_level");
    return 1;
}
