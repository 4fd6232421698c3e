-- Mutations for the checks added by review 17, each killed by
-- spec/review17_spec.lua. Same form as mutate/mutations.lua.
local HELLO_CLIENT = "csrc/hs/tls_hello_client.c"
local S = "spec/review17_spec.lua"

return {
  -- a TLS 1.2 ServerHello taken after a TLS 1.3 HelloRetryRequest
  { name = "review17_tls12_after_hrr", file = HELLO_CLIENT,
    from = [[    if (c->hello_retry)
        return tls_fail(&c->err, TLS_ALERT_ILLEGAL_PARAMETER,
                        "ServerHello after a TLS 1.3 HelloRetryRequest chose another version");]],
    to = [[]],
    specs = { { S, "a crafted ServerHello" },
              { S, "a TLS 1.2-only server's answer" } } },
}
