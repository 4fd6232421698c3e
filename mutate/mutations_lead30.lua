-- Mutations for session 30's fixes beside keyUsage (spec/lead30_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/lead30_spec.lua"

return {
  -- review29c: the exporter answering after close() again
  { name = "lead30_export_after_forget", file = "csrc/engine/tls_export.c",
    from = [[    if (c->secrets_forgotten)]],
    to = [[    if (0)]],
    specs = { { S, "says closed, while info()" } } },
  { name = "lead30_close_keeps_secrets", file = "csrc/lua/lua_conn.c",
    from = [[        tls_conn_forget_secrets(c->tls);]],
    to = [[        (void)0;]],
    specs = { { S, "says closed, while info()" } } },
}
