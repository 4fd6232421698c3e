-- Lua child processes for specs whose failure could crash the interpreter
-- (a use-after-free under `make test-asan` aborts the process): a luatls
-- server that runs a body after accept, and a client chunk run to the end.
-- Both load our module from this tree with the runner's package paths, and
-- inherit its environment (LD_PRELOAD and ASAN_OPTIONS under test-asan).
local proc = require "spec.support.proc"

local child = {}

local LUA = "lua5.4"
local q = proc.quote

-- Runs script with our package paths (after the shell assignments `env`,
-- if any); its output (stdout and stderr, then the shell text `after`) is
-- read from the handle returned.
local function popen(script, after, env)
  return assert(io.popen((env and env .. " " or "") .. proc.lua_env() .. " " .. LUA .. " " .. q(script)
    .. " 2>&1" .. (after or ""), "r"))
end

local function write_script(text)
  local script = os.tmpname()
  local f = assert(io.open(script, "wb"))
  f:write(text)
  f:close()
  return script
end

-- Values given to the child as locals: strings and numbers only.
local function prelude(vars)
  local lines = { "local tls = require 'tls'" }
  for name, value in pairs(vars or {}) do
    lines[#lines + 1] = ("local %s = %q"):format(name, value)
  end
  return table.concat(lines, "\n") .. "\n"
end

-- Starts a server script that prints "ready <port>" once it listens;
-- returns the port and a function that waits for the child and returns its
-- output.
local function serve(script)
  local p = popen(script)
  local line = p:read("l")
  local port = line and tonumber(line:match("^ready (%d+)"))
  if not port then error("server did not start: " .. tostring(line) .. (p:read("a") or "")) end
  return port, function()
    local out = p:read("a")
    p:close()
    os.remove(script)
    return out
  end
end

-- Runs body in a child interpreter; returns whether it exited with status 0,
-- and everything it printed. env: shell assignments for its environment
-- ("NAME='value'"), or nil.
function child.run(body, vars, env)
  local script = write_script(prelude(vars) .. body)
  local p = popen(script, '; echo "exit=$?"', env)
  local out = p:read("a")
  p:close()
  os.remove(script)
  return out:match("exit=0%s*$") ~= nil, out
end

-- Starts a luatls server on 127.0.0.1 that accepts one connection and runs
-- body with `conn` in scope (then closes it with close_notify). ctx_opts is
-- Lua source for extra context options. Returns the port and a function that
-- waits for the child and returns its output.
function child.tls_server(cert, key, body, vars)
  local script = write_script(prelude(vars) .. ([[
io.stdout:setvbuf("line")
local ctx = assert(tls.context { mode = "server", certificate = %q, key = %q })
local server = assert(tls.listen("127.0.0.1", 0, ctx, { timeout = 20 }))
local _, port = server:getsockname()
print("ready " .. port)
local conn = assert(server:accept())
conn:settimeout(20)
%s
conn:close()
server:close()
]]):format(cert, key, body))
  return serve(script)
end

-- Starts a plain TCP server (LuaSocket) on 127.0.0.1 that accepts one
-- connection and runs body with `c` in scope, then closes it. Returns the
-- port and a function that waits for the child and returns its output.
function child.tcp_server(body)
  local script = write_script(([[
local socket = require "socket"
io.stdout:setvbuf("line")
local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
print("ready " .. port)
server:settimeout(20)
local c = assert(server:accept())
c:settimeout(20)
%s
c:close()
]]):format(body))
  return serve(script)
end

return child
