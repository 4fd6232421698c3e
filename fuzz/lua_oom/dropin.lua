-- The LuaSec drop-in (tls.luasec): contexts from LuaSec's parameters, a
-- server with an SNI map and ALPN selection, a client verifying the chain
-- (the verification recorder, no host name) and one checking the name too,
-- both ends over a TCP pair on 127.0.0.1 driven without blocking
-- (dohandshake's wantread / wantwrite), lines, info, certificates and the
-- chain, getpeerverification, stats, close. Its Lua layer catches errors
-- of the methods it drives (drive's pcall): a memory error must come out
-- as one, never as a failed handshake or a wrong answer.
local socket = require "socket"
local ssl = require "tls.luasec"
local P = require "fuzz.lua_oom.pair"

-- LuaSec's cafile is a file: the certificate is the same in every run
-- (the harness's random streams are fixed), so rewriting it is harmless. It
-- goes in a directory of this process's own (LUA_OOM_DIR, which
-- spec/lua_oom_spec.lua makes and removes): CI runs the harness in two
-- builds at once, which must not read each other's file half rewritten, and
-- nothing is left in /tmp (os.tmpname's file, created before its name is
-- pushed, was lost whenever that push ran out of memory).
local CA = assert(os.getenv("LUA_OOM_DIR"), "LUA_OOM_DIR is not set") .. "/dropin_ca.pem"
do
   local f = assert(io.open(CA, "w"))
   local written, werr = f:write(P.CERT)
   f:close()
   assert(written, werr)
end

local N = require "fuzz.lua_oom.net"
local step, tcp_pair = N.step, N.tcp_pair

local sctx = assert(ssl.newcontext { mode = "server", protocol = "any", certificate = P.CERT, key = P.KEY,
   alpn = { "h2", "http/1.1" }, options = { "all", "no_sslv3" }, curveslist = "X25519:P-256" })
local other = assert(ssl.newcontext { mode = "server", protocol = "tlsv1_2", certificate = P.CERT,
   key = P.KEY, curve = "P-256" })
local cctx = assert(ssl.newcontext { mode = "client", protocol = "any", verify = "peer", cafile = CA,
   alpn = "http/1.1" })

local function session(client_params, name)
   local raw_c, raw_s = tcp_pair()
   local c = assert(ssl.wrap(raw_c, client_params))
   local s = assert(ssl.wrap(raw_s, sctx))
   s:sni({ ["other.example"] = other }, false)
   if name then c:sni(name) end
   c:settimeout(0)
   s:settimeout(0)
   local c_done, s_done = false, false
   for _ = 1, 200 do
      c_done = c_done or step("client dohandshake", c:dohandshake())
      s_done = s_done or step("server dohandshake", s:dohandshake())
      if c_done and s_done then break end
   end
   assert(c_done and s_done, "handshake did not finish")
   assert(c:getalpn() == "http/1.1" and s:getalpn() == "http/1.1")
   assert(c:getpeerverification() == true)
   assert(c:getpeercertificate():subject() and #c:getpeerchain() == 1)
   assert(c:info("protocol") == "TLSv1.3" and c:info().cipher)
   assert(s:getsniname() == name)
   assert(c:send("hello\nworld\n"))
   local got = {}
   for _ = 1, 100 do
      local line, err = s:receive("*l")
      if line then got[#got + 1] = line else step("receive", nil, err) end
      if #got == 2 then break end
   end
   assert(got[1] == "hello" and got[2] == "world", "data lost")
   assert(s:dirty() == false)
   local received, sent = s:getstats()
   assert(received == 12 and sent == 0)
   assert(tostring(c):find("^SSL"))
   c:close()
   s:close()
end

session(cctx)
session({ mode = "client", protocol = "any", verify = "peer", cafile = CA, alpn = "http/1.1",
   servername = "localhost" }, "localhost")
