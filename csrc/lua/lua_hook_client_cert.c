/* The bridge from the engine's client_certificate hook to the context's
 * Lua function: client_certificate(request) -> index | nil.
 *
 * request = { ca_names = { "CN=...", ... }, sigalgs = { "ecdsa_secp256r1_sha256", ... },
 *             version = "TLSv1.3" | "TLSv1.2" }
 * The function returns the 1-based index of one of the context's
 * certificate/key pairs (certificate/key first, then certificates[...]),
 * or nil/false to send none. Everything runs under tls_lua_pcall, so that
 * no Lua or memory error unwinds through the engine; an error, or a value
 * that is not such an index, fails the handshake with
 * "client_certificate: <message>" (the text every hook's error gets). */
#include <stdio.h>

#include "lua/lua_tls.h"
#include "util/tls_names.h"
#include "pki/tls_x509.h"

/* Runs under tls_lua_pcall with (function, request, t); returns the 0-based
 * index, or -1 for none. */
static int call_client_certificate(lua_State *L)
{
    const tls_cert_request *req = lua_touserdata(L, 2);
    tls_lua_trace *t = lua_touserdata(L, 3);
    lua_settop(L, 1);
    lua_createtable(L, 0, 3);
    int n_names = req->ca_names ? sk_X509_NAME_num(req->ca_names) : 0;
    lua_createtable(L, n_names, 0);
    for (int i = 0; i < n_names; i++) {
        /* Peer text: tls_x509_name_text replaces control characters. */
        char text[1024];
        tls_x509_name_text(sk_X509_NAME_value(req->ca_names, i), text, sizeof text);
        lua_pushstring(L, text);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "ca_names");
    lua_createtable(L, (int)req->n_sigalgs, 0);
    for (size_t i = 0; i < req->n_sigalgs; i++) {
        const char *name = tls_sigscheme_name(req->sigalgs[i]);
        if (name)
            lua_pushstring(L, name);
        else
            lua_pushfstring(L, "0x%04x", (unsigned)req->sigalgs[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "sigalgs");
    const char *version = tls_version_name(req->version);
    lua_pushstring(L, version ? version : "unknown");
    lua_setfield(L, -2, "version");

    /* An error goes to the bridge's tls_lua_pcall as it was raised: its
     * handler turns an object with __tostring into text while still
     * protected, and the bridge names the function, as for every hook. */
    lua_call(L, 1, 1);
    if (!lua_toboolean(L, -1)) {
        lua_pushinteger(L, -1);
        return 1;
    }
    if (!tls_lua_push_context(t))
        return luaL_error(L, "the context is gone");
    lua_Integer n_ids = (lua_Integer)tls_lua_check_context(L, -1)->n_ids;
    lua_pop(L, 1);
    int is_int = 0;
    lua_Integer i = lua_tointegerx(L, -1, &is_int);
    if (!is_int || lua_type(L, -1) != LUA_TNUMBER || i < 1 || i > n_ids) {
        const char *got = luaL_tolstring(L, -1, NULL);
        if (n_ids == 0)
            lua_pushfstring(L, "returned %s, but the context holds no certificate "
                               "(return nil to send none)", got);
        else
            lua_pushfstring(L, "returned %s; expected the index of one of the "
                               "context's certificates (1 to %I), or nil to send none", got, n_ids);
        return lua_error(L);
    }
    lua_pushinteger(L, i - 1);
    return 1;
}

int tls_lua_client_cert_bridge(void *ud, const tls_cert_request *req, char *why, size_t why_size)
{
    tls_lua_trace *t = ud;
    if (!tls_lua_hook_push(t, TLS_LUA_SLOT_CLIENT_CERT))
        return -1;
    lua_State *L = t->L;
    lua_pushcfunction(L, call_client_certificate);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, (void *)req);
    lua_pushlightuserdata(L, t);
    if (tls_lua_pcall(L, 3, 1) != LUA_OK) {
        tls_text_cut(why, why_size, "client_certificate: %s", tls_lua_error_text(L, -1));
        lua_pop(L, 1);
        return -2;
    }
    int index = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    return index;
}
