-- Session 15 (mend15): tls.copas in copas 1.x (Debian's lua-copas, under
-- the Lua 5.2 path). A coroutine waiting on a wrapped connection (here in
-- receive) while another coroutine closes that connection must wake at
-- once and see the connection closed. Before, its waiter had no descriptor
-- left for socket.select, and copas 1.x resumed it only at its 120 s
-- watchdog. Each copas program runs in a child interpreter (copas keeps its
-- sockets in module-level sets). mutate/mutations_mend15.lua plants it back.
local proc = require "spec.support.proc"
local E = require "spec.support.engines"

if not package.path:find("/usr/share/lua/5.2/?.lua", 1, true) then
  package.path = package.path .. ";/usr/share/lua/5.2/?.lua"
end

-- A copas server (tls.copas.addserver, which never answers) and a copas
-- client coroutine waiting in receive; once it waits, another coroutine
-- closes the connection (`direction` "read"), or the client waits to write
-- a large request the server does not read (`direction` "write"). Prints
-- what the waiter's call returned and how long it took after the close.
local PROGRAM = [=[
local copas = require "copas"
local socket = require "socket"
local tls = require "tls"
io.stdout:setvbuf("line")
local cert, key, direction = arg[1], arg[2], arg[3]
local sctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = assert(tls.listen("127.0.0.1", 0, sctx))
local _, port = server:getsockname()
-- a descriptor nothing is ever sent to
local never = assert(socket.udp())
never:settimeout(0)
assert(never:setsockname("127.0.0.1", 0))
tls.copas.addserver(server, function(conn)
  assert(conn:handshake())
  -- reads nothing more: the client's waiter waits
  copas.receive(never, 1)
end)
local cctx = assert(tls.context { ca = cert })
local conn, waiting, result
copas.addthread(function()
  local sock = socket.tcp()
  assert(copas.connect(sock, "127.0.0.1", port))
  conn = tls.copas.wrap(assert(tls.wrap(sock, cctx, { servername = "localhost" })))
  assert(conn:handshake())
  waiting = true
  local a, b
  if direction == "read" then
    a, b = conn:receive("*l")
  else
    a, b = conn:send(string.rep("x", 64 * 1024 * 1024))
  end
  result = tostring(a) .. " " .. tostring(b)
end)
local deadline = socket.gettime() + 20
while not waiting and socket.gettime() < deadline do copas.step(0.05) end
for _ = 1, 10 do copas.step(0.02) end -- the waiter is now queued in copas
local closed_at = socket.gettime()
copas.addthread(function() conn.conn:close() end)
while not result and socket.gettime() < closed_at + 10 do copas.step(0.1) end
print(string.format("result %s after %.2f", tostring(result), socket.gettime() - closed_at))
]=]

local function run(direction)
  local script = os.tmpname()
  proc.write_file(script, PROGRAM)
  local certfile, keyfile = os.tmpname(), os.tmpname()
  proc.write_file(certfile, E.CERT)
  proc.write_file(keyfile, E.KEY)
  local out = proc.run(string.format("%s %s %s %s %s %s", proc.lua_env(), proc.lua(), proc.quote(script),
    proc.quote(certfile), proc.quote(keyfile), direction), nil, 40, { ours = true })
  os.remove(script); os.remove(certfile); os.remove(keyfile)
  return out
end

describe("mend15: tls.copas, a connection closed while a coroutine waits on it", function()
  it("wakes a coroutine waiting to read within a second, with nil, \"closed\"", function()
    local out = run("read")
    local result, after = out:match("result (.-) after ([%d.]+)\n")
    assert.truthy(result, out)
    assert.equal("nil closed", result, out)
    assert.is_true(tonumber(after) < 1, out)
  end)

  it("wakes a coroutine waiting to write within a second, with nil, \"closed\"", function()
    local out = run("write")
    local result, after = out:match("result (.-) after ([%d.]+)\n")
    assert.truthy(result, out)
    assert.equal("nil closed", result, out)
    assert.is_true(tonumber(after) < 1, out)
  end)
end)
