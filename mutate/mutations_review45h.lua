-- Session 45, review45h: a client's accepted 0-RTT data in its getstats
-- sent count, once, and never when declined.
local S = "spec/review45h_spec.lua"
return {
  { name = "review45h_early_sent_not_counted", file = "csrc/lua/lua_conn.c",
    from = [[        c->sent += c->early_unsettled;]], to = [[        (void)0;]],
    specs = { { S, "accepted early data is in the client's sent count" } } },
  { name = "review45h_early_declined_counted", file = "csrc/lua/lua_conn.c",
    from = [[    if (info.early_data == 1)
        c->sent += c->early_unsettled;]], to = [[    c->sent += c->early_unsettled;]],
    specs = { { S, "is not counted" } } },
  { name = "review45h_early_counted_twice", file = "csrc/lua/lua_conn.c",
    from = [[        c->sent += c->early_unsettled;
    c->early_unsettled = 0;]], to = [[        c->sent += c->early_unsettled;]],
    specs = { { S, "accepted early data is in the client's sent count" } } },
  { name = "review45h_setstats_unsettled", file = "csrc/lua/lua_conn.c",
    from = [[    settle_early(c);
    double now = tls_sock_now();]], to = [[    double now = tls_sock_now();]],
    specs = { { S, "before any getstats" } } },
}
