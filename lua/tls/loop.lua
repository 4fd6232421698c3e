-- tls.loop: luatls connections and servers inside cqueues.
--
-- Once the program loads cqueues, the blocking methods of connections and
-- servers (handshake, send, receive, close, accept, ...) and core.connect
-- are replaced with versions that, inside a coroutine run by a cqueues
-- controller, drive the non-blocking calls (timeout 0: nil,
-- "wantread"|"wantwrite") and yield to the loop while the socket is not
-- ready. They honour the timeout the application chose (nil, "timeout"
-- when it expires) and a server's handshake_timeout. Outside a controller
-- the C method runs as it is, in the caller's frame (core.loop_method),
-- after one look at cqueues.running(): its errors read as without cqueues.
-- A program that never loads cqueues keeps the C methods themselves.
--
-- A connection or server is also a cqueues pollable object: pollfd(),
-- events() ("r" or "w", from want()), timeout() (seconds left of the
-- deadline of the call waiting on it, or nil).
local loop = {}

local util = require "tls.util"

local loaded = package.loaded
local unpack = table.unpack

-- Per object, weak: the monotonic deadline of the call now waiting on it
-- (absent: none), the handshake deadline of a connection accepted by a
-- server with handshake_timeout (dropped once the handshake is done), and
-- a server's own timeout and handshake_timeout (the C object keeps them but
-- does not show them).
local call_deadline = setmetatable({}, { __mode = "k" })
local hs_deadline = setmetatable({}, { __mode = "k" })
-- The same deadline taken before the C accept, so never later than the C
-- one: from then on a call may drop the client and close its socket.
local hs_cancel = setmetatable({}, { __mode = "k" })
-- Connections whose application's poll was woken once at that deadline.
local hs_woken = setmetatable({}, { __mode = "k" })
local server_timeout = setmetatable({}, { __mode = "k" })
local server_hs_timeout = setmetatable({}, { __mode = "k" })

local WANT = { wantread = true, wantwrite = true }

-- An argument error of a C method called here by pcall reads "bad
-- argument #2 to '?' (...)": not called as a method, it counts self and
-- has no name nor position. It goes up as { 2, "..." } with this
-- metatable, and core.loop_method raises it again in the caller's frame
-- with luaL_argerror: the message a program without cqueues gets. The
-- method's other errors ("tls: ...", luaL_error's) go up as { 0, text },
-- raised there by luaL_error, which puts the caller's position first.
local ARGERR = {}
local function raised(e)
  if type(e) == "string" then
    local n, why = e:match("^bad argument #(%d+) to '[^']*' %((.*)%)$")
    if n then return setmetatable({ tonumber(n), why }, ARGERR) end
    if e:find("^tls: ") then return setmetatable({ 0, e }, ARGERR) end
  end
  return e
end

-- The controller when the caller runs inside cqueues, else nil. One table
-- lookup when cqueues was never loaded.
local function controller()
  local cq = loaded.cqueues
  if cq and cq.running() then return cq end
  return nil
end

-- The deadline of a call that may wait t seconds (nil or negative: none).
local function deadline_of(cq, t)
  if t == nil or t < 0 then return nil end
  return cq.monotime() + t
end

local function earliest(a, b)
  if a == nil then return b end
  if b == nil then return a end
  return a < b and a or b
end

-- The deadline poll must wake up at: the call's own, or the handshake's
-- (so that a server drops a client that stalls its handshake on time, as
-- the blocking calls do).
local function wake_at(obj, deadline)
  return earliest(deadline, hs_deadline[obj])
end

-- Per object: how many calls wait on it now, the condition they wait on
-- beside the descriptor, and whether a close() is waiting for them to
-- leave. cqueues cannot close a descriptor under two waiters: cancel()
-- wakes them, but when the first one resumed removes its event, cqueues
-- updates the descriptor for the others, closed by then, and the whole
-- controller stops ("unable to update event disposition: Bad file
-- descriptor"). So close() wakes them first and lets them leave with
-- "closed" before the descriptor goes.
local waiting = setmetatable({}, { __mode = "k" })
local wakeup = setmetatable({}, { __mode = "k" })
local closing = setmetatable({}, { __mode = "k" })
-- A close() that cannot wait for two or more waiters to leave (made
-- outside any controller, or theirs did not run within its bound) closes
-- the object but leaves its descriptor open (core.close_holding_fd), noted
-- here, until the last of them leaves (or the object is collected).
local held = setmetatable({}, { __mode = "k" })
local core_ -- the C module, once the methods are wrapped

-- The C side cancels the descriptor in cqueues, then closes it.
local function release_held(obj)
  if not held[obj] then return end
  held[obj] = nil
  core_.release_held_fd(obj)
end

-- After core.close_holding_fd gave (r, fd): the waiters are woken (again)
-- and the last of them to leave releases fd. A second close gives the same
-- fd (nil when none is held).
local function holding(obj, r, fd)
  closing[obj] = true
  if fd then held[obj] = true end
  wakeup[obj]:signal()
  if fd then loaded.cqueues.cancel(fd) end
  return r
end

-- Waits until obj is ready for what it wants, or until its deadline.
-- Returns false, "timeout" once the call's own deadline has passed, and
-- false, "closed" when another coroutine closes obj meanwhile.
local function wait(cq, obj, deadline)
  if closing[obj] then return false, "closed" end
  local now = cq.monotime()
  if deadline and now >= deadline then return false, "timeout" end
  local at = wake_at(obj, deadline)
  call_deadline[obj] = at
  local cond = wakeup[obj]
  if not cond then
    cond = require("cqueues.condition").new()
    wakeup[obj] = cond
  end
  local n = (waiting[obj] or 0) + 1
  waiting[obj] = n
  -- A call that cannot yield here (made from a string.gsub callback or a
  -- table.sort comparator) raises; its deadline must not outlive it, or
  -- the object's poll timeout would stay at 0 for the application's own
  -- polls.
  local ok, err = pcall(cq.poll, obj, cond, at and math.max(at - now, 0) or nil)
  call_deadline[obj] = nil
  n = waiting[obj] - 1
  waiting[obj] = n > 0 and n or nil
  if closing[obj] then
    if n == 0 then -- the last one out lets close() go on
      cond:signal()
      release_held(obj)
    end
    if ok then return false, "closed" end
  end
  if not ok then error(err, 0) end
  return true
end

-- close() of obj inside a controller: the calls of other coroutines waiting
-- on it are woken and leave (with "closed") before its descriptor is
-- cancelled and closed. Bounded: a waiter whose controller is not running
-- would hold the close for ever (it then meets cqueues's EBADF, as before).
-- Only a close that can wait for them wakes them: one made where its
-- coroutine cannot yield, say from a callback of the connection's own
-- (which the C close refuses, the connection going on), marked it closing
-- for good, and its waiters and every later call said "closed".
local function release_waiters(cq, obj)
  if not waiting[obj] or not coroutine.isyieldable() then return end
  closing[obj] = true
  local cond = wakeup[obj]
  cond:signal()
  local stop = cq.monotime() + 1
  while waiting[obj] do
    local left = stop - cq.monotime()
    if left <= 0 or not pcall(cq.poll, cond, left) then break end
  end
end

-- A descriptor cqueues still watches must not be closed under it: its
-- next update of the poll set fails (EBADF) and stops the controller.
-- cq: the controller or the cqueues module (both have cancel).
local function unwatch(cq, obj)
  local fd = obj:getfd()
  if fd and fd >= 0 then cq.cancel(fd) end
end

-- close() outside any controller (cq: the cqueues module) with two or more
-- calls waiting on obj: they are woken and leave with "closed", obj is
-- closed at once (a connection's close_notify sent), and its descriptor
-- goes when the last of them has left (wait() above). Closed under them,
-- the first to leave made cqueues update the others' events on a closed
-- descriptor, and their controller stopped with EBADF. One waiter alone
-- leaves without that update: the descriptor goes at once, as before.
local function close_outside(cq, obj, raw_close)
  if (waiting[obj] or 0) < 2 then
    unwatch(cq, obj)
    local ok, r = pcall(raw_close, obj)
    if not ok then error(raised(r), 0) end
    return r
  end
  local ok, r, fd = pcall(core_.close_holding_fd, obj)
  if not ok then error(raised(r), 0) end
  return holding(obj, r, fd)
end

local function cancel_if_due(obj)
  local at = hs_cancel[obj]
  if not at then return false end
  local cq = loaded.cqueues
  local now = cq.monotime()
  if now < at then return false end
  unwatch(cq, obj)
  return now >= hs_deadline[obj]
end

-- Called past the deadline (ours is later than the C one) and still open:
-- the handshake is done, nothing more to watch.
local function forget_if_done(obj, past)
  if past and obj:getfd() >= 0 then hs_deadline[obj], hs_cancel[obj] = nil, nil end
end

-- The end of nonblocking(): the results pass through as they are (no
-- table per call: this runs for every operation of every connection).
local function restore(obj, t, past, ok, ...)
  obj:settimeout(t)
  if not ok then error(raised((...)), 0) end
  forget_if_done(obj, past)
  return ...
end

-- Runs raw(obj, ...) with the C timeout at 0, restoring the application's
-- timeout `t` afterwards, also when raw raises (a programming mistake).
-- Past its handshake deadline a connection still in its handshake has its
-- socket closed by the C call: cqueues forgets the descriptor first.
local function nonblocking(obj, t, raw, ...)
  local past = cancel_if_due(obj)
  obj:settimeout(0)
  return restore(obj, t, past, pcall(raw, obj, ...))
end

-- A call on a connection the application made non-blocking itself (it
-- polls it): the same care for a client dropped at its deadline.
local function direct(obj, raw, ...)
  if not hs_cancel[obj] then return raw(obj, ...) end
  local past = cancel_if_due(obj)
  local r = table.pack(pcall(raw, obj, ...))
  forget_if_done(obj, past)
  if not r[1] then error(raised(r[2]), 0) end
  return unpack(r, 2, r.n)
end

-- The pollable protocol (cqueues calls these on objects given to poll).
local function pollfd(self) return self:getfd() end

local function conn_events(self)
  return self:want() == "write" and "w" or "r"
end

local function server_events() return "r" end

local function poll_timeout(self)
  local at = call_deadline[self]
  -- Past it, the call that set it is not waiting any more: cqueues woke it
  -- by its own poll's timeout, or its coroutine will never run again (its
  -- controller dropped, the coroutine abandoned), and nothing would clear
  -- it: an application polling the object itself woke at once for ever.
  if at and at <= loaded.cqueues.monotime() then
    call_deadline[self] = nil
    at = nil
  end
  -- Polled by the application itself: it must wake to see a client dropped,
  -- once (if it only polls, the polls must not turn into a busy loop).
  local hs = not at and not hs_woken[self] and hs_deadline[self]
  if hs then at = hs end
  if not at then return nil end
  local cq = loaded.cqueues
  local left = at - cq.monotime()
  if left > 0 then return left end
  if hs then hs_woken[self] = true end
  return 0
end

-- The controller to yield to for a call on a connection, or nil: the C
-- method then runs as it is (outside a controller, or at timeout 0 with no
-- handshake deadline to watch).
local function pick_conn(self)
  local cq = controller()
  if cq and (hs_cancel[self] or self:gettimeout() ~= 0) then return cq end
  return nil
end

local function always() return true end
-- A controller, else the cqueues module (accept marks handshake deadlines
-- with its clock even outside one, close cancels the descriptor there).
local function pick_always() return controller() or loaded.cqueues end

-- handshake, dohandshake, receive_early, keyupdate: calls without a
-- partial result. `completes`: a success means the handshake is done
-- (not so for receive_early, which returns before the client's Finished).
local function plain(method, completes)
  return function(cq, self, ...)
    local t = self:gettimeout()
    if t == 0 then return direct(self, method, ...) end
    local deadline = deadline_of(cq, t)
    while true do
      local r = table.pack(nonblocking(self, self:gettimeout(), method, ...))
      if r[1] ~= nil or not WANT[r[2]] then
        if r[1] ~= nil and completes then hs_deadline[self], hs_cancel[self] = nil, nil end
        return unpack(r, 1, r.n)
      end
      local ok, why = wait(cq, self, deadline)
      if not ok then return nil, why end
    end
  end
end

-- receive(pattern, prefix): what each turn got ("wantread", partial) is
-- kept aside and joined once at the end; handed back as the next turn's
-- prefix it was copied again on every turn, quadratic in a long line that
-- arrives in pieces. A count asks each turn only for what is still missing.
-- The application's timeout is read afresh for each turn: another
-- coroutine may change it while this call waits, and restoring the value
-- read at the start would undo that.
local function receive(receive)
  return function(cq, self, pattern, prefix, max)
    local t = self:gettimeout()
    if t == 0 then return direct(self, receive, pattern, prefix, max) end
    local deadline = deadline_of(cq, t)
    local data, err, partial = util.receive_turns(
      function(p, pre, m) return nonblocking(self, self:gettimeout(), receive, p, pre, m) end,
      function() return wait(cq, self, deadline) end,
      pattern, prefix, max)
    if data == nil then return nil, err, partial end
    hs_deadline[self], hs_cancel[self] = nil, nil
    return data
  end
end

-- send(data, i, j): nil, "wantwrite", last means bytes up to `last` were
-- taken; the next call starts after them (and flushes what is queued).
local function send(send)
  return function(cq, self, data, i, j)
    local t = self:gettimeout()
    if t == 0 then return direct(self, send, data, i, j) end
    local deadline = deadline_of(cq, t)
    while true do
      local last, err, sent = nonblocking(self, self:gettimeout(), send, data, i, j)
      -- (a success may be 0.5-RTT data, before the client's Finished)
      if last ~= nil then return last end
      if not WANT[err] then return nil, err, sent end
      if sent and sent >= (i or 1) then i = sent + 1 end
      local ok, why = wait(cq, self, deadline)
      if not ok then return nil, why, sent end
    end
  end
end

-- close(): the C close with timeout 0 sends close_notify if the socket
-- takes it at once (it nearly always does: a few bytes) and closes. The
-- descriptor is first cancelled in cqueues, so that a later socket given
-- the same number is not mistaken for this one.
-- Outside a controller (cq is then the cqueues module) the C close runs as
-- without cqueues, after the same cancel, as a server's close does: a
-- coroutine waiting on the connection wakes at its controller's next step
-- and says "closed" (before review46a nothing woke it, and at its deadline
-- its controller stopped with EBADF). With two or more waiters its
-- descriptor stays open until they have left (close_outside).
local function close(close)
  return function(cq, self)
    if not controller() then return close_outside(cq, self, close) end
    release_waiters(cq, self)
    -- Waiters of a controller that did not run within the bound: as from
    -- outside, the descriptor waits for them.
    if (waiting[self] or 0) >= 2 then
      return holding(self, nonblocking(self, self:gettimeout(), core_.close_holding_fd))
    end
    unwatch(cq, self)
    return nonblocking(self, self:gettimeout(), close)
  end
end

-- server:accept(): nil, "timeout" at once while no client waits; the
-- accepted connection gets the server's timeout (which the C accept would
-- have copied from the 0 set here).
local function accept(accept, raw_settimeout)
  -- The handshake deadline of an accepted connection, as the C accept set
  -- it: `before` was taken before that accept, `after` after it.
  local function mark(self, conn, before, after)
    local hs = server_hs_timeout[self]
    if hs and hs >= 0 then hs_cancel[conn], hs_deadline[conn] = before + hs, after + hs end
  end
  -- Accepted outside a controller or by a server at timeout 0: the
  -- connection may still be polled in cqueues later.
  local function marked(cq, self)
    local before = cq.monotime()
    local ok, conn, err, shortage = pcall(accept, self)
    if not ok then error(raised(conn), 0) end
    -- as many values as the C accept gave (a third only for a shortage)
    if not conn then
      if shortage then return nil, err, shortage end
      return nil, err
    end
    mark(self, conn, before, cq.monotime())
    return conn
  end
  local function co(cq, self)
    local t = server_timeout[self]
    if t == 0 then return marked(cq, self) end
    local deadline = deadline_of(cq, t)
    local shortage_since, pause = nil, 0.005
    while true do
      raw_settimeout(self, 0)
      local before = cq.monotime()
      local ok, conn, err, shortage = pcall(accept, self)
      raw_settimeout(self, t)
      if not ok then error(raised(conn), 0) end
      if conn then
        conn:settimeout(t)
        mark(self, conn, before, cq.monotime())
        return conn
      end
      if err == "timeout" then
        local ok, why = wait(cq, self, deadline)
        if not ok then return nil, why end
      elseif shortage ~= "shortage" then
        return nil, err
      else
        -- Out of descriptors or memory ("too many open files"): the client
        -- stays queued and the socket readable, so polling it would return
        -- at once and starve every other coroutine, the ones whose closing
        -- connections would end the shortage. Sleep instead, as the
        -- blocking accept pauses (csrc/io/tls_socket.c: 5 ms doubling to
        -- 320 ms, at most 1 s and the deadline, then the error).
        shortage_since = shortage_since or cq.monotime()
        local now, stop = cq.monotime(), earliest(deadline, shortage_since + 1)
        if now >= stop then return nil, err, shortage end
        cq.poll(math.min(pause, stop - now))
        pause = math.min(pause * 2, 0.32)
      end
    end
  end
  -- run for core.loop_method: cq is the controller, or (pick_always) the
  -- cqueues module outside one.
  return function(cq, self)
    if controller() then return co(cq, self) end
    return marked(cq, self)
  end
end

local function where(host, port)
  if host:find(":", 1, true) then return string.format("[%s]:%s", host, port) end
  return string.format("%s:%s", host, port)
end

-- core.connect inside cqueues: the TCP connect (and its name lookup) on a
-- cqueues socket, which the connection then owns (it closes it), and the
-- handshake through the yielding handshake above. The same answers as the
-- C connect: a connection, or nil and "timeout", "closed" or a message.
local function connect(raw, core)
  local function co(cq, host, port, ctx, servername, hs_timeout, timeout, session, early)
    local csocket = require "cqueues.socket"
    local errno = require "cqueues.errno"
    local deadline = deadline_of(cq, hs_timeout)
    local ok, sock = pcall(csocket.connect, { host = host, port = tonumber(port) })
    if not ok or not sock then return nil, "cannot connect to " .. where(host, port) .. ": " .. tostring(sock) end
    sock:onerror(function(_, _, err) return err end)  -- errors as values (errno numbers), not raised
    local left = deadline and math.max(deadline - cq.monotime(), 0) or nil
    local cok, cerr = sock:connect(left)
    if not cok then
      sock:close()
      if cerr == errno.ETIMEDOUT then return nil, "timeout" end
      -- As the C connect words it (LuaSocket's way): "connection refused".
      local text = type(cerr) == "number" and errno.strerror(cerr):gsub("^%u", string.lower) or tostring(cerr)
      return nil, string.format("%s (%s)", text, where(host, port))
    end
    local conn, err = core.wrap(sock:pollfd(), ctx, servername, sock, hs_timeout, session, early)
    if not conn then
      sock:close()
      return nil, err
    end
    if deadline then conn:settimeout(math.max(deadline - cq.monotime(), 0)) end
    local hok, herr = conn:handshake()
    if not hok then
      conn:close()
      return nil, herr
    end
    conn:settimeout(timeout)
    return conn
  end
  return function(host, port, ctx, servername, hs_timeout, timeout, session, early)
    local cq = controller()
    if not cq then return raw(host, port, ctx, servername, hs_timeout, timeout, session, early) end
    return co(cq, host, port, ctx, servername, hs_timeout, timeout, session, early)
  end
end

-- core.connect as it is, or wrapped once cqueues is loaded.
local connect_impl

-- Wraps the methods (once cqueues is loaded: until then they stay the C
-- functions themselves, so a program without cqueues sees no difference
-- at all, not even in the position of an error message).
local function wrap_methods(core)
  local reg = debug.getregistry()
  local cm = assert(reg["tls.conn"], "tls.conn metatable").__index
  local sm = assert(reg["tls.server"], "tls.server metatable").__index
  if cm.pollfd then return end        -- done already (tls loaded twice)
  core_ = core

  -- Each is core.loop_method(C method, its cqueues driver, pick): the C
  -- method itself runs, in the caller's frame, unless pick finds a
  -- controller to yield to.
  local function wrap(method, run)
    return core.loop_method(method, run, pick_conn, ARGERR, "tls.conn")
  end
  for _, name in ipairs { "handshake", "dohandshake", "receive_early", "keyupdate", "export", "shutdown" } do
    if cm[name] then cm[name] = wrap(cm[name], plain(cm[name], name ~= "receive_early")) end
  end
  cm.receive = wrap(cm.receive, receive(cm.receive))
  cm.send = wrap(cm.send, send(cm.send))
  cm.close = core.loop_method(cm.close, close(cm.close), pick_always, ARGERR, "tls.conn")
  cm.pollfd, cm.events, cm.timeout = pollfd, conn_events, poll_timeout

  local raw_settimeout = sm.settimeout
  -- Kept only once the C call took it: a refused one (NaN) changes nothing.
  sm.settimeout = core.loop_method(raw_settimeout, function(_, self, t, ...)
    local ok, r = pcall(raw_settimeout, self, t, ...)
    if not ok then error(raised(r), 0) end
    -- accept compares it with numbers: "0.05" is taken by the C call too
    server_timeout[self] = type(t) == "string" and tonumber(t) or t
    return r
  end, always, ARGERR, "tls.server")
  sm.accept = core.loop_method(sm.accept, accept(sm.accept, raw_settimeout), pick_always, ARGERR, "tls.server")
  local raw_server_close = sm.close
  sm.close = core.loop_method(raw_server_close, function(cq, self, ...)
    if not controller() then return close_outside(cq, self, raw_server_close) end
    release_waiters(cq, self)
    if (waiting[self] or 0) >= 2 then
      local ok, r, fd = pcall(core_.close_holding_fd, self)
      if not ok then error(raised(r), 0) end
      return holding(self, r, fd)
    end
    unwatch(cq, self)
    local ok, r = pcall(raw_server_close, self, ...)
    if not ok then error(raised(r), 0) end
    return r
  end, pick_always, ARGERR, "tls.server")
  sm.pollfd, sm.events, sm.timeout = pollfd, server_events, poll_timeout
  -- `local conn <close> = ...` closes through these too: the C close would
  -- close a descriptor cqueues may still watch.
  reg["tls.conn"].__close = cm.close
  reg["tls.server"].__close = sm.close
  connect_impl = connect(connect_impl, core)
end

--- loop.install(core): called by lua/tls.lua. Every connection and server
-- comes from tls.connect, tls.wrap or tls.listen (or a server's accept),
-- which call core.connect, core.wrap and core.listen: when cqueues is
-- loaded by then, the methods are wrapped first. Servers' timeouts are
-- recorded from the start.
function loop.install(core)
  local function check()
    if loaded.cqueues then wrap_methods(core) end
  end
  local raw_listen, raw_wrap = core.listen, core.wrap
  core.listen = function(host, port, ctx, backlog, timeout, hs_timeout)
    check()
    local server, err = raw_listen(host, port, ctx, backlog, timeout, hs_timeout)
    if server then
      server_timeout[server] = timeout
      server_hs_timeout[server] = hs_timeout
    end
    return server, err
  end
  core.wrap = function(...)
    check()
    return raw_wrap(...)
  end
  connect_impl = core.connect
  core.connect = function(...)
    check()
    return connect_impl(...)
  end
end

return loop
