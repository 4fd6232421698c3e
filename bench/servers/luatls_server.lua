-- Server benchmark: a luatls server on cqueues, written as an application
-- would (bench/server_bench.sh).
--
--   lua5.4 bench/servers/luatls_server.lua CERT KEY REPLY_BYTES [TICKETS]
--
-- Prints "port N" once it listens on 127.0.0.1, then serves until killed:
-- each client gets a full TLS 1.3 handshake, sends a request (any bytes), and
-- receives REPLY_BYTES followed by close_notify and a TCP close.
--
-- One cqueues controller, one coroutine per connection, and luatls's own
-- sockets: tls.listen, server:accept, conn:receive, conn:send, conn:close are
-- the ordinary blocking-style calls, which yield to cqueues while the socket
-- is not ready (tls.loop). luatls_engine_server.lua does the same work with
-- tls.engine over LuaSocket, for comparison.
local cqueues = require "cqueues"
local tls = require "tls"

local cert, key, reply_bytes, tickets = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4] or "2")
assert(cert and key and reply_bytes, "usage: luatls_server.lua CERT KEY REPLY_BYTES [TICKETS]")

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local ctx = assert(tls.context { mode = "server", certificate = slurp(cert), key = slurp(key),
                                 groups = "x25519", tickets = tickets })
-- The reply goes out as CHUNK-byte sends (one for small replies).
local CHUNK = math.min(reply_bytes, 65536)
local chunk = string.rep("x", CHUNK)
local nchunks = reply_bytes // CHUNK
assert(nchunks * CHUNK == reply_bytes, "REPLY_BYTES must be a multiple of 64 KiB above 64 KiB")

local server = assert(tls.listen("127.0.0.1", 0, ctx, { backlog = 1024 }))
local _, port = server:getsockname()
io.stdout:write(string.format("port %d\n", port))
io.stdout:flush()

local cq = cqueues.new()

local function handle(conn)
  -- The handshake runs inside the first receive.
  if conn:receive(1) then
    for _ = 1, nchunks do
      if not conn:send(chunk) then break end
    end
  end
  conn:close()
end

cq:wrap(function()
  while true do
    local conn = server:accept()
    if conn then cq:wrap(handle, conn) end
  end
end)
assert(cq:loop())
