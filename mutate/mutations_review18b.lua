-- Mutations for the checks added by review 18b, each killed by
-- spec/review18b_spec.lua. Same form as mutate/mutations.lua.
local ENGINE = "csrc/engine/tls_engine.c"
local CONN = "csrc/lua/lua_conn.c"
local HTTPS = "lua/tls/https.lua"
local TLS = "lua/tls.lua"
local STORE = "lua/tls/store.lua"
local S = "spec/review18b_spec.lua"

return {
  -- rfc7627#5.4: tls-unique (the Finished values) over a TLS 1.2 master
  -- secret without EMS
  { name = "review18b_finished_without_ems", file = ENGINE,
    from = [[    if (c->version == TLS_VERSION_12 && !c->extended_master_secret && !(c->t12 != NULL && c->t12->ems))]],
    to = [[    if (c == NULL && 0)]],
    specs = { { S, "our server gives no Finished values to a client without it" },
              { S, "our client gives no Finished values with a server without it" } } },
  -- settimeout(NaN) blocked for ever
  { name = "review18b_settimeout_nan", file = CONN,
    from = [[    if (t != t)
        luaL_argerror]],
    to = [[    if (t != t && 0)
        luaL_argerror]],
    specs = { { S, "is refused on a connection, which keeps its timeout" },
              { S, "is refused on a server" } } },
  -- rfc9110#9.1: a request method with CR LF splits the request
  { name = "review18b_https_method_not_token", file = HTTPS,
    from = [[  if m ~= nil and m ~= "" and (type(m) ~= "string" or not m:match("^[%w!#$%%&'*+%-.^_`|~]+$")) then]],
    to = [[  if m ~= nil and m ~= "" and type(m) ~= "string" then]],
    specs = { { S, "is refused when it is not an HTTP token, before anything is sent" } } },
  -- handshake_timeout = NaN turned the server's handshake limit off
  { name = "review18b_listen_hs_timeout_nan", file = TLS,
    from = [[    if type(t) ~= "number" or t ~= t or t <= 0 then]],
    to = [[    if type(t) ~= "number" or t <= 0 then]],
    specs = { { S, "refuses NaN, as tls.connect's and tls.listen's 'timeout' do" } } },
  -- a memory store entry with a NaN ttl never expired
  { name = "review18b_store_ttl_nan", file = STORE,
    from = [[    if type(ttl) ~= "number" or ttl ~= ttl or ttl == math.huge then]],
    to = [[    if type(ttl) ~= "number" or ttl == math.huge then]],
    specs = { { S, "memory put refuses a NaN ttl and stores nothing" } } },
}
