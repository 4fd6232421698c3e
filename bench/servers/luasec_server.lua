-- Server benchmark: a LuaSec server on cqueues (bench/server_bench.sh).
--
--   lua5.4 bench/servers/luasec_server.lua CERT KEY REPLY_BYTES
--
-- One cqueues controller, a coroutine per connection (as luatls_server.lua),
-- LuaSocket's non-blocking TCP waited on through cqueues.poll (as
-- luatls_engine_server.lua), with LuaSec's non-blocking connections:
-- dohandshake/receive/send return "wantread"/"wantwrite" and the coroutine
-- waits for that direction.
--
-- Why cqueues and not copas: Debian's copas is 1.2.0, which yields only on
-- "timeout" and so cannot drive LuaSec's wantread/wantwrite; a socket.select
-- loop rescans every socket per wakeup, where cqueues waits with epoll. The
-- Lua servers all use the same loop, so the difference is the TLS stack.
--
-- LuaSec 1.2 has no way to turn TLS 1.3 session tickets off (its "no_ticket"
-- option only makes them stateful), so this server sends libssl's default
-- two tickets per handshake; the load generator reports how many arrive.
local cqueues = require "cqueues"
local socket = require "socket"
local ssl = require "ssl"

local cert, key, reply_bytes = arg[1], arg[2], tonumber(arg[3])
assert(cert and key and reply_bytes, "usage: luasec_server.lua CERT KEY REPLY_BYTES")

local ctx = assert(ssl.newcontext { mode = "server", protocol = "tlsv1_3", certificate = cert, key = key,
                                    verify = "none", options = "all", curveslist = "X25519" })
local CHUNK = math.min(reply_bytes, 65536)
local chunk = string.rep("x", CHUNK)
local nchunks = reply_bytes // CHUNK
assert(nchunks * CHUNK == reply_bytes, "REPLY_BYTES must be a multiple of 64 KiB above 64 KiB")

local poll = cqueues.poll

-- cqueues keeps the fd in its epoll set until told: a reused fd number would
-- otherwise meet a stale registration.
local function close(conn, fd)
  cqueues.cancel(fd)
  conn:close()
end

local function handle(tcp)
  tcp:setoption("tcp-nodelay", true)
  local fd = tcp:getfd()
  local wait = { wantread = { pollfd = fd, events = "r" }, wantwrite = { pollfd = fd, events = "w" } }
  local conn = ssl.wrap(tcp, ctx)
  if not conn then close(tcp, fd) return end
  conn:settimeout(0)
  while true do
    local ok, err = conn:dohandshake()
    if ok then break end
    if not wait[err] then close(conn, fd) return end
    poll(wait[err])
  end
  while true do
    local data, err = conn:receive(1)
    if data then break end
    if not wait[err] then close(conn, fd) return end
    poll(wait[err])
  end
  for _ = 1, nchunks do
    local i = 1
    while i <= CHUNK do
      local last, err, partial = conn:send(chunk, i)
      if last then break end
      if not wait[err] then close(conn, fd) return end
      i = partial + 1
      poll(wait[err])
    end
  end
  close(conn, fd)
end

local server = assert(socket.bind("127.0.0.1", 0, 1024))
server:settimeout(0)
local _, port = server:getsockname()
io.stdout:write(string.format("port %d\n", port))
io.stdout:flush()

local cq = cqueues.new()
cq:wrap(function()
  local waitr = { pollfd = server:getfd(), events = "r" }
  while true do
    local tcp = server:accept()
    if tcp then
      cq:wrap(handle, tcp)
    else
      poll(waitr)
    end
  end
end)
assert(cq:loop())
