-- Session 43 (review43a): our server's checks of the message type each
-- state waits for.
-- A message of the wrong type with the awaited message's body must not be
-- read as that message. Same form as mutate/mutations.lua.
local S = "spec/review43a_spec.lua"
return {
  { name = "review43a_server_hello_type_unchecked", file = "csrc/hs/tls_hello_server.c",
    from = "if (type != TLS_HS_CLIENT_HELLO)", to = "if (0)",
    specs = { { S, "a ServerHello carrying a ClientHello body is unexpected_message" } } },
  { name = "review43a_server13_certificate_type_unchecked", file = "csrc/hs/tls13_server.c",
    from = "if (type != TLS_HS_CERTIFICATE)", to = "if (0)",
    specs = { { S, "a CertificateVerify carrying an empty Certificate body is unexpected_message" } } },
  { name = "review43a_server13_finished_type_unchecked", file = "csrc/hs/tls13_server.c",
    from = "if (type != TLS_HS_FINISHED)", to = "if (0)",
    specs = { { S, "a KeyUpdate carrying the right verify_data is no Finished" } } },
  { name = "review43a_server12_certificate_type_unchecked", file = "csrc/hs/tls12_server.c",
    from = "if (type != TLS_HS_CERTIFICATE)", to = "if (0)",
    specs = { { S, "a ClientKeyExchange carrying an empty Certificate body is unexpected_message" } } },
  { name = "review43a_server12_cke_type_unchecked", file = "csrc/hs/tls12_server.c",
    from = "if (type != TLS_HS_CLIENT_KEY_EXCHANGE)", to = "if (0)",
    specs = { { "spec/tls12_server_spec.lua", "takes a client Certificate as unexpected_message" } } },
  { name = "review43a_server12_finished_type_unchecked", file = "csrc/hs/tls12_server.c",
    from = "if (type != TLS_HS_FINISHED)", to = "if (0)",
    specs = { { S, "a CertificateVerify carrying the right verify_data is no Finished" } } },
