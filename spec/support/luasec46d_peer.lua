-- Real LuaSec as one end of spec/review46d_spec.lua, in its own process
-- (LuaSec blocks; keeping the libraries apart keeps the test honest).
--   lua5.4 luasec46d_peer.lua 'CONFIG'
-- CONFIG is a Lua table constructor:
--   params = { ... }     given to ssl.newcontext as it is (mode decides the role)
--   port = n             a client connects to 127.0.0.1:n; a server prints "ready <port>"
--   sni = "name"         a client's conn:sni(name)
--   accepts = n          a server serves n connections in turn, one context (default 1)
--   steps = { {op, arg}, ... } after the handshake, each printing one line:
--     {"send", "text"|n}   n: n bytes of the pattern below, in one send
--     {"sends", n}         n sends of one byte each
--     {"rep", s, n, tail}  s:rep(n) .. tail in one send
--     {"recv", pattern}    "recv <i> <summary of data> <error> <summary of partial>"
--     {"close"}            conn:close() (LuaSec sends close_notify)
--     {"exit"}             exit without closing: the TCP connection ends, no close_notify
--     {"sleep", seconds}
--     {"export", label, length [, context]}  "export <i> <hex> <error>"
-- A summary is the text itself when short, else "#<length>:<adler32>".
local socket = require "socket"
local ssl = require "ssl"

io.stdout:setvbuf("line")
local cfg = assert(load("return " .. assert(arg[1], "usage: luasec46d_peer.lua CONFIG")))()

local byte_summary = require "spec.support.byte_summary"
local pattern, summary = byte_summary.pattern, byte_summary.summary

local ctx, cerr = ssl.newcontext(cfg.params)
if not ctx then print("ctxfail " .. tostring(cerr)) os.exit(2) end

local function serve(conn)
   local ok, herr = conn:dohandshake()
   if not ok then
      print("handshake-failed " .. tostring(herr))
      return
   end
   local info = conn:info()
   local peer = conn:getpeercertificate()
   print(("handshake %s %s alpn=%s sni=%s peer=%s"):format(info.protocol, info.cipher, tostring(conn:getalpn()),
      tostring(cfg.params.mode == "server" and conn:getsniname() or nil),
      peer and tostring(peer:subject()[#peer:subject()].value) or "none"))

   for i, step in ipairs(cfg.steps or {}) do
      local op = step[1]
      if op == "send" then
         local data = type(step[2]) == "number" and pattern(step[2]) or step[2]
         local n, err = conn:send(data)
         print(("sent %d %s %s"):format(i, tostring(n), tostring(err)))
      elseif op == "rep" then
         local n, err = conn:send(step[2]:rep(step[3]) .. step[4])
         print(("sent %d %s %s"):format(i, tostring(n), tostring(err)))
      elseif op == "sends" then
         local total = 0
         for j = 1, step[2] do
            local n = conn:send(string.char(j % 256))
            if n then total = total + n end
         end
         print(("sent %d %d"):format(i, total))
      elseif op == "recv" then
         local data, err, partial = conn:receive(step[2])
         print(("recv %d %s %s %s"):format(i, summary(data), tostring(err), summary(partial)))
      elseif op == "close" then
         conn:close()
         print(("closed %d"):format(i))
      elseif op == "exit" then
         print(("exit %d"):format(i))
         os.exit(0)
      elseif op == "export" then
         local v, err = conn:exportkeyingmaterial(step[2], step[3], step[4])
         print(("export %d %s %s"):format(i, v and v:gsub(".", function(b) return ("%02x"):format(b:byte()) end) or "nil",
            tostring(err)))
      elseif op == "sleep" then
         socket.sleep(step[2])
      else
         error("unknown step " .. tostring(op))
      end
   end
end

if cfg.params.mode == "server" then
   local srv = assert(socket.bind("127.0.0.1", 0))
   local _, port = srv:getsockname()
   print("ready " .. port)
   srv:settimeout(20)
   for _ = 1, cfg.accepts or 1 do
      local raw = assert(srv:accept())
      raw:settimeout(10)
      serve(assert(ssl.wrap(raw, ctx)))
   end
else
   local raw = assert(socket.connect("127.0.0.1", cfg.port))
   raw:settimeout(10)
   local conn = assert(ssl.wrap(raw, ctx))
   if cfg.sni then conn:sni(cfg.sni) end
   serve(conn)
end
print("done")
