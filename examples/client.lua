-- Fetch a page over TLS 1.3 and show what was negotiated.
--   lua5.4 examples/client.lua HOST [PORT] [PATH] [CAFILE]
-- Without CAFILE the system's trusted certificate authorities are used.
local here = arg[0]:match("^(.*)/examples/[^/]*$") or "."
package.path = here .. "/lua/?.lua;" .. package.path
package.cpath = here .. "/build/?.so;" .. package.cpath
local tls = require "tls"

local host, port, path, cafile = arg[1], tonumber(arg[2] or 443), arg[3] or "/", arg[4]
if not host then
   io.stderr:write("usage: client.lua HOST [PORT] [PATH] [CAFILE]\n")
   os.exit(2)
end

local ctx = assert(tls.context { mode = "client", ca = cafile })
local conn, err = tls.connect(host, port, ctx, { timeout = 10 })
if not conn then
   io.stderr:write("could not connect: " .. err .. "\n")
   os.exit(1)
end

local info = conn:info()
print(string.format("# %s, %s, key exchange %s, server signed with %s", info.version, info.cipher,
   info.group, info.signature))
if info.peer_certificate then
   print("# server certificate: " .. info.peer_certificate.subject .. ", issued by " .. info.peer_certificate.issuer)
end

conn:send("GET " .. path .. " HTTP/1.1\r\nHost: " .. host .. "\r\nConnection: close\r\n\r\n")
local body, rerr, partial = conn:receive("*a")
io.write(body or partial or "")
conn:close()
if not body then
   io.stderr:write("receive failed: " .. rerr .. "\n")
   os.exit(1)
end
