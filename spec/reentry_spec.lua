-- Finding 5 of issue 7: a finalizer that runs while a method is copying
-- decrypted data (a GC step inside luaL_addlstring or lua_pushlstring) and
-- calls back into the same object must get a clear error, never a buffer
-- freed under the running method (heap-use-after-free under ASan).
-- Each case runs in a child interpreter, so that a crash fails one test;
-- `make test-asan` runs them against the sanitizer build.
local tls = require "tls"
local child = require "spec.support.luachild"

local cert, key = assert(tls.selfsigned { names = { "localhost", "127.0.0.1" } })

local IN_USE = "tls: connection is in use (re-entered from a finalizer or callback)"

-- Lua source shared by the children: finalizable garbage that keeps coming
-- (each finalizer makes the next), a collector that runs all the time and
-- finishes whole cycles in a step, and `reenter`, set by the test to what a
-- finalizer should do while the method under test runs.
local GARBAGE = [[
local active, during, errors = false, 0, {}
local reenter
local started = false
local function finalizer()
  started = true
  if active then
    during = during + 1
    reenter()
  end
end
local function try(name, f, ...)
  local ok, err = pcall(f, ...)
  errors[name] = errors[name] or (ok and "no error" or tostring(err))
end
-- Leaves the collector in the middle of running a long queue of finalizers,
-- in small steps taken every few dozen bytes allocated: from then on, about
-- every allocation (a luaL_Buffer growing, a string pushed, a userdata made)
-- runs a few finalizers.
local function arm()
  collectgarbage()
  collectgarbage("incremental", 200, 1000, 4)
  for _ = 1, 100000 do setmetatable({}, { __gc = finalizer }) end
  started = false
  repeat collectgarbage("step", 0) until started
end
-- Calls f(...) with re-entering finalizers allowed to act.
local function under_finalizers(f, ...)
  active = true
  local a, b, c = f(...)
  active = false
  return a, b, c
end
]]

-- A pattern in which a misplaced or repeated chunk shows.
local PATTERN = [[
local function pattern(n)
  local t = {}
  for i = 1, n // 8 do t[i] = string.format("%07d\n", i) end
  return table.concat(t)
end
]]

describe("re-entry from a finalizer", function()
  it("into receive, send and close while receive copies data is refused with a clear error", function()
    local port, reap = child.tls_server(cert, key, PATTERN .. [[
      assert(conn:send(pattern(1048576)))
      assert(conn:receive("*l") == "done")
    ]])
    local ok, out = child.run(GARBAGE .. PATTERN .. [[
local conn = assert(tls.connect("127.0.0.1", port, assert(tls.context { ca = cert }),
  { servername = "localhost", timeout = 20 }))
reenter = function()
  try("receive", conn.receive, conn, 65536)
  try("send", conn.send, conn, "x")
  try("close", conn.close, conn)
end
local expected = pattern(1048576)
local got = {}
arm()
for i = 1, 128 do got[i] = assert(under_finalizers(conn.receive, conn, 4096)) end -- 512 KiB in small calls
got[#got + 1] = assert(under_finalizers(conn.receive, conn, 524288))              -- the rest in one
collectgarbage("incremental", 200, 100, 13)
assert(table.concat(got) == expected, "data corrupted")
assert(during > 0, "no finalizer ran during receive")
for _, m in ipairs { "receive", "send", "close" } do print(m .. ": " .. errors[m]) end
assert(conn:send("done\n"))
conn:close()
]], { cert = cert, port = port })
    local server_out = reap()
    assert.is_true(ok, out)
    for _, m in ipairs { "receive", "send", "close" } do
      assert.matches(m .. ": " .. IN_USE:gsub("%p", "%%%0"), out)
    end
    assert.equal("", server_out)
  end)

  it("into the engine while read copies data is refused with a clear error", function()
    local ok, out = child.run(GARBAGE .. PATTERN .. [[
local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local s = assert(tls.engine(sctx))
local c = assert(tls.engine(assert(tls.context { ca = cert }), { servername = "localhost" }))
local function pump()
  for _ = 1, 50 do
    local a, b = c:output(), s:output()
    if a == "" and b == "" then return end
    if a ~= "" then assert(s:feed(a)) end
    if b ~= "" then assert(c:feed(b)) end
  end
end
assert(c:start())
pump()
assert(c:status().handshake_done)
reenter = function()
  try("read", c.read, c)
  try("feed", c.feed, c, "")
  try("write", c.write, c, "x")
  try("close", c.close, c)
  try("output", c.output, c)
end
local expected = pattern(1048576)
assert(s:write(expected))
local got = {}
local flight = s:output()
arm()
assert(under_finalizers(c.feed, c, flight))
for _ = 1, 1000 do -- the engine hands out at most 64 KiB per read
  local chunk = under_finalizers(c.read, c)
  if chunk == "" then break end
  got[#got + 1] = chunk
end
collectgarbage("incremental", 200, 100, 13)
assert(table.concat(got) == expected, "data corrupted")
assert(during > 0, "no finalizer ran during read")
for _, m in ipairs { "read", "feed", "write", "close", "output" } do print(m .. ": " .. errors[m]) end
]], { cert = cert, key = key })
    assert.is_true(ok, out)
    for _, m in ipairs { "read", "feed", "write", "close", "output" } do
      assert.matches(m .. ": tls: engine is in use %(re%-entered from a finalizer or callback%)", out)
    end
  end)

  it("into a server while accept makes a connection is refused with a clear error", function()
    local ok, out = child.run(GARBAGE .. [[
local socket = require "socket"
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 5 }))
local _, port = server:getsockname()
local clients = {}
for i = 1, 16 do clients[i] = assert(socket.connect("127.0.0.1", port)) end
reenter = function()
  try("accept", server.accept, server)
  try("close", server.close, server)
end
local conns = {}
arm()
for i = 1, 16 do conns[i] = assert(under_finalizers(server.accept, server)) end
collectgarbage("incremental", 200, 100, 13)
assert(during > 0, "no finalizer ran during accept")
assert(server:getfd() >= 0, "the server was closed from a finalizer")
for _, m in ipairs { "accept", "close" } do print(m .. ": " .. errors[m]) end
for i = 1, 16 do conns[i]:close(); clients[i]:close() end
server:close()
]], { cert = cert, key = key })
    assert.is_true(ok, out)
    for _, m in ipairs { "accept", "close" } do
      assert.matches(m .. ": tls: server is in use %(re%-entered from a finalizer or callback%)", out)
    end
  end)
end)

describe("a __gc metamethod called by hand while a method runs", function()
  -- The collector never finalizes an object that a running method holds, but
  -- Lua code can call the metamethod itself: from a trace function it would
  -- free the engine under the running method. Since harden21 getmetatable()
  -- hides the metatable (__metatable = false), so only the debug library
  -- reaches __gc; the guards stay, and are tested through it.
  it("on an engine, from its trace function, raises and frees nothing", function()
    local ok, out = child.run([[
local e
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key,
  trace = function(ev) if ev.message == "ClientHello" then debug.getmetatable(e).__gc(e) end end })
e = assert(tls.engine(ctx))
local c = assert(tls.engine(assert(tls.context { ca = cert }), { servername = "localhost" }))
assert(c:start())
local fed, msg = e:feed(c:output())
print("feed: " .. tostring(fed) .. " " .. tostring(msg))
print("status failed: " .. tostring(e:status().failed))
]], { cert = cert, key = key })
    assert.is_true(ok, out)
    assert.matches("feed: nil [^\n]*tls: engine is in use %(its __gc was called while a method runs%)", out)
    assert.matches("status failed: true", out)
  end)

  it("on a connection, from its trace function during the handshake, raises and frees nothing", function()
    local ok, out = child.run([[
local conn
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key,
  trace = function(ev) if ev.message == "ClientHello" then debug.getmetatable(conn).__gc(conn) end end })
local server = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 10 }))
local _, port = server:getsockname()
os.execute("(sleep 0.2 | openssl s_client -connect 127.0.0.1:" .. port .. " >/dev/null 2>&1) &")
conn = assert(server:accept())
conn:settimeout(10)
local done, msg = conn:handshake()
print("handshake: " .. tostring(done) .. " " .. tostring(msg))
conn:close()
server:close()
]], { cert = cert, key = key })
    assert.is_true(ok, out)
    assert.matches("handshake: nil [^\n]*tls: connection is in use %(its __gc was called while a method runs%)", out)
  end)
end)
