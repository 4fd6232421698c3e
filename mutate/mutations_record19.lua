-- Mutations for session 19's review of the record layer's buffer
-- accounting, each killed by spec/record19_spec.lua. Same form as
-- mutate/mutations.lua.
local S = "spec/record19_spec.lua"

return {
  -- a record being handled sits at app_in's tail: callbacks run meanwhile
  -- must not see its plaintext (a NewSessionTicket, a Finished) as data
  { name = "record19_open_tail_not_marked", file = "csrc/record/tls_record.c",
    from = [[    c->app_in_open = room;
]],
    to = "",
    specs = { { S, "want() is not 'data' while handshake records, tickets and a KeyUpdate are handled" } } },
  { name = "record19_open_tail_not_cleared", file = "csrc/record/tls_record.c",
    from = [[    rec->opened = 0;
    c->app_in_open = 0;
]],
    to = [[    rec->opened = 0;
]],
    specs = { { S, "says 'data' for the data read before" } } },
  { name = "record19_want_counts_open_tail", file = "csrc/engine/tls_engine.c",
    from = [[    if (tls_conn_unread(c) > 0)
        return TLS_WANT_DATA;]],
    to = [[    if (c->app_in.len - c->app_in_read > 0)
        return TLS_WANT_DATA;]],
    specs = { { S, "want() is not 'data' while the server's encrypted Finished is handled" } } },
  { name = "record19_app_data_counts_open_tail", file = "csrc/engine/tls_engine.c",
    from = [[    return tls_conn_unread(c);]],
    to = [[    return c->app_in.len - c->app_in_read;]],
    specs = { { S, "dirty() is false while the server's handshake records and ticket are handled" } } },
}
