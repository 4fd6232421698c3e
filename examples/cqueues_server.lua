-- A TLS echo server on cqueues: every client in its own coroutine, one thread.
--   lua5.4 examples/cqueues_server.lua CERT KEY [HOST] [PORT] [COUNT]
-- Inside a cqueues coroutine luatls's ordinary calls (accept, handshake,
-- receive, send, close) wait by yielding to the loop, so this reads like a
-- blocking server and serves many clients at once. COUNT stops it after
-- that many connections (default: serve forever).
local here = arg[0]:match("^(.*)/examples/[^/]*$") or "."
package.path = here .. "/lua/?.lua;" .. package.path
package.cpath = here .. "/build/?.so;" .. package.cpath
local tls = require "tls"
local cqueues = require "cqueues"

local cert, key = arg[1], arg[2]
local host, port, count = arg[3] or "127.0.0.1", tonumber(arg[4] or 0), tonumber(arg[5])
if not (cert and key) then
   io.stderr:write("usage: cqueues_server.lua CERT KEY [HOST] [PORT] [COUNT]\n")
   os.exit(2)
end
io.stdout:setvbuf("line")

local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = assert(tls.listen(host, port, ctx))
local ip, actual_port = server:getsockname()
print("listening on " .. ip .. " port " .. actual_port)

local function serve(conn, id)
   conn:settimeout(30)                      -- per call; the loop runs on meanwhile
   local ok, err = conn:handshake()
   if not ok then
      print("client " .. id .. ": handshake failed: " .. err)
   else
      local info = conn:info()
      print("client " .. id .. ": " .. info.version .. " " .. info.cipher)
      while true do                         -- echo line by line until the client goes
         local line = conn:receive("*l")
         if not line then break end
         conn:send(line .. "\n")
      end
   end
   conn:close()
end

local loop = cqueues.new()
local accepted = 0
loop:wrap(function()
   while not count or accepted < count do
      local conn, err = server:accept()     -- yields until a client comes
      if conn then
         accepted = accepted + 1
         local id = accepted
         loop:wrap(function() serve(conn, id) end)
      else
         print("accept failed: " .. err)
      end
   end
   server:close()
end)
assert(loop:loop())
print("served " .. accepted .. " connections")
