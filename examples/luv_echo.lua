-- A TLS echo server on libuv (luv): many clients at once, one thread.
--   lua5.4 examples/luv_echo.lua CERT KEY [HOST] [PORT] [COUNT]
-- libuv owns the sockets; luatls's sans-I/O engine (tls.engine) only turns
-- bytes into bytes, and e:want() says what it needs next. COUNT stops the
-- server after that many connections have ended (default: serve forever).
local here = arg[0]:match("^(.*)/examples/[^/]*$") or "."
package.path = here .. "/lua/?.lua;" .. package.path
package.cpath = here .. "/build/?.so;" .. package.cpath
local tls = require "tls"
local uv = require "luv"

local cert, key = arg[1], arg[2]
local host, port, count = arg[3] or "127.0.0.1", tonumber(arg[4] or 0), tonumber(arg[5])
if not (cert and key) then
   io.stderr:write("usage: luv_echo.lua CERT KEY [HOST] [PORT] [COUNT]\n")
   os.exit(2)
end
io.stdout:setvbuf("line")

local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = uv.new_tcp()
assert(server:bind(host, port))
local ended, clients = 0, 0
-- A client that uploads and never reads the echo must not make the server
-- hold everything it sent: past this much waiting in libuv's write queue,
-- reading from that client stops until the queue has drained to half.
local QUEUE_HIGH = 1024 * 1024

-- Does what the engine wants until it needs bytes from the client; returns
-- false once the connection is over.
local function pump(client, e, conn)
   while true do
      local want = e:want()
      if want == "output" then
         client:write(e:output(), conn.drained)
      elseif want == "data" then
         local data = e:read()
         conn.echoed = conn.echoed + #data
         e:write(data)                       -- the echo
      elseif want == "closed" and not conn.closing then
         conn.closing = true                 -- the client said close_notify: answer it
         e:close()
      elseif want == "input" then
         return true
      else                                   -- "failed", or closed both ways
         if want == "failed" then conn.why = e:error() end
         return false
      end
   end
end

local function finish(client, e, conn)
   if conn.done then return end
   conn.done = true
   client:read_stop()
   local info = e:status().handshake_done and e:info()
   print(string.format("client %d: %s, %d bytes echoed%s", conn.id,
      info and (info.version .. " " .. info.cipher) or "no handshake", conn.echoed,
      conn.why and ("; failed: " .. conn.why) or ""))
   client:shutdown(function() client:close() end)
   ended = ended + 1
   if count and ended >= count then server:close() end
end

assert(server:listen(128, function(err)
   assert(not err, err)
   local client = uv.new_tcp()
   server:accept(client)
   clients = clients + 1
   local e = assert(tls.engine(ctx))
   local conn = { id = clients, echoed = 0 }
   local function on_read(rerr, bytes)
      if rerr or not bytes then               -- error or TCP close
         conn.why = conn.why or rerr
         return finish(client, e, conn)
      end
      local ok, why = e:feed(bytes)
      if not ok then conn.why = why end
      if not pump(client, e, conn) then return finish(client, e, conn) end
      if client:get_write_queue_size() >= QUEUE_HIGH then
         conn.paused = true
         client:read_stop()
      end
   end
   -- Called as each write completes: reading resumes once the queue is low.
   function conn.drained()
      if conn.paused and not conn.done and client:get_write_queue_size() <= QUEUE_HIGH / 2 then
         conn.paused = false
         client:read_start(on_read)
      end
   end
   client:read_start(on_read)
end))

local addr = server:getsockname()
print("listening on " .. addr.ip .. " port " .. addr.port)
uv.run()
print("served " .. ended .. " connections")
