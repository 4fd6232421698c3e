-- tls.copas: luatls connections in copas 1.x (Debian's lua-copas).
--
-- copas 1.x waits for a socket only when a call answers "timeout", and
-- then always in the direction of the call (receive waits to read, send to
-- write). A TLS connection may need the other direction (a receive that
-- must first send a handshake message, a send that must first read one),
-- which it says with "wantread"/"wantwrite" at timeout 0. So wrap(conn)
-- runs each call with the connection non-blocking and, when it must wait,
-- makes copas wait on a small waiter object for the right set, through
-- copas's own copas.receive (read) or copas.send (write): the waiter
-- answers "timeout" once, which makes copas yield to its loop, and
-- succeeds when copas resumes it once the descriptor is ready.
--
-- copas is loaded on first use (it must come before socket.http, and
-- lua-copas installs it under the Lua 5.2 path). copas 2 and later
-- understands wantread/wantwrite itself and wraps TLS connections alone.
local M = {}

local util = require "tls.util"

local function copas()
  return require "copas"
end

-- The waiter: copas.receive(w) / copas.send(w, "") call w:receive() /
-- w:send(); LuaSocket's socket.select (under copas.step) calls w:getfd()
-- and w:dirty().
local Waiter = {}
Waiter.__index = Waiter

-- A connection closed while a coroutine waits on it (by another coroutine)
-- has no descriptor left, which socket.select skips: copas 1.x would resume
-- the waiter only at its 120 s watchdog, and it has no wakeup call. So a
-- closed connection's waiter stands on a descriptor select never waits on:
-- a UDP socket of our own, always writable (a write waiter is reported at
-- once), and dirty (a read waiter is reported at once, LuaSocket's select
-- asks dirty() of what it reads). Woken, the coroutine's call finds the
-- connection closed and returns nil, "closed".
local waker
local function waker_fd()
  if not waker then
    -- socket.udp() opens its descriptor only when first used; udp4() at once.
    local socket = require "socket"
    waker = assert((socket.udp4 or socket.udp)())
    if waker:getfd() < 0 then assert(waker:setsockname("127.0.0.1", 0)) end
  end
  return waker:getfd()
end

function Waiter:getfd()
  local fd = self.conn:getfd()
  if fd < 0 then return waker_fd() end
  return fd
end
-- Only waited on after "wantread", which means nothing decrypted is held;
-- closed, it is ready at once (above).
function Waiter:dirty() return self.conn:getfd() < 0 end

function Waiter:receive()
  if self.armed then
    self.armed = false
    return nil, "timeout"
  end
  return ""
end

function Waiter:send(_, i)
  if self.armed then
    self.armed = false
    return nil, "timeout", (i or 1) - 1
  end
  return 0
end

function Waiter:settimeout() return 1 end

-- copas closes the socket that last woke a coroutine when it ends
-- (copas.autoclose): for a coroutine woken through a waiter, that is its
-- connection.
function Waiter:close() return self.conn:close() end

-- Yields to copas until the connection's descriptor is ready for `want`.
local function wait(self, want)
  local w = self.waiter
  w.armed = true
  if want == "wantread" then
    copas().receive(w, "*l")
  else
    copas().send(w, "")
  end
end

local WANT = { wantread = true, wantwrite = true }

local Conn = {}

-- Methods copas and LuaSocket code use; the rest (info, peercertificate,
-- getpeername, export, session, ...) go to the connection as they are.
function Conn:handshake()
  -- A LuaSec drop-in connection (tls.luasec) has dohandshake only.
  local conn = self.conn
  local step = conn.handshake or conn.dohandshake
  while true do
    local ok, err = step(conn)
    if ok or not WANT[err] then return ok, err end
    wait(self, err)
  end
end
Conn.dohandshake = Conn.handshake

-- (the turns joined as tls.util.receive_turns says)
function Conn:receive(pattern, prefix, max)
  return util.receive_turns(function(p, pre, m) return self.conn:receive(p, pre, m) end,
    function(err) wait(self, err); return true end, pattern, prefix, max)
end

function Conn:send(data, i, j)
  while true do
    local last, err, sent = self.conn:send(data, i, j)
    if last or not WANT[err] then return last, err, sent end
    if sent and sent >= (i or 1) then i = sent + 1 end
    wait(self, err)
  end
end

function Conn:shutdown(how)
  while true do
    local ok, err = self.conn:shutdown(how)
    if ok or not WANT[err] then return ok, err end
    wait(self, err)
  end
end

function Conn:close()
  while true do
    local ok, err = self.conn:close()
    if ok or not WANT[err] then return ok, err end
    wait(self, err)
  end
end

-- copas 1.x has no timeouts: a wrapped connection waits as long as the
-- peer takes. settimeout is accepted (as copas's own wrapper does) and
-- ignored; the connection itself stays at 0.
function Conn:settimeout() return 1 end

function Conn:getfd() return self.conn:getfd() end
function Conn:dirty() return self.conn:dirty() end

local Conn_mt = {
  __index = function(self, name)
    local m = Conn[name]
    if m then return m end
    local conn = rawget(self, "conn")
    local f = conn[name]
    if type(f) ~= "function" then return f end
    return function(_, ...) return f(conn, ...) end
  end,
  __tostring = function(self) return "copas " .. tostring(self.conn) end,
}

--- tls.copas.wrap(conn) -> an object with the connection's methods whose
-- calls, inside a copas coroutine, let other coroutines run while they wait.
function M.wrap(conn)
  if getmetatable(conn) == Conn_mt then return conn end
  conn:settimeout(0)
  return setmetatable({ conn = conn, waiter = setmetatable({ conn = conn }, Waiter) }, Conn_mt)
end

-- Closes the connection's descriptor without close_notify: a handler that
-- raised did not finish what it was sending, and close_notify would tell
-- the peer that the data ended there on purpose (a peer reading to the
-- close, or with strict_close, sees the truncation instead).
local function abort(raw)
  local fd = raw:getfd()
  if fd < 0 then return end
  local holder = assert(require("socket").tcp())
  holder:close()
  raw:setfd(-1)
  holder:setfd(fd)
  holder:close()
  raw:close()
end

--- tls.copas.addserver(server, handler): serves a tls.listen server from
-- copas; handler(conn) runs in its own coroutine with a wrapped connection
-- (its handshake happens on conn:handshake() or the first send/receive).
-- The connection is closed (close_notify sent) when the handler returns.
-- When the handler raises, the connection is closed at once without
-- close_notify, and the error goes on to copas (its error handler). Before,
-- the descriptor stayed open until the collector ran, whenever copas last
-- resumed the coroutine for another socket than this connection's.
function M.addserver(server, handler)
  local c = copas()
  c.addserver(server, function(raw)
    local conn = M.wrap(raw)
    local ok, err = pcall(handler, conn)
    if not ok then
      -- (a connection another coroutine is inside of refuses setfd: then
      -- a plain close)
      if not pcall(abort, raw) then pcall(raw.close, raw) end
      error(err, 0)
    end
    if conn:getfd() >= 0 then conn:close() end
  end, 0)
end

return M
