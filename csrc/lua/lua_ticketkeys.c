/* The C half of tls.ticketkeys (lua/tls/ticketkeys.lua): random keys, the
 * key file's identity and permissions, its atomic replacement, and the
 * context's key set as far as a program may see it (names only; a secret
 * never goes back to Lua once a context holds it). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "lua/lua_tls.h"
#include "crypto/tls_ticket.h"
#include "util/tls_file.h"

static int push_reason(lua_State *L, const char *reason)
{
    lua_pushnil(L);
    lua_pushstring(L, reason);
    return 2;
}

/* The Lua half checks names first (lua/tls/file.lua); checked again here
 * so that no caller can hand the OS a name cut short at a zero byte. */
static const char *check_path(lua_State *L, int idx, tls_error *err)
{
    size_t len;
    const char *path = luaL_checklstring(L, idx, &len);
    tls_error_clear(err);
    return tls_file_check_name("ticket keys file", path, len, err) == 0 ? path : NULL;
}

/* Pushes path with control and non-ASCII bytes written as \xNN, as the
 * other file options show names: a message goes to logs and terminals,
 * and a string that was never meant as a name (a key given where a list
 * belongs) must not reach them as raw binary. */
static const char *push_shown_path(lua_State *L, const char *path)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const unsigned char *p = (const unsigned char *)path; *p != '\0'; p++) {
        if (*p < 0x20 || *p >= 0x7f) {
            char hex[8];
            snprintf(hex, sizeof hex, "\\x%02X", *p);
            luaL_addstring(&b, hex);
        } else {
            luaL_addchar(&b, (char)*p);
        }
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

static int push_errno(lua_State *L, const char *what, const char *path, int e)
{
    const char *shown = push_shown_path(L, path);
    lua_pushnil(L);
    lua_pushfstring(L, "%s %s: %s", what, shown, strerror(e));
    return 2;
}

/* core.ticketkey_generate() -> 48 bytes: name (16), secret (32). */
static int core_ticketkey_generate(lua_State *L)
{
    uint8_t key[TLS_TICKET_KEY_LEN];
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (tls_ticket_key_generate(key, &err) != 0)
        return push_reason(L, err.reason);
    lua_pushlstring(L, (const char *)key, sizeof key);
    OPENSSL_cleanse(key, sizeof key);
    return 1;
}

/* core.ticketkeys_stat(path) -> identity, mode, regular | nil, msg.
 * The identity changes whenever the file is replaced (a new inode after
 * a rename) or written (size, modification time to the nanosecond): a
 * server compares it to decide whether to read the file again. */
static int core_ticketkeys_stat(lua_State *L)
{
    TLS_ERROR_LOCAL(err);
    const char *path = check_path(L, 1, &err);
    if (path == NULL)
        return push_reason(L, err.reason);
    struct stat st;
    if (stat(path, &st) != 0)
        return push_errno(L, "cannot read ticket keys file", path, errno);
    char id[128];
    snprintf(id, sizeof id, "%ju:%ju:%jd:%jd.%09ld", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
             (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    lua_pushstring(L, id);
    lua_pushinteger(L, (lua_Integer)(st.st_mode & 07777));
    lua_pushboolean(L, S_ISREG(st.st_mode));
    return 3;
}

/* The most a key file may hold: MAX_KEYS lines of 96 digits, with room
 * for comments; anything larger is not a key file. */
#define TICKETKEYS_FILE_MAX (64 * 1024)

/* core.ticketkeys_read(path) -> text, identity | nil, msg. The file is
 * opened once and every check is made on that open descriptor
 * (util/tls_file.h, tls_file_open_private, as for the key log): not a
 * symbolic link, a regular file, owned by this process's effective user,
 * neither writable by the group nor open in any way to others, and not
 * larger than a key file can be. */
static int core_ticketkeys_read(lua_State *L)
{
    TLS_ERROR_LOCAL(err);
    const char *path = check_path(L, 1, &err);
    if (path == NULL)
        return push_reason(L, err.reason);
    /* Made before the file is opened, so that running out of memory
     * (which raises) cannot leak the descriptor. */
    char *buf = lua_newuserdatauv(L, TICKETKEYS_FILE_MAX + 1, 0);
    /* The owner could plant keys that open our tickets; the group may read
     * (a group of servers sharing keys), never write. */
    static const tls_file_policy policy = {077 & ~040, "chmod 600 (or 640)",
                                           "its owner could plant keys in it"};
    struct stat st;
    char why[200];
    int fd = tls_file_open_private(path, O_RDONLY, 0, &policy, &st, why, sizeof why);
    if (fd < 0 && why[0] == '\0')
        return push_errno(L, "cannot read ticket keys file", path, errno);
    if (fd >= 0 && st.st_size > TICKETKEYS_FILE_MAX) {
        close(fd);
        fd = -1;
        snprintf(why, sizeof why, "is larger than %d bytes", TICKETKEYS_FILE_MAX);
    }
    if (fd < 0) {
        const char *shown = push_shown_path(L, path);
        lua_pushnil(L);
        lua_pushfstring(L, "ticket keys file %s %s", shown, why);
        return 2;
    }
    size_t total = 0;
    int e = 0;
    while (total <= TICKETKEYS_FILE_MAX) {
        ssize_t n = read(fd, buf + total, TICKETKEYS_FILE_MAX + 1 - total);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = errno;
            break;
        }
        if (n == 0)
            break;
        total += (size_t)n;
    }
    close(fd);
    if (e == 0 && total > TICKETKEYS_FILE_MAX)
        e = EFBIG; /* grew since fstat */
    if (e != 0) {
        OPENSSL_cleanse(buf, total);
        return push_errno(L, "cannot read ticket keys file", path, e);
    }
    lua_pushlstring(L, buf, total);
    OPENSSL_cleanse(buf, total);
    char id[128];
    snprintf(id, sizeof id, "%ju:%ju:%jd:%jd.%09ld", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
             (intmax_t)st.st_size, (intmax_t)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
    lua_pushstring(L, id);
    return 2;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* core.ticketkeys_write(path, text) -> true | nil, msg. Readers never see
 * a half-written file: the text goes to a new file of mode 0600 next to
 * path (same file system), is flushed to disk, then renamed over path. */
static int core_ticketkeys_write(lua_State *L)
{
    TLS_ERROR_LOCAL(err);
    const char *path = check_path(L, 1, &err);
    if (path == NULL)
        return push_reason(L, err.reason);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    static const char suffix[] = ".tmp.XXXXXX";
    size_t plen = strlen(path);
    /* mkstemp writes into its template: a block of our own (a Lua string
     * must never change), freed by the collector whatever happens. */
    char *tmp = lua_newuserdatauv(L, plen + sizeof suffix, 0);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof suffix);
    int fd = mkstemp(tmp); /* O_EXCL, mode 0600 */
    if (fd < 0)
        return push_errno(L, "cannot write ticket keys file", path, errno);
    int e = 0;
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, len) != 0 || fsync(fd) != 0)
        e = errno ? errno : EIO;
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(tmp, path) != 0)
        e = errno;
    if (e != 0) {
        unlink(tmp);
        return push_errno(L, "cannot write ticket keys file", path, e);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* core.ticketkeys_tick(ctx) -> true | nil, msg: automatic rotation and the
 * dropping of expired keys, now rather than at the next ticket sealed, so
 * that a key past its time is wiped even on a server that stopped issuing
 * tickets (and the first key made now, as the first ticket would).
 * Does nothing to a set without rotation. */
static int core_ticketkeys_tick(lua_State *L)
{
    tls_config *cfg = tls_lua_check_context(L, 1);
    TLS_ERROR_LOCAL(err);
    tls_error_clear(&err);
    if (cfg->ticket_keys.rotate_ms > 0
        && tls_ticket_keys_prepare(&cfg->ticket_keys, tls_config_now_ms(cfg), &err) != 0)
        return push_reason(L, err.reason);
    lua_pushboolean(L, 1);
    return 1;
}

/* core.ticketkeys_names(ctx) -> { name_hex, ... }: the names of the keys
 * the context holds, the sealing one first (names are public: every ticket
 * starts with one). */
static int core_ticketkeys_names(lua_State *L)
{
    const tls_config *cfg = tls_lua_check_context(L, 1);
    const tls_ticket_keys *ks = &cfg->ticket_keys;
    lua_createtable(L, (int)ks->n, 0);
    for (size_t i = 0; i < ks->n; i++) {
        char hex[2 * TLS_TICKET_KEY_NAME_LEN + 1];
        for (size_t j = 0; j < TLS_TICKET_KEY_NAME_LEN; j++)
            snprintf(hex + 2 * j, 3, "%02x", ks->keys[i].name[j]);
        lua_pushstring(L, hex);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* core.ticketkeys_rotation(ctx) -> seconds (0: no automatic rotation). */
static int core_ticketkeys_rotation(lua_State *L)
{
    const tls_config *cfg = tls_lua_check_context(L, 1);
    lua_pushnumber(L, (lua_Number)cfg->ticket_keys.rotate_ms / 1000);
    return 1;
}

/* The registry slot of tls.ticketkeys.refresh (its address is the key). */
static const char refresh_slot = 0;

/* core.ticketkeys_on_accept(fn): fn runs as each server accepts. Called
 * once per load of tls.core, by lua/tls/ticketkeys.lua as it loads: a later
 * call (another module's, by mistake) would stop every key file reload and
 * rotation without a word, so it is an error. (Its upvalue says whether it
 * was called; loading tls.core again, as busted does for each spec file,
 * makes a new function, and tls.ticketkeys loaded again sets its own.) */
static int core_ticketkeys_on_accept(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 1);
    if (lua_toboolean(L, lua_upvalueindex(1)))
        return luaL_error(L, "tls.core.ticketkeys_on_accept: set already, by tls.ticketkeys (internal)");
    lua_pushboolean(L, 1);
    lua_replace(L, lua_upvalueindex(1));
    lua_rawsetp(L, LUA_REGISTRYINDEX, &refresh_slot);
    return 0;
}

void tls_lua_ticketkeys_refresh(lua_State *L)
{
    if (!lua_checkstack(L, 2))
        return;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &refresh_slot) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return;
    }
    /* A key file that cannot be read is the refresh's own warning; an
     * error here (out of memory) must not cost the accepted connection. */
    if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        lua_warning(L, "tls: ticket keys not refreshed: ", 1);
        lua_warning(L, msg ? msg : "(error object is not a string)", 0);
        lua_pop(L, 1);
    }
}

void tls_lua_ticketkeys_add(lua_State *L)
{
    static const luaL_Reg functions[] = {
        {"ticketkey_generate", core_ticketkey_generate},
        {"ticketkeys_stat", core_ticketkeys_stat},
        {"ticketkeys_read", core_ticketkeys_read},
        {"ticketkeys_write", core_ticketkeys_write},
        {"ticketkeys_tick", core_ticketkeys_tick},
        {"ticketkeys_names", core_ticketkeys_names},
        {"ticketkeys_rotation", core_ticketkeys_rotation},
        {NULL, NULL},
    };
    luaL_setfuncs(L, functions, 0);
    lua_pushboolean(L, 0);
    lua_pushcclosure(L, core_ticketkeys_on_accept, 1);
    lua_setfield(L, -2, "ticketkeys_on_accept");
}
