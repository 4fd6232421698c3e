-- Mutations for the issue 12 security review's fixes, each killed by the
-- spec named. Same form as mutate/mutations.lua.
local HS, HF = "spec/https_spec.lua", "lua/tls/https.lua"
local INJ = "refuses a CR or LF in a header value or the URL"
local DS, LH = "spec/luasec_dropin_spec.lua", "lua/tls/luasec/https.lua"

return {
  -- tls.https: CR/LF in what becomes the request's head
  { name = "review12_https_header_value_crlf_sent", file = HF,
    from = [[    if tostring(v):find("[\0-\8\10-\31\127]") then]],
    to = [[    if false then]],
    specs = { { HS, INJ } } },
  { name = "review12_https_header_name_not_token", file = HF,
    from = [[    if type(k) ~= "string" or not k:match("^[%w!#$%%&'*+%-.^_`|~]+$") then]],
    to = [[    if type(k) ~= "string" then]],
    specs = { { HS, INJ } } },
  { name = "review12_https_url_crlf_sent", file = HF,
    from = [[  if u:find("%c") then]],
    to = [[  if false then]],
    specs = { { HS, INJ } } },
  -- tls.luasec.https: a redirect's hops with the request's own factory
  { name = "review12_luasec_https_hop_unverified", file = LH,
    from = [[  if create then return create end]],
    to = [[  if false then return create end]],
    specs = { { DS, "verifies every hop of a redirect with the request's own parameters" } } },
  { name = "review12_luasec_https_hop_to_luasec", file = LH,
    from = [[  package.loaded["ssl.https"] = M
  -- A request made inside]],
    to = [[  -- A request made inside]],
    specs = { { DS, "verifies every hop of a redirect with the request's own parameters" } } },
  -- tls.luasec.https: credentials and cookies stay with their host
  { name = "review12_luasec_https_credentials_follow_redirect", file = LH,
    from = [[      if guard and (tostring(host):lower() ~= guard.host or tostring(port) ~= guard.port) then]],
    to = [[      if false then]],
    specs = { { DS, "never hands Authorization or Cookie to another host a redirect names" } } },
  { name = "review12_luasec_https_cookie_not_guarded", file = LH,
    from = [[    if name == "authorization" or name == "cookie" or name == "proxy-authorization" then]],
    to = [[    if name == "authorization" or name == "proxy-authorization" then]],
    specs = { { DS, "never hands Authorization or Cookie to another host a redirect names" } } },
  -- tls.https: per-server headers dropped on a redirect elsewhere
  { name = "review12_https_proxy_authorization_follows_redirect", file = HF,
    from = [[cookie = true, ["proxy-authorization"] = true }]],
    to = [[cookie = true }]],
    specs = { { HS, "drops Cookie and Proxy-Authorization on a redirect to another host" } } },
  { name = "review12_https_cookie_follows_redirect", file = HF,
    from = [[cookie = true, ["proxy-authorization"] = true }]],
    to = [[["proxy-authorization"] = true }]],
    specs = { { HS, "drops Cookie and Proxy-Authorization on a redirect to another host" } } },
}
