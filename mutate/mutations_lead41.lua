-- Session 41, the lead: a Certificate message over 64 KiB. Same form as mutate/mutations.lua.
local S = "spec/lead41_spec.lua"
return {
  -- The larger limit only where a Certificate is expected: elsewhere a peer
  -- could make us hold 128 KiB of a message we would refuse anyway.
  { name = "lead41_cert_limit_in_any_state", file = "csrc/hs/tls_hs_common.c",
    from = "    if (type == TLS_HS_CERTIFICATE &&\n        (c->state == ST_CLIENT_WAIT_CERT_CR",
    to = "    if (type == TLS_HS_CERTIFICATE && (1 ||\n        c->state == ST_CLIENT_WAIT_CERT_CR",
    specs = { { S, "out of place keeps the 64 KiB limit" } } },
  -- The Certificate limit is still a limit.
  { name = "lead41_cert_limit_unbounded", file = "csrc/engine/tls_conn_int.h",
    from = "#define TLS_MAX_CERTIFICATE_MESSAGE (128 * 1024)",
    to = "#define TLS_MAX_CERTIFICATE_MESSAGE (16 * 1024 * 1024)",
    specs = { { S, "is refused past 128 KiB" } } },
  -- ... and larger than the general one.
  { name = "lead41_cert_limit_64k", file = "csrc/engine/tls_conn_int.h",
    from = "#define TLS_MAX_CERTIFICATE_MESSAGE (128 * 1024)",
    to = "#define TLS_MAX_CERTIFICATE_MESSAGE (64 * 1024)",
    specs = { { S, "from a server is taken by our client" } } },
}
