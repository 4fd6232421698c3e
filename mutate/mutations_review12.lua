-- Mutations for the issue 12 security review's fixes, each killed by the
-- spec named. Same form as mutate/mutations.lua.
local HS, HF = "spec/https_spec.lua", "lua/tls/https.lua"
local INJ = "refuses a CR or LF in a header value or the URL"

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
}
