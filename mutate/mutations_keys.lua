-- Mutations of ticket keys (csrc/crypto/tls_ticket.c, lua/tls/ticketkeys.lua,
-- csrc/lua/lua_ticketkeys.c), the session stores (lua/tls/store.lua) and
-- the store bridge (csrc/lua/lua_hook_store.c), each killed by
-- spec/ticketkeys_spec.lua or spec/store_spec.lua. Same form as
-- mutate/mutations.lua.
local K = "spec/ticketkeys_spec.lua"
local S = "spec/store_spec.lua"
local TICKET = "csrc/crypto/tls_ticket.c"
local KEYS = "lua/tls/ticketkeys.lua"
local STORE = "lua/tls/store.lua"
local BRIDGE = "csrc/lua/lua_hook_store.c"

return {
   -- key name lookup: a ticket is opened with the key its name names
   { name = "keys_open_with_current_key", file = TICKET,
     from = [[            k = &ks->keys[i];]],
     to = [[            k = &ks->keys[0];]],
     specs = { { K, "setticketkeys while running" } } },
   -- automatic rotation: keys[0] replaced after one lifetime
   { name = "keys_rotate_late", file = TICKET,
     from = [[key_age(&ks->keys[0], now_ms) >= ks->rotate_ms]],
     to = [[key_age(&ks->keys[0], now_ms) >= 2 * ks->rotate_ms]],
     specs = { { K, "replaces it after a lifetime" } } },
   -- dropping expired keys: after two lifetimes, not later
   { name = "keys_dropped_late", file = TICKET,
     from = [[key_age(&ks->keys[ks->n - 1], now_ms) >= 2 * ks->rotate_ms]],
     to = [[key_age(&ks->keys[ks->n - 1], now_ms) >= 3 * ks->rotate_ms]],
     specs = { { K, "drops each after two" }, { K, "not once the key is dropped" } } },
   -- a clock that goes back must not make every key ancient
   { name = "keys_clock_back_wraps", file = TICKET,
     from = [[return now_ms > k->created_ms ? now_ms - k->created_ms : 0;]],
     to = [[return now_ms - k->created_ms;]],
     specs = { { K, "drops each after two" } } },
   -- rotation and dropping happen as connections come, not only when sealing
   { name = "keys_tick_skipped", file = KEYS,
     from = [[local ok, err = core.ticketkeys_tick(ctx)]],
     to = [[local ok, err = true]],
     specs = { { K, "drops each after two" } } },
   -- keys from the application are never rotated by the server
   { name = "keys_set_on_rotating_context", file = KEYS,
     from = [[if core.ticketkeys_rotation(ctx) > 0 then]],
     to = [[if false then]],
     specs = { { K, "keys the application gives are not rotated" } } },
   -- the key file: other users and the group's write refused
   { name = "keys_file_mode_others_only", file = "csrc/lua/lua_ticketkeys.c",
     from = [[static const tls_file_policy policy = {077 & ~040, "chmod 600 (or 640)",]],
     to = [[static const tls_file_policy policy = {07, "chmod 600 (or 640)",]],
     specs = { { K, "refuses a file other users may read or write" } } },
   { name = "keys_file_written_readable", file = "csrc/lua/lua_ticketkeys.c",
     from = [[if (fchmod(fd, 0600) != 0 ||]],
     to = [[if (fchmod(fd, 0644) != 0 ||]],
     specs = { { K, "write then read gives the keys back" } } },
   { name = "keys_file_duplicate_names", file = KEYS,
     from = [[      if seen[name] then
        return fail("ticket keys file %s, line %d: the key's name]],
     to = [[      if false then
        return fail("ticket keys file %s, line %d: the key's name]],
     specs = { { K, "two keys with one name" } } },
   { name = "keys_list_duplicate_names", file = KEYS,
     from = [[    if seen[name] then
      return fail("%s: keys %d and %d have the same name"]],
     to = [[    if false then
      return fail("%s: keys %d and %d have the same name"]],
     specs = { { K, "write refuses wrong lists" } } },
   -- a file-backed context: re-read when replaced, at most once per interval
   { name = "keys_file_never_reloaded", file = KEYS,
     from = [[if ident == st.ident or ident == st.bad then return end]],
     to = [[if true then return end]],
     specs = { { K, "picks up the rotated file as it makes" } } },
   { name = "keys_accept_no_refresh", file = "csrc/lua/lua_server.c",
     from = [[    tls_lua_ticketkeys_refresh(L);]],
     to = [[]],
     specs = { { K, "picks up the rotated file at accept" } } },
   { name = "keys_file_recheck_ignored", file = KEYS,
     from = [[if now >= st.checked and now - st.checked < M.recheck then return end]],
     to = [[if false then return end]],
     specs = { { K, "once per recheck interval" } } },
   -- the memory store: TTL, bound, delete only what is there and live
   { name = "store_memory_ttl_one_second_late", file = STORE,
     from = [[if clock() >= node.expires then]],
     to = [[if clock() > node.expires then]],
     specs = { { S, "until its ttl has passed" } } },
   { name = "store_memory_unbounded", file = STORE,
     from = [[if count > size then]],
     to = [[if false then]],
     specs = { { S, "least recently used" } } },
   { name = "store_memory_delete_absent_true", file = STORE,
     from = [[    if not node then return false end
    remove(id, node)
    return true]],
     to = [[    if not node then return true end
    remove(id, node)
    return true]],
     specs = { { S, "delete says true only" }, { S, "tls.store.memory: accepted once" } } },
   { name = "store_memory_delete_expired_true", file = STORE,
     from = [[    check_string("delete", "id", id)
    local node = live(id)]],
     to = [=[    check_string("delete", "id", id)
    local node = entries[id]]=],
     specs = { { S, "delete says true only" } } },
   -- the Redis store: DEL's count, not its truth
   { name = "store_redis_delete_any_reply", file = STORE,
     from = [[return command(":", "DEL", prefix .. hex(id)) == 1]],
     to = [[return command(":", "DEL", prefix .. hex(id)) ~= nil]],
     specs = { { S, "deletes (true once)" }, { S, "tls.store.redis: accepted once" } } },
   -- the bridge: delete counts only true or 1
   { name = "bridge_delete_zero_counts", file = BRIDGE,
     from = [[deleted = lua_tointeger(L, -1) == 1;]],
     to = [[deleted = 1;]],
     specs = { { S, "answers Redis's DEL count" } } },
   { name = "bridge_delete_anything_counts", file = BRIDGE,
     from = [[        wrong_answer(L, "delete", "true, false or nil");
        warn_failure(L, "delete", "treated as not deleted");
        return -1;]],
     to = [[        lua_pop(L, 1);
        return 1;]],
     specs = { { S, "answers anything else" } } },
   { name = "bridge_get_oversize_taken", file = BRIDGE,
     from = [[if (len > STORE_MAX_BLOB) {]],
     to = [[if (0 && len > STORE_MAX_BLOB) {]],
     specs = { { S, "more than a sealed session can be" } } },
}
