-- luatls in copas 1.x (Debian's lua-copas, under the Lua 5.2 path) through
-- tls.copas: a copas server on luatls serves many clients at once, and
-- copas client coroutines talk TLS with wrapped connections. copas keeps
-- its sockets in module-level sets and redefines socket.protect/newtry for
-- the whole process, so each copas program runs in a child interpreter.
local proc = require "spec.support.proc"
local certs = require "spec.support.certs"
local loop_clients = require "spec.support.loop_clients"

if not package.path:find("/usr/share/lua/5.2/?.lua", 1, true) then
  package.path = package.path .. ";/usr/share/lua/5.2/?.lua"
end

local c = certs.get()

-- The copas server: serves `n` connections through tls.copas.addserver
-- (each handler reads "<line>" and answers "reply <rest of line>"), with
-- `clients` copas client coroutines in the same process when asked;
-- prints "ready <port>" first and "served <n> peak <most handlers at once>"
-- at the end.
local COPAS_PROGRAM = [=[
local copas = require "copas"
local socket = require "socket"
local tls = require "tls"
io.stdout:setvbuf("line")
local cert, key, ca, n, nclients = arg[1], arg[2], arg[3], tonumber(arg[4]), tonumber(arg[5])
local dropin = arg[6] == "dropin"  -- the clients are LuaSec drop-in connections
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = assert(tls.listen("127.0.0.1", 0, ctx, { backlog = 256 }))
local _, port = server:getsockname()
print("ready " .. port)

local open, peak, served = 0, 0, 0
tls.copas.addserver(server, function(conn)
  open = open + 1
  if open > peak then peak = open end
  local line, err = conn:receive("*l")
  if line then
    local ok, serr = conn:send("reply " .. (line:match("^%S+ (.*)$") or line) .. "\n")
    if not ok then print("send failed: " .. serr) end
  else
    print("receive failed: " .. tostring(err))
  end
  open = open - 1
  served = served + 1
end)

local results = {}
local cctx = assert(tls.context { ca = ca })
for i = 1, nclients do
  copas.addthread(function()
    local sock = socket.tcp()
    assert(copas.connect(sock, "127.0.0.1", port))
    local conn, ok, err
    if dropin then
      local ssl = require "tls.luasec"
      conn = tls.copas.wrap(assert(ssl.wrap(sock, { mode = "client", protocol = "any", verify = "peer",
        cafile = ca, servername = "localhost" })))
      ok, err = conn:dohandshake()
    else
      conn = tls.copas.wrap(assert(tls.wrap(sock, cctx, { servername = "localhost" })))
      ok, err = conn:handshake()
    end
    if not ok then results[i] = "handshake: " .. err; return end
    assert(conn:send("request " .. i .. "\n"))
    results[i] = conn:receive("*l") .. " " .. (dropin and conn:info("protocol") or conn:info().version)
    conn:close()
  end)
end
local function finished()
  for i = 1, nclients do if not results[i] then return false end end
  return served >= n
end

local deadline = os.time() + 60
while not finished() and os.time() < deadline do copas.step(1) end
for i = 1, nclients do print("client " .. i .. ": " .. tostring(results[i])) end
print("served " .. served .. " peak " .. peak)
]=]

-- Starts the copas program; returns the port and a function that waits for
-- it to end and returns its output.
local function start(n, nclients, mode)
  local script = os.tmpname()
  proc.write_file(script, COPAS_PROGRAM)
  local p = assert(io.popen(string.format("%s timeout 90 %s %s %s %s %s %d %d 2>&1", proc.lua_env(), proc.lua(),
    proc.quote(script), proc.quote(c.leaf.ecdsa_p256.cert), proc.quote(c.leaf.ecdsa_p256.key), proc.quote(c.ca),
    n, nclients or 0) .. (mode and " " .. mode or "")))
  local line = p:read("l")
  local port = line and tonumber(line:match("^ready (%d+)$"))
  if not port then error("the copas server did not start: " .. tostring(line) .. "\n" .. (p:read("a") or "")) end
  return port, function()
    local out = p:read("a")
    p:close()
    os.remove(script)
    return out
  end
end

after_each(proc.kill_all)

describe("copas", function()
  it("copas client coroutines and the copas server, one process: 20 clients, each a handshake, a request and a reply", function()
    local _, finish = start(20, 20)
    local out = finish()
    for i = 1, 20 do
      assert.truthy(out:find("client " .. i .. ": reply " .. i .. " TLSv1.3\n", 1, true), out)
    end
    assert.truthy(out:find("served 20 peak ", 1, true), out)
    assert.falsy(out:find("failed", 1, true), out)
  end)

  it("copas client coroutines on LuaSec drop-in connections through tls.copas.wrap (review39d F2)", function()
    local _, finish = start(5, 5, "dropin")
    local out = finish()
    for i = 1, 5 do
      assert.truthy(out:find("client " .. i .. ": reply " .. i .. " TLSv1.3\n", 1, true), out)
    end
    assert.falsy(out:find("failed", 1, true), out)
  end)

  it("serves 100 Python clients that all complete their handshakes before any sends its request", function()
    local port, finish = start(100)
    local clients = loop_clients.python(port, c.ca, 100)
    local out = finish()
    assert.is_true(clients:wait(30), clients:output())
    local cout = clients:output()
    assert.truthy(cout:find("connected 100 failed 0\n", 1, true), cout)
    assert.truthy(cout:find("replies 100\n", 1, true), cout)
    -- Every handler was running at once: all were waiting for their request.
    assert.truthy(out:find("served 100 peak 100\n", 1, true), out)
    assert.falsy(out:find("failed", 1, true), out)
  end)

  it("serves three openssl s_client processes at once", function()
    local port, finish = start(3)
    local handles = {}
    for i = 1, 3 do
      local input = os.tmpname()
      proc.write_file(input, "s_client " .. i .. "\n")
      handles[i] = proc.spawn(string.format(
        "openssl s_client -connect 127.0.0.1:%d -servername localhost -CAfile %s -verify_return_error -quiet",
        port, proc.quote(c.ca)), { timeout = 30, stdin = input })
    end
    local out = finish()
    for i = 1, 3 do
      assert.equal(tostring(i), proc.wait_output(handles[i], "reply (%d)"))
    end
    assert.truthy(out:find("served 3 peak ", 1, true), out)
    assert.falsy(out:find("failed", 1, true), out)
  end)
end)
