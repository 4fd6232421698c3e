-- Session 43: review43d's diff review of session 42. Same form as mutate/mutations.lua.
local S = "spec/review43d_spec.lua"
return {
  -- receive(n)'s straight way reads the socket itself: a close it meets is checked for a truncation
  -- as the buffered way's is (it said a bare "closed" under strict_close).
  { name = "review43d_direct_close_not_checked", file = "csrc/lua/lua_conn.c",
    from = "            st = pump(c, WANT_DATA, deadline);\n            avail = tls_conn_app_data(c->tls, &data);\n        }\n        if (st == TLS_IO_DONE && avail >= count) {",
    to = "            st = pump(c, WANT_DATA, deadline);\n            reading = st == TLS_IO_DONE;\n            avail = tls_conn_app_data(c->tls, &data);\n        }\n        if (st == TLS_IO_DONE && avail >= count) {",
    specs = { { S, "receive(n) without a prefix reports a close without close_notify" } } },
  -- The same for review43e's straight way for whole lines.
  { name = "review43d_line_close_not_checked", file = "csrc/lua/lua_conn.c",
    from = "            st = pump(c, WANT_DATA, deadline);\n            avail = tls_conn_app_data(c->tls, &data);\n        }\n        const uint8_t *nl",
    to = "            st = pump(c, WANT_DATA, deadline);\n            reading = st == TLS_IO_DONE;\n            avail = tls_conn_app_data(c->tls, &data);\n        }\n        const uint8_t *nl",
    specs = { { "spec/close_spec.lua", "with strict_close, a close without close_notify fails receive" } } },
}
