-- Mutations for session 37's fixes. Same form as mutate/mutations.lua.
local L = "spec/lead37_spec.lua"

return {
  -- review37b F1: a TLS 1.2 server's ECDSA key on a curve the client did not offer
  { name = "lead37_tls12_server_curve_unchecked", file = "csrc/hs/tls12_client.c",
    from = [[        if (curve == 0 || !tls_hello_offered(c->pol.groups, c->pol.n_groups, curve))]],
    to = [[        if (curve == 0)]],
    specs = { { L, "refused with illegal_parameter when the client's groups leave the curve out" } } },
  -- review37d F1: accept under cqueues gives a shortage back at once (the loop spins, nothing else runs)
  { name = "lead37_cqueues_accept_shortage_returned", file = "lua/tls/loop.lua",
    from = [[      elseif shortage ~= "shortage" then]],
    to = [[      elseif true then]],
    specs = { { L, "accepts once one of them frees a descriptor" } } },
  -- ... and the blocking accept without its pause
  { name = "lead37_accept_shortage_no_pause", file = "csrc/io/tls_socket.c",
    from = [[            if (pause_for_shortage(shortage_since, deadline, &step_ms))
                continue;]],
    to = [[            if (0 && pause_for_shortage(shortage_since, deadline, &step_ms))
                continue;]],
    specs = { { L, "the blocking accept pauses for at most a second" } } },
  -- review37e F1: a URL's authority ends at "/" only (LuaSocket's url.parse), not at "?" or "#"
  { name = "lead37_url_ambiguous_host_taken", file = "lua/tls/util.lua",
    from = [[      if rest:match("^[^/]*"):find("@", 1, true) then]],
    to = [[      if false then]],
    specs = { { L, "refuses a URL whose host RFC 3986 and LuaSocket read differently" },
              { L, "the drop-in's ssl.https refuses the same URLs" } } },
  { name = "lead37_url_authority_to_slash_only", file = "lua/tls/util.lua",
    from = [[      u = head .. authority .. "/" .. rest]],
    to = [[]],
    specs = { { L, "a query or fragment right after the port is a valid URL" } } },
  -- review37g F1: a relative redirect resolved against the URL as given, not as parsed
  { name = "lead37_redirect_base_unparsed", file = "lua/tls/https.lua",
    from = [[  return { host = p.host, port = port, uri = uri, url = parsed, user = p.user, password = p.password }]],
    to = [[  return { host = p.host, port = port, uri = uri, url = u, user = p.user, password = p.password }]],
    specs = { { L, "resolves a relative redirect against a URL whose query followed the port" } } },
  { name = "lead37_url_backslash_taken", file = "lua/tls/util.lua",
    from = [[    if authority:find("\\", 1, true) then]],
    to = [[    if false then]],
    specs = { { L, "refuses a backslash in the host part" } } },
  -- review37e F4: a port read with tonumber
  { name = "lead37_url_port_tonumber", file = "lua/tls/util.lua",
    from = [[  if type(text) ~= "string" or not text:match("^%d+$") or #text > 5 then return nil end]],
    to = [[  if type(text) ~= "string" or not tonumber(text) then return nil end]],
    specs = { { L, "ports that are not decimal digits" } } },
  -- review37e F2: ssl.https drops luatls's options, and LuaSec's dane
  { name = "lead37_sslhttps_luatls_options_dropped", file = "lua/tls/luasec/https.lua",
    from = [[    if refused then return nil, "ssl.https: " .. refused end]],
    to = [[]],
    specs = { { L, "luatls's tls.context names as newcontext refuses them" }, { L, "through socket.http after install()" } } },
  { name = "lead37_sslhttps_dane_dropped", file = "lua/tls/luasec/https.lua",
    from = [["verifyext", "dane",]],
    to = [["verifyext",]],
    specs = { { L, "dane (LuaSec's, which luatls lacks) is refused" } } },
  -- review37e F3: getsignaturename's long names
  { name = "lead37_getsignaturename_long", file = "lua/tls/luasec.lua",
    from = [[  return self.cert:signature_algorithm("short")]],
    to = [[  return self.cert:signature_algorithm()]],
    specs = { { L, "for RSA PKCS#1 v1.5 and RSA-PSS signatures, as real LuaSec" } } },
  -- review37d F2: bytes LuaSocket read ahead lost under tls.wrap / ssl.wrap
  { name = "lead37_wrap_read_ahead_ignored", file = "lua/tls/util.lua",
    from = [[  if not (ok and dirty == true) then return nil end]],
    to = [[  if true then return nil end]],
    specs = { { L, "are refused, saying why, instead of a handshake that times out" } } },
  -- review37e F5: subject()/issuer() attribute names by text, not libcrypto's OID and long name
  { name = "lead37_subject_names_as_text", file = "lua/tls/luasec.lua",
    from = [[      entries[#entries + 1] = { oid = oid or k, name = name or k, value = v }]],
    to = [[      entries[#entries + 1] = { oid = k, name = name or k, value = v }]],
    specs = { { L, "for the less common attributes too" } } },
  -- review37g F3: under cqueues every accept error but "timeout" was retried as a shortage
  { name = "lead37_cqueues_accept_any_error_retried", file = "lua/tls/loop.lua",
    from = [[      elseif shortage ~= "shortage" then]],
    to = [[      elseif false then]],
    specs = { { L, "under cqueues, any other error comes back at once" } } },
}
