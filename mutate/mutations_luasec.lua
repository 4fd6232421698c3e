-- Mutations of the LuaSec drop-in (lua/tls/luasec.lua, and the core's
-- chain-only verification it uses when a program names no host), each
-- killed by spec/luasec_dropin_spec.lua. Same form as mutate/mutations.lua.
local D = "spec/luasec_dropin_spec.lua"
local L = "lua/tls/luasec.lua"

return {
   -- The name check: a connection that names a host must get the context
   -- that checks it.
   { name = "luasec_name_never_checked", file = L,
     from = [[  if not self.extra.server and (not named or self.extra.record_verification) then]],
     to = [[  if not self.extra.server then]],
     specs = { { D, "a servername parameter is checked like sni" },
               { D, "checks the name given with sni" } } },
   { name = "luasec_sni_name_ignored", file = L,
     from = [[  local name = self.name or ctx.extra.servername]],
     to = [[  local name = ctx.extra.servername]],
     specs = { { D, "checks the name given with sni" } } },
   { name = "luasec_chain_only_skips_chain", file = "csrc/hs/tls_hs_common.c",
     from = [[    int ok = !c->pol.verify ||]],
     to = [[    int ok = !c->pol.verify || c->pol.verify_chain_only ||]],
     specs = { { D, "without a name still checks the chain" } } },
   -- Refusals
   { name = "luasec_old_protocol_accepted", file = L,
     from = [[  if OLD_PROTOCOLS[cfg.protocol] then]],
     to = [[  if false and OLD_PROTOCOLS[cfg.protocol] then]],
     specs = { { D, "refuses TLS 1.0, TLS 1.1 and SSL 3.0 as the protocol" } } },
   { name = "luasec_verifyext_continue_accepted", file = L,
     from = [[      if v == "lsec_continue" or v == "lsec_ignore_purpose" then]],
     to = [[      if v == "lsec_ignore_purpose" then]],
     specs = { { D, "refuses verifyext that accepts bad chains" } } },
   { name = "luasec_depth_ignored", file = L,
     from = [[    if depth < MAX_DEPTH then]],
     to = [[    if false then]],
     specs = { { D, "refuses verifyext that accepts bad chains, and a depth below" } } },
   { name = "luasec_missing_cafile_accepted", file = L,
     from = [[    if not readable(ca) then]],
     to = [[    if false then]],
     specs = { { D, "refuses a cafile that does not exist" } } },
   { name = "luasec_unknown_ciphers_replaced", file = L,
     from = [[  if #out == 0 then
    return fail("ciphers: none of the suites in]],
     to = [[  if #out == 0 then do return TLS12_SUITES end
    return fail("ciphers: none of the suites in]],
     specs = { { D, "refuses a cipher list that names none of its suites" } } },
   { name = "luasec_no_tlsv1_3_ignored", file = L,
     from = [[        max = "TLSv1.2"]],
     to = [[        max = max]],
     specs = { { D, "no_tlsv1_3 and tlsv1_2 choose TLS 1.2" } } },
   { name = "luasec_https_verify_off_by_default", file = "lua/tls/luasec/https.lua",
     from = [[  verify = "peer",]],
     to = [[  verify = "none",]],
     specs = { { D, "ssl.https.request fetches from openssl s_server" } } },
}
