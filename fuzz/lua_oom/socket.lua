-- The socket layer: a TCP pair on 127.0.0.1 (LuaSocket), both ends wrapped
-- with tls.wrap and driven without blocking (settimeout(0), wantread and
-- wantwrite), lines and byte counts received, a large send, info(),
-- getpeercertificate, dirty(), close_notify; then a tls.listen server
-- accepting a wrapped client. A descriptor a failed run leaks would end in
-- "too many open files" after some thousand runs.
local socket = require "socket"
local tls = require "tls"
local P = require "fuzz.lua_oom.pair"

local server_ctx = assert(tls.context { mode = "server", certificate = P.CERT, key = P.KEY,
   alpn = { "http/1.1" } })
local client_ctx = assert(tls.context { mode = "client", ca = P.CERT, alpn = { "http/1.1" } })

local N = require "fuzz.lua_oom.net"
local step, tcp_pair = N.step, N.tcp_pair

local raw_c, raw_s = tcp_pair()
local c = assert(tls.wrap(raw_c, client_ctx, { servername = "localhost" }))
local s = assert(tls.wrap(raw_s, server_ctx))
c:settimeout(0)
s:settimeout(0)
-- Both handshakes, a step of each in turn.
local function handshake_both(client, server)
   local c_done, s_done = false, false
   for _ = 1, 200 do
      c_done = c_done or step("client handshake", client:handshake())
      s_done = s_done or step("server handshake", server:handshake())
      if c_done and s_done then return end
   end
   error("handshake did not finish", 0)
end

handshake_both(c, s)
assert(c:info().alpn == "http/1.1" and s:peercertificate() == nil and c:peercertificate():subject())
local big = string.rep("z", 50000) .. "\n"
local sent, got = 0, {}
for _ = 1, 500 do
   if sent < #big + 5 then
      local n, err, last = c:send("line\n" .. big, sent + 1)
      sent = n or last or sent
      step("send", n, err)
   end
   local data, err, partial = s:receive("*l")
   if data then got[#got + 1] = data elseif partial and #partial > 0 then step("receive", nil, err) end
   step("receive", data, err)
   if #got == 2 then break end
end
assert(#got == 2 and got[1] == "line" and #got[2] == 50000, "data lost")
assert(s:dirty() == false)
c:close()
s:close()

-- tls.listen and accept, a wrapped client, blocking calls on a pair that
-- answers at once.
local server = assert(tls.listen("127.0.0.1", 0, server_ctx))
local _, port = server:getsockname()
local raw = assert(socket.connect("127.0.0.1", port))
local client = assert(tls.wrap(raw, client_ctx, { servername = "localhost" }))
client:settimeout(0)
local accepted = assert(server:accept())
accepted:settimeout(0)
handshake_both(client, accepted)
assert(client:send("ping\n"))
local line
for _ = 1, 100 do
   local data, err = accepted:receive("*l")
   if data then line = data break end
   step("receive", data, err)
end
assert(line == "ping")
client:close()
accepted:close()
server:close()
