-- Mutations for session 31's fixes (spec/lead31_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/lead31_spec.lua"

return {
  -- review29d I2: the suite re-chosen by preference after a HelloRetryRequest
  { name = "lead31_hrr_suite_rechosen", file = "csrc/hs/tls13_server.c",
    from = [[    const tls_suite *suite = c->suite != NULL ? c->suite : psk ? psk->suite : NULL;]],
    to = [[    const tls_suite *suite = psk ? psk->suite : NULL;]],
    specs = { { S, "no longer carries the PSK" } } },
  -- review29b I1: a change_cipher_spec before a TLS 1.2 ServerHello dropped
  { name = "lead31_ccs_before_tls12_hello", file = "csrc/hs/tls_hello_client.c",
    from = [[    if (c->ccs_records > 0)]],
    to = [[    if (0)]],
    specs = { { S, "before a TLS 1.2 ServerHello" } } },
}
