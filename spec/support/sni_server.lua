-- A luatls server for the SNI and ALPN specs, run as a separate process:
--   lua5.4 spec/support/sni_server.lua setup=PATH [mode=echo|http]
-- PATH is a Lua file returning a server context (it may use `tls`), so a
-- spec can give functions (servername, alpn). Prints "ready <port>", then per
-- connection "info version=... alpn=... servername=..." or
-- "failed <message>", and serves it as spec/support/server.lua does.
local tls = require "tls"

io.stdout:setvbuf("line")

local opt = { mode = "echo" }
for _, a in ipairs(arg) do
   local k, v = a:match("^([%w_]+)=(.*)$")
   assert(k, "bad argument " .. a)
   opt[k] = v
end

local ctx = assert(dofile(opt.setup))
local server = assert(tls.listen("127.0.0.1", 0, ctx))
local _, port = server:getsockname()
print("ready " .. port)

local PAGE = "hello from luatls\n"

local function serve(conn)
   conn:settimeout(10)
   local ok, err = conn:handshake()
   if not ok then
      print("failed " .. tostring(err))
      return
   end
   local i = conn:info()
   print(string.format("info version=%s alpn=%s servername=%s", i.version, tostring(i.alpn),
      tostring(i.servername)))
   if opt.mode == "http" then
      repeat
         local line, rerr = conn:receive("*l")
         if not line then print("receive failed " .. rerr); return end
      until line == ""
      conn:send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " .. #PAGE
         .. "\r\nConnection: close\r\n\r\n" .. PAGE)
   else
      local line, rerr = conn:receive("*l")
      if not line then print("receive failed " .. rerr); return end
      conn:send(line .. "\n")
   end
end

while true do
   local conn, err = server:accept()
   if conn then
      serve(conn)
      conn:close()
   else
      print("accept failed " .. tostring(err))
   end
end
