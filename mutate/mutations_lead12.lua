-- Mutations of the lead's fixes during issue 12. Same form as mutate/mutations.lua.
return {
   -- a send that fails on the peer's reset must still report the alert the peer sent before it
   { name = "parting_alert_unread", file = "csrc/lua/lua_conn.c",
     from = [[    if (st == TLS_IO_CLOSED || st == TLS_IO_ERROR)
        read_parting_alert(c);]],
     to = [[    if (st == TLS_IO_CLOSED && st == TLS_IO_ERROR)
        read_parting_alert(c);]],
     specs = { { "spec/parting_alert_spec.lua", "is reported by the send" } } },
}
