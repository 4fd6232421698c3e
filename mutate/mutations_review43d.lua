-- Session 43: review43d's diff review of session 42. Same form as mutate/mutations.lua.
local S = "spec/review43d_spec.lua"
return {
  -- receive(n)'s straight way reads the socket itself: a close it meets is checked for a truncation
  -- as the buffered way's is (it said a bare "closed" under strict_close).
  { name = "review43d_direct_close_not_checked", file = "csrc/lua/lua_conn.c",
    from = "            st = pump(c, WANT_DATA, deadline);\n            avail = tls_conn_app_data(c->tls, &data);",
    to = "            st = pump(c, WANT_DATA, deadline);\n            reading = st == TLS_IO_DONE;\n            avail = tls_conn_app_data(c->tls, &data);",
    specs = { { S, "receive(n) without a prefix reports a close without close_notify" } } },
}
