-- Mutations for session 22's conformance fixes, each killed by
-- spec/conform22_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/conform22_spec.lua"

return {
  -- a client holds a NewSessionTicket to the 64 KiB of other messages: a
  -- legal ticket of 2^16-1 bytes ends the connection with decode_error
  { name = "conform22_ticket_message_64k", file = "csrc/hs/tls_hs_common.c",
    from = [[    if (!c->is_server && type == TLS_HS_NEW_SESSION_TICKET)
        return TLS_MAX_NEW_SESSION_TICKET;
]],
    to = "",
    specs = { { S, "takes a ticket of 2^16-1 bytes with a 255-byte nonce and extensions, in five records, and goes on" },
              { S, "takes a ticket of 2^16-1 bytes (rfc5077#3.3) in five records, keeps it and does not offer it" } } },
  -- the bound one byte past what a NewSessionTicket's fields allow
  { name = "conform22_ticket_message_bound_loose", file = "csrc/engine/tls_conn_int.h",
    from = [[#define TLS_MAX_NEW_SESSION_TICKET (4 + 4 + (1 + 255) + (2 + 65535) + (2 + 65534))]],
    to = [[#define TLS_MAX_NEW_SESSION_TICKET (4 + 4 + (1 + 255) + (2 + 65535) + (2 + 65535))]],
    specs = { { S, "refuses a NewSessionTicket one byte longer than its fields allow, before reading it all" } } },
  -- a TLS 1.3 ticket too large for a ClientHello is offered: the hello cannot be built
  { name = "conform22_tls13_large_ticket_offered", file = "csrc/hs/tls13_psk_client.c",
    from = [[    if (s->ticket.len > TLS_MAX_OFFERED_TICKET)
        return "the session's ticket is too large for a ClientHello";
]],
    to = "",
    specs = { { S, "starts a full handshake with a session whose ticket is too large to offer (65400 bytes)" } } },
  -- the largest ticket we offer is not offered
  { name = "conform22_tls13_offered_ticket_off_by_one", file = "csrc/hs/tls13_psk_client.c",
    from = [[    if (s->ticket.len > TLS_MAX_OFFERED_TICKET)]],
    to = [[    if (s->ticket.len >= TLS_MAX_OFFERED_TICKET)]],
    specs = { { S, "still offers a ticket of 49152 bytes, the largest it offers" } } },
}
