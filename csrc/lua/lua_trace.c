/* The bridge from the engine's C trace callback to a Lua function.
 *
 * The event table is built and the function called inside one tls_lua_pcall,
 * so that neither a Lua error nor a memory error can unwind through the
 * engine's C frames; an error becomes the reason the handshake fails. */
#include <stdio.h>
#include <string.h>

#include "lua/lua_tls.h"

/* Runs under tls_lua_pcall: upvalue-free, arguments (function, event). */
static int call_trace(lua_State *L)
{
    const tls_trace_event *ev = lua_touserdata(L, 2);
    lua_settop(L, 1);
    lua_createtable(L, 0, 3 + ev->n_fields);
    lua_createtable(L, ev->n_fields, 0);
    for (int i = 0; i < ev->n_fields; i++) {
        const tls_trace_field *f = &ev->fields[i];
        if (!f->key)
            continue;
        lua_createtable(L, 2, 0);
        lua_pushstring(L, f->key);
        lua_rawseti(L, -2, 1);
        lua_pushstring(L, f->value ? f->value : "");
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, i + 1);
        lua_pushstring(L, f->value ? f->value : "");
        lua_setfield(L, -3, f->key);
    }
    /* Set last, so that a field named like them cannot hide them. */
    lua_setfield(L, -2, "fields");
    lua_pushstring(L, ev->direction ? ev->direction : "");
    lua_setfield(L, -2, "direction");
    lua_pushstring(L, ev->message ? ev->message : "");
    lua_setfield(L, -2, "message");
    lua_call(L, 1, 0);
    return 0;
}

/* ---- What the hooks call, held by their object ----------------------------- */

/* Registry key of the weak-valued table {[t] = the object's anchors}. */
static const char anchors_key;

/* anchors[ANCHOR_HOOKS + slot] holds the function (or store table) the
 * context had in slot when the object was made or switched to it. */
enum { ANCHOR_CONTEXT = 1, ANCHOR_TRACE = 2, ANCHOR_HOOKS = 2 };

void tls_lua_trace_new(tls_lua_trace *t, lua_State *L, int owner_index)
{
    owner_index = lua_absindex(L, owner_index);
    t->L = NULL;
    t->has_trace = 0;
    t->has_context = 0;
    t->of_engine = 0;
    memset(&t->hooks, 0, sizeof t->hooks);
    tls_lua_weak_table(L, &anchors_key, "v");
    lua_createtable(L, 2, 0);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, owner_index, TLS_LUA_ANCHOR_SLOT);
    lua_rawsetp(L, -2, t);
    lua_pop(L, 1);
}

/* Pushes the object's anchors table and returns 1, or pushes nothing and
 * returns 0. Only reads: never raises. */
static int push_anchors(lua_State *L, const tls_lua_trace *t)
{
    if (!lua_checkstack(L, 3))
        return 0;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &anchors_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    if (lua_rawgetp(L, -1, t) != LUA_TTABLE) {
        lua_pop(L, 2);
        return 0;
    }
    lua_remove(L, -2);
    return 1;
}

/* Pushes anchors[which] if it has the type wanted (returns 1), else nothing. */
static int push_anchored(lua_State *L, const tls_lua_trace *t, int which, int type)
{
    if (!push_anchors(L, t))
        return 0;
    if (lua_rawgeti(L, -1, which) != type) {
        lua_pop(L, 2);
        return 0;
    }
    lua_remove(L, -2);
    return 1;
}

int tls_lua_push_context(tls_lua_trace *t)
{
    if (!t->L || !t->has_context)
        return 0;
    return push_anchored(t->L, t, ANCHOR_CONTEXT, LUA_TUSERDATA);
}

void tls_lua_keep_context(tls_lua_trace *t, lua_State *L, int ctx_index)
{
    ctx_index = lua_absindex(L, ctx_index);
    if (!push_anchors(L, t))
        return;
    lua_pushvalue(L, ctx_index);
    lua_rawseti(L, -2, ANCHOR_CONTEXT);
    lua_pop(L, 1);
    t->has_context = 1;
}

void tls_lua_trace_reanchor(tls_lua_trace *t, lua_State *L, int owner_index)
{
    if (!t->has_trace && !t->has_context)
        return;
    if (push_anchors(L, t)) {
        lua_pop(L, 1);
        return;
    }
    owner_index = lua_absindex(L, owner_index);
    if (!lua_checkstack(L, 2))
        return;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &anchors_key) == LUA_TTABLE &&
        lua_getiuservalue(L, owner_index, TLS_LUA_ANCHOR_SLOT) == LUA_TTABLE) {
        lua_rawsetp(L, -2, t);
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 2);
}

static int trace_bridge(void *ud, const tls_trace_event *ev, char *reason, size_t reason_size)
{
    tls_lua_trace *t = ud;
    lua_State *L = t->L;
    if (!L || !t->has_trace)
        return 0;
    if (!lua_checkstack(L, 5)) {
        snprintf(reason, reason_size, "trace function: Lua stack overflow");
        return 1;
    }
    lua_pushcfunction(L, call_trace);
    if (!push_anchored(L, t, ANCHOR_TRACE, LUA_TFUNCTION)) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushlightuserdata(L, (void *)ev);
    /* As the other hooks: the function's name, then its error's text
     * (error({}) and error(nil) named by type, __tostring applied while
     * still protected), read without converting the value in place. */
    if (tls_lua_pcall(L, 2, 0) == LUA_OK)
        return 0;
    tls_text_cut(reason, reason_size, "trace function: %s", tls_lua_error_text(L, -1));
    lua_pop(L, 1);
    return 1;
}

int tls_lua_hook_push(tls_lua_trace *t, int slot)
{
    lua_State *L = t->L;
    /* Room for what the callers push after it. */
    if (L == NULL || !t->has_context || !lua_checkstack(L, 4))
        return 0;
    return push_anchored(L, t, ANCHOR_HOOKS + slot,
                         slot == TLS_LUA_SLOT_STORE ? LUA_TTABLE : LUA_TFUNCTION);
}

/* Whether the context at ctx_index has a function in slot. */
static int has_hook(lua_State *L, int ctx_index, int slot)
{
    int type = lua_getiuservalue(L, ctx_index, slot);
    lua_pop(L, 1);
    return type == (slot == TLS_LUA_SLOT_STORE ? LUA_TTABLE : LUA_TFUNCTION);
}

void tls_lua_trace_init(tls_lua_trace *t, lua_State *L, int ctx_index, tls_conn *c)
{
    ctx_index = lua_absindex(L, ctx_index);
    t->L = NULL;
    t->has_trace = 0;
    t->has_context = 0;
    memset(&t->hooks, 0, sizeof t->hooks);
    /* Made by tls_lua_trace_new with the object, which is on the stack; only
     * a stack that cannot grow fails here. Raised, not skipped: a verify
     * function left out would let through what it refuses. */
    if (!push_anchors(L, t))
        luaL_error(L, "tls: no stack room to keep the context's functions (not enough memory)");
    if (lua_getiuservalue(L, ctx_index, TLS_LUA_SLOT_TRACE) == LUA_TFUNCTION) {
        lua_rawseti(L, -2, ANCHOR_TRACE);
        t->has_trace = 1;
        tls_conn_set_trace(c, trace_bridge, t);
    } else {
        lua_pop(L, 1);
    }
    tls_lua_hooks_fill(t, L, ctx_index);
    int any = 0;
    for (int slot = TLS_LUA_SLOT_VERIFY; slot <= TLS_LUA_CTX_SLOTS; slot++)
        any |= has_hook(L, ctx_index, slot);
    if (any) {
        lua_pushvalue(L, ctx_index);
        lua_rawseti(L, -2, ANCHOR_CONTEXT);
        t->has_context = 1;
        tls_conn_set_hooks(c, &t->hooks, t);
    }
    lua_pop(L, 1);
}

void tls_lua_hooks_fill(tls_lua_trace *t, lua_State *L, int ctx_index)
{
    ctx_index = lua_absindex(L, ctx_index);
    memset(&t->hooks, 0, sizeof t->hooks);
    /* The functions are copied, not looked up in the context at each call:
     * ctx:set_hook on a context in use changes the connections made later,
     * never one whose handshake may be under way (README, "a verification
     * setting changed later never weakens a handshake already under way").
     * Without the copy, a verify function replaced by one that accepts
     * everything would let an engine made earlier take any server. */
    if (push_anchors(L, t)) {
        for (int slot = TLS_LUA_SLOT_VERIFY; slot <= TLS_LUA_CTX_SLOTS; slot++) {
            if (!has_hook(L, ctx_index, slot))
                lua_pushnil(L);
            else
                lua_getiuservalue(L, ctx_index, slot);
            lua_rawseti(L, -2, ANCHOR_HOOKS + slot);
        }
        lua_pop(L, 1);
    } else {
        /* Out of stack: no function is found, so the verify and servername
         * bridges set below fail closed rather than call an older one. */
        t->has_context = 0;
    }
    /* Each bridge is set only when its function exists, so that the engine
     * keeps its default otherwise. */
    if (has_hook(L, ctx_index, TLS_LUA_SLOT_SERVERNAME)) t->hooks.servername = tls_lua_servername_bridge;
    if (has_hook(L, ctx_index, TLS_LUA_SLOT_ALPN)) t->hooks.alpn_select = tls_lua_alpn_bridge;
    if (has_hook(L, ctx_index, TLS_LUA_SLOT_CLIENT_CERT)) t->hooks.client_certificate = tls_lua_client_cert_bridge;
    if (has_hook(L, ctx_index, TLS_LUA_SLOT_KEYLOG)) t->hooks.keylog = tls_lua_keylog_bridge;
    if (has_hook(L, ctx_index, TLS_LUA_SLOT_OCSP)) t->hooks.ocsp_response = tls_lua_ocsp_bridge;
    if (has_hook(L, ctx_index, TLS_LUA_SLOT_VERIFY)) t->hooks.verify = tls_lua_verify_bridge;
    if (has_hook(L, ctx_index, TLS_LUA_SLOT_STORE)) {
        t->hooks.session_get = tls_lua_store_get_bridge;
        t->hooks.session_put = tls_lua_store_put_bridge;
        t->hooks.session_delete = tls_lua_store_delete_bridge;
    }
}

void tls_lua_trace_release(tls_lua_trace *t, lua_State *L)
{
    /* From a finalizer: the collector may have dropped the entry already.
     * Setting a key to nil never allocates. */
    if (lua_checkstack(L, 2)) {
        if (lua_rawgetp(L, LUA_REGISTRYINDEX, &anchors_key) == LUA_TTABLE) {
            lua_pushnil(L);
            lua_rawsetp(L, -2, t);
        }
        lua_pop(L, 1);
    }
    t->has_trace = 0;
    t->has_context = 0;
    t->L = NULL;
}

/* The message handler of the bridges' calls: an error object with a
 * __tostring metamethod becomes its text here, while the call is still
 * protected (a __tostring that raises fails this handler in turn, which Lua
 * bounds and reports as an error in error handling; memory errors skip
 * it), so tls_lua_error_text never runs Lua code. */
static int error_as_text(lua_State *L)
{
    int type = lua_type(L, 1);
    if (type != LUA_TSTRING && type != LUA_TNUMBER && luaL_getmetafield(L, 1, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
        luaL_tolstring(L, 1, NULL);
    }
    return 1;
}

int tls_lua_pcall(lua_State *L, int nargs, int nresults)
{
    if (!lua_checkstack(L, 1))
        return lua_pcall(L, nargs, nresults, 0);
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, error_as_text);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

const char *tls_lua_error_text(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        return lua_tostring(L, idx);
    case LUA_TNUMBER: {
        /* Formatted here, not by lua_tostring, which converts in place and
         * allocates: error(42) still reads "42". */
        static _Thread_local char number[64];
        if (lua_isinteger(L, idx))
            snprintf(number, sizeof number, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, idx));
        else {
            int n = snprintf(number, sizeof number, LUA_NUMBER_FMT, (LUAI_UACNUMBER)lua_tonumber(L, idx));
            /* as Lua writes a float that looks like an integer: 4.0 */
            if (n > 0 && (size_t)n + 2 < sizeof number && strspn(number, "-0123456789") == (size_t)n)
                memcpy(number + n, ".0", 3);
        }
        return number;
    }
    case LUA_TNIL:
        return "(error object is nil)";
    case LUA_TBOOLEAN:
        return "(error object is a boolean)";
    case LUA_TTABLE:
        return "(error object is a table)";
    default:
        return "(error object is not a string)";
    }
}
