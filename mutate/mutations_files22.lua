-- Mutations for files22's checks, each killed by spec/files22_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/files22_spec.lua"
local FILE_C = "csrc/util/tls_file.c"
local CONFIG = "csrc/pki/tls_config.c"
local CONTEXT = "csrc/lua/lua_context.c"

return {
  -- a directory or a device read as a file again (/dev/zero up to the limit)
  { name = "f22_any_kind_read", file = FILE_C,
    from = [[    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {]],
    to = [[    if (0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {]],
    specs = { { S, "refuses a device before reading it" } } },
  -- certificate and key files read whole, however large
  { name = "f22_identity_uncapped", file = CONFIG,
    from = [[#define IDENTITY_FILE_MAX (4 * 1024 * 1024)]],
    to = [[#define IDENTITY_FILE_MAX INT_MAX]],
    specs = { { S, "refuses a file of 4 MiB and one byte as too large" } } },
  -- an empty file reported as "no certificate found" and the like
  { name = "f22_empty_not_named", file = FILE_C,
    from = [[    if (out->len == start)]],
    to = [[    if (0 && out->len == start)]],
    specs = { { S, "names an empty file as empty" } } },
  -- a key file every user can read loaded without a word
  { name = "f22_key_warning_missing", file = CONTEXT,
    from = [[    if (rc != 0 || (ctx->cfg->key_file_mode & (S_IROTH | S_IWOTH)) == 0)]],
    to = [[    if (rc != 0 || (ctx->cfg->key_file_mode & 0) == 0)]],
    specs = { { S, "is loaded with a warning naming the option" } } },
  -- the warning given for a group that may read (Debian's ssl-cert, 0640) too
  { name = "f22_key_warning_group", file = CONTEXT,
    from = [[    if (rc != 0 || (ctx->cfg->key_file_mode & (S_IROTH | S_IWOTH)) == 0)]],
    to = [[    if (rc != 0 || (ctx->cfg->key_file_mode & (S_IROTH | S_IWOTH | S_IRGRP)) == 0)]],
    specs = { { S, "is loaded with a warning naming the option" } } },
  -- a staple about another certificate told in the trace only
  { name = "f22_ocsp_warning_missing", file = CONTEXT,
    from = [[    if (rc != 0 || cfg->n_ids == 0 || cfg->ids[0].chain == NULL ||]],
    to = [[    if (1 || rc != 0 || cfg->n_ids == 0 || cfg->ids[0].chain == NULL ||]],
    specs = { { S, "warns once, at tls.context, that it is never stapled" } } },
  -- tls.lua opens a client's 'ocsp' file to see if it is one (a FIFO: waits)
  { name = "f22_client_ocsp_opened", file = "lua/tls.lua",
    from = [[local readable = require("tls.core").readable]],
    to = [[local function readable(path) local f = io.open(path, "rb") if f then f:close() end return f ~= nil end]],
    specs = { { S, "a client's 'ocsp' naming a FIFO is refused" } } },
  -- the drop-in opens cafile to see if it is readable (a FIFO: waits for a writer)
  { name = "f22_luasec_cafile_opened", file = "lua/tls/luasec.lua",
    from = [[local readable = require("tls.core").readable]],
    to = [[local function readable(path) local f = io.open(path, "rb") if f then f:close() end return f ~= nil end]],
    specs = { { S, "the drop-in takes a FIFO cafile" } } },
  -- accepted 0-RTT data dropped with a collected engine or connection, without a word
  { name = "f22_engine_gc_silent", file = "csrc/lua/lua_engine.c",
    from = [[        tls_lua_warn_unread_early(L, e->tls, "e:read_early(); the engine was dropped without e:close()");]],
    to = [[        (void)0;]],
    specs = { { S, "is a Lua warning from an engine's finalizer" } } },
  { name = "f22_conn_gc_silent", file = "csrc/lua/lua_conn.c",
    from = [[        tls_lua_warn_unread_early(L, c->tls, "conn:receive_early(); the connection was collected without close()");]],
    to = [[        (void)0;]],
    specs = { { S, "is a Lua warning from a connection's finalizer" } } },
}
