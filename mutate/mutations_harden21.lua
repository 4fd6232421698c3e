-- Mutations for harden21's checks, each killed by spec/harden21_spec.lua.
-- Same form as mutate/mutations.lua. (The checks shared with ticket key
-- files, in csrc/util/tls_file.c, are planted by mutations_api20.lua,
-- which lists this spec too.)
local S = "spec/harden21_spec.lua"
local KEYLOG = "csrc/engine/tls_keylog.c"
local FILE_C = "csrc/util/tls_file.c"
local CONTEXT = "csrc/lua/lua_context.c"

return {
  -- a key log file the group may read accepted
  { name = "h21_keylog_group_may_read", file = KEYLOG,
    from = [[policy = {077, "chmod 600",]],
    to = [[policy = {077 & ~040, "chmod 600",]],
    specs = { { S, "refuses an existing file open to others or to the group" } } },
  -- the key log opened as before: a symbolic link followed, any mode, any owner
  { name = "h21_keylog_unchecked_open", file = KEYLOG,
    from = [[kf->fd = tls_file_open_private(path, KEYLOG_FLAGS, KEYLOG_MODE, &policy, &st, why, sizeof why);]],
    to = [[kf->fd = open(path, KEYLOG_FLAGS | O_CLOEXEC, KEYLOG_MODE); why[0] = '\0'; (void)policy; (void)st;]],
    specs = { { S, "refuses a symbolic link, even to a good file" } } },
  -- the descriptor never closed: one leaked per context
  { name = "h21_keylog_fd_leaked", file = KEYLOG,
    from = [[        close(cfg->keylog_file->fd);]],
    to = [[        (void)0;]],
    specs = { { S, "holds one descriptor per context" } } },
  -- a FIFO without a reader reported as an OS error, not as what it is
  { name = "h21_fifo_not_named", file = FILE_C,
    from = [[        else if (e == ENXIO)]],
    to = [[        else if (0 && e == ENXIO)]],
    specs = { { S, "refuses a device, and a FIFO at once" } } },
  -- lua/tls.lua looks its setters up at call time in the shared table
  { name = "h21_setters_looked_up_late", file = "lua/tls.lua",
    from = [[local C = {}
for name, fn in pairs(core.context_methods) do C[name] = fn end]],
    to = [[local C = core.context_methods]],
    specs = { { S, "a setter put in its place anyway" } } },
  -- core.context_methods assignable again
  { name = "h21_context_methods_writable", file = CONTEXT,
    from = [[    lua_pushcfunction(L, methods_read_only);
    lua_setfield(L, -2, "__newindex");]],
    to = [[    (void)methods_read_only;]],
    specs = { { S, "core.context_methods is read-only" } } },
  -- getmetatable(obj) gives the shared metatable, whose __index anyone may rewrite
  { name = "h21_metatables_reachable", file = "csrc/lua/lua_tls.c",
    from = [[    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");]],
    to = [[    (void)L;]],
    specs = { { S, "getmetatable() hides the metatables" } } },
  -- add_method replaces a method contexts have (check, mode, setticketkeys)
  { name = "h21_add_method_replaces", file = CONTEXT,
    from = [[    if (lua_rawget(L, 4) != LUA_TNIL) {]],
    to = [[    if (lua_rawget(L, 4) != LUA_TNIL && 0) {]],
    specs = { { S, "add_method never replaces a method" } } },
  -- add_method makes a raw setter a method of every context again
  { name = "h21_add_method_setter", file = CONTEXT,
    from = [[        if (strcmp(r->name, name) == 0) {]],
    to = [[        if (0 && strcmp(r->name, name) == 0) {]],
    specs = { { S, "nor makes a raw setter one" } } },
  -- any module may replace the ticket key refresh (and so stop it)
  { name = "h21_on_accept_replaced", file = "csrc/lua/lua_ticketkeys.c",
    from = [[    if (lua_toboolean(L, lua_upvalueindex(1)))]],
    to = [[    if (0 && lua_toboolean(L, lua_upvalueindex(1)))]],
    specs = { { S, "core.ticketkeys_on_accept is set once" } } },
  -- trust files read up to INT_MAX again (2 GiB of /dev/zero in memory);
  -- killed by the sparse-file test only (the /dev/zero one would take 2 GiB)
  { name = "h21_trust_file_uncapped", file = "csrc/pki/tls_config.c",
    from = [[#define TRUST_FILE_MAX (64 * 1024 * 1024)]],
    to = [[#define TRUST_FILE_MAX INT_MAX]],
    specs = { { S, "one of 64 MiB is read" } } },
  -- math.huge accepted again (a Redis that stops answering stalls every handshake for ever)
  { name = "h21_redis_timeout_infinite", file = "lua/tls/store.lua",
    from = [[  if timeout > REDIS_TIMEOUT_MAX then]],
    to = [[  if timeout > REDIS_TIMEOUT_MAX and timeout < math.huge then]],
    specs = { { S, "refuses math.huge and anything above 60 seconds" } } },
}
