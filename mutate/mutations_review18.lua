-- Mutations for the checks added by review 18, each killed by
-- spec/review18_spec.lua. Same form as mutate/mutations.lua.
local EXPORT = "csrc/engine/tls_export.c"
local SERVER12, CLIENT12 = "csrc/hs/tls12_server.c", "csrc/hs/tls12_client.c"
local PROTECT12 = "csrc/record/tls_protect12.c"
local S = "spec/review18_spec.lua"

return {
  -- rfc7627#5.4: a TLS 1.2 exporter over a master secret without EMS
  { name = "review18_export_without_ems", file = EXPORT,
    from = [[    if (!c->t12->ems)
        return;]],
    to = [[]],
    specs = { { S, "is refused by a client with require_ems = false talking to a server without it" },
              { S, "is refused with a client that does not do it" } } },
  -- rfc8449#4 in TLS 1.2: our server ignores the client's limit
  { name = "review18_rsl12_server_ignores_limit", file = SERVER12,
    from = [[        c->send_limit = ch->record_size_limit < TLS_MAX_PLAINTEXT ? ch->record_size_limit : TLS_MAX_PLAINTEXT;]],
    to = [[]],
    specs = { { S, "our server answers the client's limit in its ServerHello and keeps its records to it" } } },
  -- rfc8449#4 in TLS 1.2: our client ignores the server's limit
  { name = "review18_rsl12_client_ignores_limit", file = CLIENT12,
    from = [[        c->send_limit = limit < TLS_MAX_PLAINTEXT ? limit : TLS_MAX_PLAINTEXT;]],
    to = [[]],
    specs = { { S, "our client keeps its records to the limit in the server's ServerHello" } } },
  -- rfc8449#4: a record over the limit we advertised is record_overflow
  { name = "review18_rsl12_recv_not_enforced", file = PROTECT12,
    from = [[    size_t most = c->recv_limit < TLS_MAX_PLAINTEXT ? c->recv_limit : TLS_MAX_PLAINTEXT;]],
    to = [[    size_t most = TLS_MAX_PLAINTEXT;]],
    specs = { { S, "our client refuses a record over the limit it sent once the server answered" },
              { S, "our server refuses a record over the limit it answered" } } },
}
