-- Mutations for the checks added by the lead in session 19 (list options
-- without holes, tls.connect refusing a server context), each killed by
-- spec/lead19_spec.lua. Same form as mutate/mutations.lua.
local TLS = "lua/tls.lua"
local LUASEC = "lua/tls/luasec.lua"
local UTIL = "lua/tls/util.lua"  -- whole_list, shared by tls and tls.luasec since session 20
local S = "spec/lead19_spec.lua"

return {
  -- { nil, pin }: ipairs stops at the hole, no pin added, a pin-only client accepts any server
  { name = "lead19_list_hole_accepted", file = UTIL,
    from = [[    if list[i] == nil then return nil, string.format("%s: entry %d is nil (a list has no holes)", label, i) end]],
    to = [[    if list[i] == nil and false then return nil, string.format("%s: entry %d is nil (a list has no holes)", label, i) end]],
    specs = { { S, "refuses a pin list whose first entry is nil" } } },
  -- named keys beside the list: quietly ignored
  { name = "lead19_list_named_keys_accepted", file = UTIL,
    from = [[  if count ~= n then]],
    to = [[  if count ~= n and false then]],
    specs = { { S, "refuses holes and named keys in crl, certificates, alpn, ciphers" } } },
  -- the drop-in's verify = { nil, "peer" } meant no verification (the same
  -- check in tls.util, reached through the drop-in's own caller)
  { name = "lead19_luasec_verify_hole", file = UTIL,
    from = [[    if list[i] == nil then return nil, string.format("%s: entry %d is nil (a list has no holes)", label, i) end]],
    to = [[    if list[i] == nil and false then return nil, string.format("%s: entry %d is nil (a list has no holes)", label, i) end]],
    specs = { { S, "refuses verify = { nil, \"peer\" }" } } },
  { name = "lead19_luasec_verify_named_keys", file = UTIL,
    from = [[  if count ~= n then]],
    to = [[  if count ~= n and false then]],
    -- (a table of named keys alone is caught before, since session 32)
    specs = { { S, "refuses verify = { peer = true }" },
              { "spec/dropin20_spec.lua", "one whole_list for tls and tls.luasec" } } },
  -- inside cqueues tls.connect wraps a socket, which would play the server
  { name = "lead19_connect_server_ctx", file = TLS,
    from = [[  if is_ctx and mode == "server" then]],
    to = [[  if is_ctx and mode == "server" and false then]],
    specs = { { S, "inside a cqueues coroutine too" } } },
  -- a drop-in SNI map context without the client certificate the connection requires (LuaSec keeps it)
  { name = "lead19_luasec_sni_weaker_verify", file = LUASEC,
    from = [[  if (VERIFY_RANK[chosen.verify] or 0) < (VERIFY_RANK[own.verify] or 0) then]],
    to = [[  if (VERIFY_RANK[chosen.verify] or 0) < (VERIFY_RANK[own.verify] or 0) and false then]],
    specs = { { S, "refuses a mapped context without the client certificate" } } },
  { name = "lead19_luasec_sni_wider_versions", file = LUASEC,
    from = [[  if chosen.min_version < own.min_version or chosen.max_version > own.max_version then]],
    to = [[  if chosen.max_version > own.max_version then]],
    specs = { { S, "refuses a mapped context allowing TLS 1.2 where" } } },
  -- LuaSec never reads SSLKEYLOGFILE; the drop-in did (traffic secrets to a file)
  { name = "lead19_luasec_keylog_env", file = LUASEC,
    from = [[  if not server then o.keylog = false end]],
    to = [[  if not server then o.keylog = nil end]],
    specs = { { S, "writes no key log from a drop-in client" } } },
  -- tls.https: a field with '@' moved the request (and its credentials) to another host
  { name = "lead19_https_fields_move_host", file = "lua/tls/https.lua",
    from = [[  if back.host ~= p.host or (back.port or "") ~= (p.port or "") or back.user ~= p.user then]],
    to = [[  if back.host ~= p.host and false then]],
    specs = { { S, "refuses query = a=1@evil.example before connecting" } } },
  -- the drop-in's cipher exclusions ignored ("HIGH:!AES128" kept AES-128)
  { name = "lead19_luasec_cipher_exclusion_ignored", file = LUASEC,
    from = [[        if selects(selector, suite) then
          chosen[suite] = nil]],
    to = [[        if selects(selector, suite) and false then
          chosen[suite] = nil]],
    specs = { { S, "HIGH:!AES128:!CHACHA20 gives" } } },
  -- any keyword took every suite (a named suite plus "@STRENGTH" became all six)
  { name = "lead19_luasec_cipher_keyword_widens", file = LUASEC,
    from = [[    if op == "@" then]],
    to = [[    if op == "@" then
      for _, suite in ipairs(TLS12_SUITES) do take(suite) end]],
    specs = { { S, "ECDHE-RSA-AES256-GCM-SHA384:@STRENGTH gives" } } },
  -- through a proxy, a Proxy-Authorization header went to the server inside the tunnel
  { name = "lead19_https_proxy_auth_to_server", file = "lua/tls/https.lua",
    from = [[    if k:lower() == "proxy-authorization" then]],
    to = [[    if k:lower() == "proxy-authorization" and false then]],
    specs = { { S, "refuses a Proxy-Authorization header" } } },
  -- ssl.https: an inner request in the same coroutine cleared the outer one's factory and guard
  { name = "lead19_luasec_https_nested_guard_lost", file = "lua/tls/luasec/https.lua",
    from = [[  active[co] = outer]],
    to = [[  active[co] = nil]],
    specs = { { S, "gives the outer request its own connection factory back" } } },
  -- tls.https messages showed URL passwords (they end up in logs)
  { name = "lead19_https_password_in_message", file = "lua/tls/https.lua",
    from = [[    if user then u = head .. user .. ":***" .. auth:sub(at) .. tail end]],
    to = [[    if user and false then u = head .. user .. ":***" .. auth:sub(at) .. tail end]],
    specs = { { S, "refusing the plain http URL" } } },
  -- the drop-in read "admin\\01" (a control byte) as "admin01": two names became one
  { name = "lead19_luasec_name_hex_escape", file = LUASEC,
    from = [[    local hex = ch == "\\" and text:match("^%x%x", i + 1)]],
    to = [[    local hex = false]],
    specs = { { S, "reads a control byte escaped as" } } },
  -- a drop-in method that raised left its connection as the coroutine's current one, for ever
  { name = "lead19_luasec_drive_raise_holds", file = LUASEC,
    from = [[  local ok, a, b, c = pcall(conn[method], conn, ...)]],
    to = [[  local ok, a, b, c = true, conn[method](conn, ...)]],
    specs = { { S, "lets the connection be collected after receive" } } },
  -- tls.https: a space in the URL split the request line
  { name = "lead19_https_space_in_url", file = "lua/tls/https.lua",
    from = [[  if u:find(" ", 1, true) then]],
    to = [[  if u:find(" ", 1, true) and false then]],
    specs = { { S, "refuses a URL or path with a space" } } },
}
