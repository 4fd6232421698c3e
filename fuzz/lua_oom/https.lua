-- tls.https.request against a luatls HTTPS server in another process
-- (spec/support/https_luatls_server.lua; spec/lua_oom_spec.lua starts it
-- and gives its port and CA file in LUA_OOM_HTTPS_PORT and
-- LUA_OOM_HTTPS_CA): a GET and a POST with a body from a source, each
-- verifying the chain and the host name. tls.https reads the response under a pcall that
-- reports a malformed response: a memory error must come out as one.
local https = require "tls.https"
local ltn12 = require "ltn12"

local port = assert(os.getenv("LUA_OOM_HTTPS_PORT"), "LUA_OOM_HTTPS_PORT is not set")
local ca = assert(os.getenv("LUA_OOM_HTTPS_CA"), "LUA_OOM_HTTPS_CA is not set")
local base = "https://localhost:" .. port

-- https.request's simple form gives nil and a message; raised here with
-- the message, which the harness reads.
-- A memory error reported as the server's fault is a problem: the
-- message then loses the words the harness looks for.
local function check(ok, err)
   if not ok then
      err = tostring(err)
      if err:find("malformed", 1, true) then
         error("request failed, blamed on the server: " .. err:gsub("not enough memory", "(memory)"), 0)
      end
      error("request failed: " .. err, 0)
   end
   return ok
end

local t = {}
local ok, code, headers = https.request { url = base .. "/generic", ca = ca, sink = ltn12.sink.table(t),
   headers = { ["x-test"] = "yes" }, timeout = 10 }
check(ok, code)
assert(code == 200 and headers["content-length"], "unexpected answer")
local body = table.concat(t)
assert(body:find("alpn=http/1.1", 1, true) and body:find("sni=localhost", 1, true), "unexpected body")

-- a body sent from a source, the answer through a pump-driven sink
local got = {}
ok, code = https.request { url = base .. "/post", method = "POST", ca = ca, timeout = 10,
   source = ltn12.source.string("a=1"), headers = { ["content-length"] = "3" }, sink = ltn12.sink.table(got) }
check(ok, code)
assert(code == 200 and table.concat(got):find("POST /post", 1, true), "unexpected answer to the POST")
