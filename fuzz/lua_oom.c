/* The Lua binding under allocation failure: a Lua script using the module
 * (one of fuzz/lua_oom/) is run again and again in a fresh Lua state whose
 * allocator fails its k-th allocation, for every k. A Lua allocation that
 * fails raises "not enough memory" through whatever C function of ours made
 * it, so every path of the binding that holds a C resource (an engine, a
 * buffer, an X509, a BIO) while it calls Lua must keep that resource where
 * the collector finds it. LeakSanitizer (the build has AddressSanitizer and
 * UBSan, as build-fuzz/replay/lua_oom) reports what was lost at exit.
 *
 *   lua_oom SCRIPT [FIRST [LAST]]
 *
 * The module is linked in (package.preload["tls.core"]) and the Lua half is
 * read from lua/, so run it from the top directory; other C modules
 * (LuaSocket) load from package.cpath as usual; fuzz/lua_oom/dropin.lua
 * writes a file into the directory LUA_OOM_DIR names, which must exist
 * (spec/lua_oom_spec.lua makes it). The run with nothing
 * failed comes first and must finish the script. A failed run must end
 * in an error that says memory ran out (the scripts put the engines' own
 * errors in theirs), or after a Lua warning that does; anything else is a
 * problem, printed with its k.
 * fuzz_common.c's fixed random streams and clock keep the sequence of
 * allocations the same from run to run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_tls_core(lua_State *L);

typedef struct alloc_state {
    int armed;
    int warned_oom; /* a Lua warning (lua_warning) said memory ran out */
    unsigned long seen, fail_at, failed;
    /* Lua retries a failed allocation once after an emergency collection:
     * the retry fails too, or the failure would never be seen. */
    int retry_pending;
    void *retry_ptr;
    size_t retry_osize, retry_nsize;
} alloc_state;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    alloc_state *s = ud;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (s->armed) {
        s->seen++;
        int retry = s->retry_pending && ptr == s->retry_ptr && osize == s->retry_osize &&
                    nsize == s->retry_nsize;
        s->retry_pending = 0;
        if (retry || s->seen == s->fail_at) {
            s->failed++;
            s->retry_pending = !retry;
            s->retry_ptr = ptr;
            s->retry_osize = osize;
            s->retry_nsize = nsize;
            return NULL;
        }
    }
    return realloc(ptr, nsize);
}

/* The binding reports what it survives (a session store that failed, a
 * keylog line lost) as Lua warnings: a run whose failure follows one that
 * says memory ran out has its reason. */
static void record_warning(void *ud, const char *msg, int tocont)
{
    alloc_state *s = ud;
    (void)tocont;
    if (strstr(msg, "not enough memory") != NULL)
        s->warned_oom = 1;
}

/* One run (k = 0: nothing fails); returns 1 when it ended as it should not. */
static int run_once(const char *script, unsigned long k, unsigned long *count)
{
    alloc_state s = { .fail_at = k };
    lua_State *L = lua_newstate(failing_alloc, &s);
    if (L == NULL)
        return fprintf(stderr, "lua_oom: no Lua state\n"), 1;
    lua_setwarnf(L, record_warning, &s);
    luaL_openlibs(L);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
    lua_pushcfunction(L, luaopen_tls_core);
    lua_setfield(L, -2, "tls.core");
    lua_pop(L, 1);
    lua_getglobal(L, "package");
    lua_pushliteral(L, "lua/?.lua;lua/?/init.lua;./?.lua;");
    lua_getfield(L, -2, "path");
    lua_concat(L, 2);
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
    if (luaL_loadfile(L, script) != LUA_OK) {
        fprintf(stderr, "lua_oom: %s\n", lua_tostring(L, -1));
        lua_close(L);
        exit(2);
    }
    s.armed = 1;
    int rc = lua_pcall(L, 0, 0, 0);
    s.armed = 0;
    const char *msg = rc == LUA_OK ? NULL : lua_tostring(L, -1);
    int problem = 0;
    *count = s.seen;
    if (s.failed == 0 && rc != LUA_OK) {
        printf("lua_oom: %s with nothing failed: %s\n", script, msg ? msg : "(an error that is not a string)");
        problem = 1;
    } else if (rc != LUA_OK && !s.warned_oom && (msg == NULL || strstr(msg, "not enough memory") == NULL)) {
        printf("lua_oom: %s, allocation %lu failed: %s\n", script, k, msg ? msg : "(an error that is not a string)");
        problem = 1;
    }
    lua_close(L);
    return problem;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: lua_oom SCRIPT [FIRST [LAST]]\n");
        return 2;
    }
    /* LeakSanitizer reports at exit and ends the process without flushing
     * stdio: each line goes out as it is written. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *script = argv[1];
    unsigned long first = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
    unsigned long last = argc > 3 ? strtoul(argv[3], NULL, 10) : (unsigned long)-1;
    unsigned long count = 0, problems = 0;
    problems += run_once(script, 0, &count);
    unsigned long total = count;
    for (unsigned long k = first; k <= last && k <= total && problems < 20; k++)
        problems += run_once(script, k, &count);
    printf("lua_oom: %s %lu allocations, each failed in turn: %lu problem(s)\n", script, total, problems);
    return problems != 0;
}
