-- A luatls server stapling OCSP responses, run as a separate process by
-- spec/ocsp_spec.lua (for openssl s_client and gnutls-cli).
--   lua5.4 spec/support/ocsp_server.lua cert=PATH key=PATH [ocsp=PATH]
--          [as=file|der|function] [max_version=TLSv1.2]
-- `as` says how the response is given: the file's path (default), its DER
-- bytes, or a function returning them. Prints "ready <port>", then for every
-- connection "ok <version>" or "failed <message>", and echoes one line.
local tls = require "tls"

io.stdout:setvbuf("line")

local opt = { as = "file" }
for _, a in ipairs(arg) do
   local k, v = a:match("^([%w_]+)=(.*)$")
   assert(k, "bad argument " .. a)
   opt[k] = v
end

local ocsp = opt.ocsp
if ocsp and opt.as ~= "file" then
   local f = assert(io.open(ocsp, "rb"))
   local der = f:read("a")
   f:close()
   ocsp = der
   if opt.as == "function" then ocsp = function() return der end end
end
local ctx = assert(tls.context {
   mode = "server", certificate = opt.cert, key = opt.key, ocsp = ocsp, max_version = opt.max_version,
})
local server = assert(tls.listen("127.0.0.1", 0, ctx))
local _, port = server:getsockname()
print("ready " .. port)

while true do
   local conn = server:accept()
   if conn then
      conn:settimeout(10)
      local ok, err = conn:handshake()
      if ok then
         print("ok " .. conn:info().version)
         local line = conn:receive("*l")
         if line then conn:send(line .. "\n") end
      else
         print("failed " .. tostring(err))
      end
      conn:close()
   end
end
