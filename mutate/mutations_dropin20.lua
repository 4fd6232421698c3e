-- Mutations for session 20's drop-in and tls.copas fixes (dropin20), each
-- killed by spec/dropin20_spec.lua. Same form as mutate/mutations.lua.
local LUASEC = "lua/tls/luasec.lua"
local COPAS = "lua/tls/copas.lua"
local S = "spec/dropin20_spec.lua"

return {
  -- certificates with certificate/key: one of them silently did nothing
  { name = "dropin20_certificates_with_pair_accepted", file = LUASEC,
    from = [[    if cfg.certificate ~= nil or cfg.key ~= nil then]],
    to = [[    if (cfg.certificate ~= nil or cfg.key ~= nil) and false then]],
    specs = { { S, "refuses certificates together with certificate or key" } } },
  -- sni(map, true) refused every client that sends no name (LuaSec keeps the default context)
  { name = "dropin20_sni_strict_refuses_no_name", file = LUASEC,
    from = [[  if name == nil then return nil end]],
    to = [[  if name == nil and false then return nil end]],
    specs = { { S, "strict: no SNI gets the listening context, an unknown name is refused (luatls server)" } } },
  -- a client without SNI served by a context weaker than the listening one
  -- (the certificate alone, no client certificate asked)
  { name = "dropin20_no_sni_weaker_context", file = LUASEC,
    from = [[  if name == nil then return nil end]],
    to = [[  if name == nil then return tls.context { mode = "server", certificate = conn.ctx.opts.certificate, key = conn.ctx.opts.key } end]],
    specs = { { S, "a client without SNI meets the listening context's client certificate requirement" } } },
  -- ALPN lists joined by a separator: { "a\0b" } and { "a", "b" } shared a variant
  { name = "dropin20_alpn_variant_key_joined", file = LUASEC,
    from = [[  local key = (named and "n" or "c") .. (alpn and ("|" .. alpn_key(alpn)) or "")]],
    to = [[  local key = (named and "n" or "c") .. (alpn and ("|" .. table.concat(alpn, "\0")) or "")]],
    specs = { { S, "offers each connection its own list" } } },
  -- a handler that raised left its connection open until the collector ran
  { name = "dropin20_copas_handler_error_leaves_open", file = COPAS,
    from = [[      if not pcall(abort, raw) then pcall(raw.close, raw) end]],
    to = [[      local _ = raw]],
    specs = { { S, "closes the connection at once, without close_notify" } } },
}
