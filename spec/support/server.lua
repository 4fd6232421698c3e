-- A luatls server run as a separate process by the interop specs.
--   lua5.4 spec/support/server.lua cert=PATH key=PATH [host=127.0.0.1] [port=0]
--          [mode=echo|lines|http] [ciphers=...] [groups=...] [min_version=...]
--          [max_version=...] [sigalgs=...] [alpn=a,b] [tickets=N] [store=memory]
--          [require_ems=false] [verify=optional|required ca=PATH]
--          [cert2=PATH key2=PATH (a second certificate/key pair)]
--          [early_data=true (with store=memory: 0-RTT taken, printed as a
--          line 'early <%q of the bytes, newlines as \n>' or 'early none <why>')]
-- Prints "ready <port>" once listening, then for every connection one line
-- "info version=... cipher=..." (or "failed <message>"), with verify a
-- line "peer subject=... verified=true|false" (subject "none" without a
-- client certificate), and serves it:
-- echo mode sends back the first line received, lines mode every line until
-- the peer closes, http mode answers one request with a small page; then the
-- connection is closed (close_notify).
local tls = require "tls"

io.stdout:setvbuf("line")

local opt = { host = "127.0.0.1", port = "0", mode = "echo" }
for _, a in ipairs(arg) do
   local k, v = a:match("^([%w_]+)=(.*)$")
   assert(k, "bad argument " .. a)
   opt[k] = v
end

local require_ems
if opt.require_ems then require_ems = opt.require_ems == "true" end
local ctx = assert(tls.context {
   mode = "server", certificate = opt.cert, key = opt.key,
   ciphers = opt.ciphers, groups = opt.groups, sigalgs = opt.sigalgs,
   min_version = opt.min_version, max_version = opt.max_version,
   require_ems = require_ems, verify = opt.verify, ca = opt.ca,
   tickets = opt.tickets and tonumber(opt.tickets),
   session_store = opt.store == "memory" and tls.store.memory() or nil,
   early_data = opt.early_data == "true" or nil,
   alpn = opt.alpn and (function()
      local list = {}
      for name in opt.alpn:gmatch("[^,]+") do list[#list + 1] = name end
      return list
   end)() or nil,
   certificates = opt.cert2 and { { certificate = opt.cert2, key = opt.key2 } } or nil,
})
local server = assert(tls.listen(opt.host, tonumber(opt.port), ctx))
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
   print(string.format("info version=%s cipher=%s group=%s signature=%s hello_retry=%s servername=%s "
      .. "key_exchange=%s resumed=%s alpn=%s",
      i.version, i.cipher, i.group, tostring(i.signature), tostring(i.hello_retry), tostring(i.servername),
      tostring(i.key_exchange), tostring(i.resumed), tostring(i.alpn)))
   if opt.early_data then
      local early, why = conn:receive_early()
      if early then
         print("early " .. string.format("%q", early):gsub("\\\n", "\\n"))
      else
         print("early none " .. tostring(why))
      end
   end
   if opt.verify then
      print(string.format("peer subject=%s verified=%s",
         i.peer_certificate and i.peer_certificate.subject or "none", tostring(i.peer_verified)))
   end
   if opt.mode == "http" then
      repeat
         local line, rerr = conn:receive("*l")
         if not line then print("receive failed " .. rerr); return end
      until line == ""
      conn:send("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " .. #PAGE
         .. "\r\nConnection: close\r\n\r\n" .. PAGE)
   else
      repeat
         local line, rerr = conn:receive("*l")
         if not line then
            if opt.mode ~= "lines" or rerr ~= "closed" then print("receive failed " .. rerr) end
            return
         end
         local _, serr = conn:send(line .. "\n")
         if serr then print("send failed " .. serr); return end
      until opt.mode ~= "lines"
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
