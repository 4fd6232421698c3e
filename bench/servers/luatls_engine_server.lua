-- Server benchmark: a luatls server on cqueues through tls.engine
-- (bench/server_bench.sh).
--
--   lua5.4 bench/servers/luatls_engine_server.lua CERT KEY REPLY_BYTES [TICKETS]
--
-- Prints "port N" once it listens on 127.0.0.1, then serves until killed:
-- each client gets a full TLS 1.3 handshake, sends a request (any bytes), and
-- receives REPLY_BYTES followed by close_notify and a TCP close.
--
-- One cqueues controller, one coroutine per connection. TCP is LuaSocket's,
-- non-blocking, waited on through cqueues.poll, exactly as in
-- luasec_server.lua, so that the two differ only in the TLS stack. TLS is the
-- sans-I/O engine (tls.engine): bytes read from the socket are fed to it, and
-- what it outputs is written back.
local cqueues = require "cqueues"
local socket = require "socket"
local tls = require "tls"

local cert, key, reply_bytes, tickets = arg[1], arg[2], tonumber(arg[3]), tonumber(arg[4] or "0")
assert(cert and key and reply_bytes, "usage: luatls_engine_server.lua CERT KEY REPLY_BYTES [TICKETS]")

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local ctx = assert(tls.context { mode = "server", certificate = slurp(cert), key = slurp(key),
                                 groups = "x25519", tickets = tickets })
-- The reply goes out as CHUNK-byte writes (one for small replies).
local CHUNK = math.min(reply_bytes, 65536)
local chunk = string.rep("x", CHUNK)
local nchunks = reply_bytes // CHUNK
assert(nchunks * CHUNK == reply_bytes, "REPLY_BYTES must be a multiple of 64 KiB above 64 KiB")

local poll = cqueues.poll

-- Sends all of s, waiting for the socket when it is full; false on error.
local function sendall(sock, s, waitw)
  local i = 1
  while i <= #s do
    local last, err, partial = sock:send(s, i)
    if last then return true end
    if err ~= "timeout" then return false end
    i = partial + 1
    poll(waitw)
  end
  return true
end

-- Reads one TLS record (header and body); nil at EOF or error. Record by
-- record, as libssl reads, because LuaSocket's receive(65536) on a
-- non-blocking socket reads until the socket is empty: one more recv() that
-- fails with EAGAIN per read. Here a recv() happens only when LuaSocket's own
-- buffer does not already hold the bytes. What the engine has queued is sent
-- only before waiting (flush), so that e.g. the tickets after the client's
-- Finished leave in the same write as the reply to the request behind it.
local function recv_record(sock, waitr, flush)
  local hdr, err, part = sock:receive(5)
  while not hdr do
    if err ~= "timeout" or not flush() then return nil end
    poll(waitr)
    hdr, err, part = sock:receive(5, part)
  end
  local want = 5 + hdr:byte(4) * 256 + hdr:byte(5)
  local rec
  rec, err, part = sock:receive(want, hdr)
  while not rec do
    if err ~= "timeout" or not flush() then return nil end
    poll(waitr)
    rec, err, part = sock:receive(want, part)
  end
  return rec
end

local function handle(sock)
  sock:settimeout(0)
  sock:setoption("tcp-nodelay", true)
  local fd = sock:getfd()
  local waitr, waitw = { pollfd = fd, events = "r" }, { pollfd = fd, events = "w" }
  local e = tls.engine(ctx)
  local function flush()
    local out = e:output()
    return #out == 0 or sendall(sock, out, waitw)
  end
  while true do
    local rec = recv_record(sock, waitr, flush)
    if not rec or not e:feed(rec) then break end
    if #e:read() > 0 then
      -- The request: the reply and close_notify.
      for i = 1, nchunks do
        assert(e:write(chunk))
        if i == nchunks then e:close() end
        if not flush() then break end
      end
      break
    end
    if e:status().closed then flush() break end
  end
  -- cqueues keeps the fd in its epoll set until told: a reused fd number
  -- would otherwise meet a stale registration.
  cqueues.cancel(fd)
  sock:close()
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
    local sock = server:accept()
    if sock then
      cq:wrap(handle, sock)
    else
      poll(waitr)
    end
  end
end)
assert(cq:loop())
