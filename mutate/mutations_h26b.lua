-- Mutations for session 26's review26a fixes #2-#5 (spec/h26b_spec.lua:
-- tls.selfsigned wildcard before an address, the memory store's ttl bound,
-- tls.wrap given the drop-in's connection, conn:setfd's socket checks).
-- Same form as mutate/mutations.lua.
local S = "spec/h26b_spec.lua"

return {
  -- "*.10.0.0.1" and "*.::1" made DNS names again
  { name = "h26b_selfsigned_wildcard_ip", file = "lua/tls.lua",
    from = [[    if rest and core.is_ip_literal(rest) then]],
    to = [[    if rest and core.is_ip_literal(rest) and false then]],
    specs = { { S, "refuses *.10.0.0.1" } } },
  -- the address test says yes to everything: wildcard DNS names refused
  { name = "h26b_is_ip_literal_always", file = "csrc/lua/lua_tls.c",
    from = [[    lua_pushboolean(L, memchr(s, '\0', len) == NULL && tls_is_ip_literal(s));]],
    to = [[    lua_pushboolean(L, memchr(s, '\0', len) == NULL);]],
    specs = { { S, "takes the addresses alone" } } },
  -- a ttl of 1e300 kept for ever again
  { name = "h26b_store_ttl_unbounded", file = "lua/tls/store.lua",
    from = [[  if ttl > MAX_TTL then]],
    to = [[  if ttl > MAX_TTL * 1e300 then]],
    specs = { { S, "refuses a huge finite ttl" } } },
  -- 7 days itself refused
  { name = "h26b_store_ttl_bound_off_by_one", file = "lua/tls/store.lua",
    from = [[  if ttl > MAX_TTL then]],
    to = [[  if ttl >= MAX_TTL then]],
    specs = { { S, "604800 s is kept" } } },
  -- the check after the old entry is removed: a refused put loses it
  { name = "h26b_store_ttl_checked_late", file = "lua/tls/store.lua",
    from = [[    refuse_ttl_past_max(ttl)
    local old = entries[id]
    if old then remove(id, old) end]],
    to = [[    local old = entries[id]
    if old then remove(id, old) end
    refuse_ttl_past_max(ttl)]],
    specs = { { S, "a refused put leaves the entry" } } },
  -- session 27: the Redis store sends any integer ttl to Redis again
  { name = "h26b_redis_ttl_unbounded", file = "lua/tls/store.lua",
    from = [[    refuse_ttl_past_max(ttl)
    if ttl <= 0 then return end
    command("+", "SET"]],
    to = [[    if ttl <= 0 then return end
    command("+", "SET"]],
    specs = { { "spec/store_spec.lua", "checks its options" } } },
  -- the drop-in's connection wrapped raw again
  { name = "h26b_wrap_dropin_conn_taken", file = "lua/tls.lua",
    from = [[mt.__name == "SSL:Connection" and "SSL connection"]],
    to = [[mt.__name == "SSL:Connexion" and "SSL connection"]],
    specs = { { S, "refuses it like a tls.conn" } } },
  -- setfd skips tls.wrap's socket checks
  { name = "h26b_setfd_unchecked", file = "csrc/lua/lua_conn.c",
    from = [[        const char *problem = stream_problem((int)fd);
        if (problem != NULL)
            return luaL_argerror(L, 2, problem);]],
    to = [[        const char *problem = stream_problem((int)fd);
        (void)problem;]],
    specs = { { S, "a listening socket raises" }, { S, "a UDP socket raises" } } },
  -- the listening test dropped from the shared check (tls.wrap and setfd)
  { name = "h26b_stream_problem_no_listening", file = "csrc/lua/lua_conn.c",
    from = [[    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) == 0 && listening)]],
    to = [[    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &llen) == 0 && listening && 0)]],
    specs = { { S, "a listening tls.server's raises" } } },
}
