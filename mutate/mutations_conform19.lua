-- Mutations for session 19's conformance fixes, each killed by
-- spec/conform19_spec.lua. Same form as mutate/mutations.lua.
local S = "spec/conform19_spec.lua"

return {
  -- rfc5246#6.2.1: an empty TLS 1.2 application_data record (legal with an
  -- AEAD) must leave nothing in app_in, not the room its nonce and tag took
  { name = "conform19_empty_record_leaves_room", file = "csrc/record/tls_record.c",
    from = [[    c->app_in.len = start + room;
]],
    to = "",
    specs = { { S, "takes empty application_data records (legal with an AEAD) between data records" },
              { S, "takes empty application_data records from the client" } } },
}
