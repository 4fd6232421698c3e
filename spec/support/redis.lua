-- A real redis-server for the store and fleet specs: on 127.0.0.1, on a
-- free port, with no persistence (nothing saved, no append-only file) in a
-- temporary directory of its own; ready once it answers PING, stopped (and
-- its directory removed) by :stop() or proc.kill_all().
local socket = require "socket"
local proc = require "spec.support.proc"

local redis = {}

local function ping(port)
  local s = socket.tcp()
  s:settimeout(0.5)
  if not s:connect("127.0.0.1", port) then s:close(); return false end
  s:send("*1\r\n$4\r\nPING\r\n")
  local line = s:receive("*l")
  s:close()
  return line == "+PONG"
end

function redis.available()
  return proc.have("redis-server")
end

local function start_on(port, dir)
  local h = proc.spawn(string.format("exec redis-server --port %d --bind 127.0.0.1 --save '' --appendonly no "
    .. "--dir %s --daemonize no --unixsocket '' --logfile ''", port, proc.quote(dir)), { timeout = 300 })
  local deadline = socket.gettime() + 10
  while not ping(port) do
    if not h:alive() then error("redis-server exited:\n" .. h:output()) end
    if socket.gettime() > deadline then
      h:kill()
      error("redis-server did not answer PING on port " .. port .. ":\n" .. h:output())
    end
    socket.sleep(0.02)
  end
  return h
end

--- redis.start() -> server with .port, :stop(), :restart() (same port, empty)
function redis.start()
  local _, out = proc.capture("mktemp -d")
  local dir = assert(out:match("^(%S+)"), out)
  local port = proc.free_port("127.0.0.1")
  local server = { port = port, dir = dir }
  server.handle = start_on(port, dir)
  function server:stop()
    if self.handle then self.handle:kill() end
    self.handle = nil
  end
  function server:restart()
    self:stop()
    self.handle = start_on(self.port, self.dir)
  end
  function server:remove()
    self:stop()
    os.execute("rm -rf " .. proc.quote(self.dir))
  end
  -- One command's raw reply line (for checks from the specs).
  function server:command(...)
    local s = assert(socket.connect("127.0.0.1", self.port))
    s:settimeout(5)
    local args = { ... }
    local out = { "*" .. #args .. "\r\n" }
    for _, a in ipairs(args) do out[#out + 1] = "$" .. #a .. "\r\n" .. a .. "\r\n" end
    s:send(table.concat(out))
    local line = s:receive("*l")
    local data = line
    local n = line and tonumber(line:match("^%$(%-?%d+)"))
    if n and n >= 0 then data = s:receive(n + 2):sub(1, n) end
    s:close()
    return data
  end
  return server
end

return redis
