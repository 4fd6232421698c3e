-- Mutations for the lead's session 20 fixes, each killed by spec/lead20_spec.lua.
-- Same form as mutate/mutations.lua.
local S = "spec/lead20_spec.lua"

return {
  -- a password with no key taken and never used
  { name = "lead20_password_alone_taken", file = "lua/tls.lua",
    from = [[  if o.password ~= nil and o.key == nil then]],
    to = [[  if false and o.password ~= nil and o.key == nil then]],
    specs = { { S, "is refused on a client with no key" },
              { S, "is refused beside 'certificates'" } } },
  -- a string shown bare: "(got )" for ""
  { name = "lead20_string_shown_bare", file = "lua/tls.lua",
    from = [[  if type(v) == "string" then return string.format("%q", v) end]],
    to = "",
    specs = { { S, "show a string quoted" } } },
  -- the drop-in's SNI map judged only when sni() was called: an entry
  -- added later (or made by __index) asking less of clients was taken
  { name = "lead20_sni_entry_unchecked_at_handshake", file = "lua/tls/luasec.lua",
    from = [[    local refusal = sni_entry_refusal(conn.ctx.opts, name, ctx)
    if refusal then error("sni map: " .. refusal, 0) end
]],
    to = "",
    specs = { { S, "refuses an entry added after sni()" },
              { S, "refuses a weaker context an __index function hands out" } } },
  -- psk_key_exchange_modes only with a session to offer: Go's (and
  -- BoringSSL's, rustls's) servers then send no ticket, nothing resumes
  { name = "lead20_psk_modes_only_with_session", file = "csrc/hs/tls_hello_client.c",
    from = [[    if (v13)
        tls13_psk_client_put_modes(c, &msg);
]],
    to = "",
    specs = { { "spec/interop_go_spec.lua", "gets a session ticket from the first handshake" },
              { "spec/interop_go_spec.lua", "is in every ClientHello that offers TLS 1.3" } } },
}
