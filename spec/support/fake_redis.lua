-- A scripted fake Redis for the tls.store.redis specs: a child Lua process
-- on 127.0.0.1 that answers the commands it receives, in order and across
-- connections, with the raw replies given (bytes sent as they are). It
-- serves one connection at a time (the store holds one), logs
-- "conn <n> <COMMAND>" per command, and ends when every reply is sent and
-- the last connection is closed (or after 10 s without a connection).
local proc = require "spec.support.proc"

local fake = {}

local SCRIPT = [[
local socket = require "socket"
io.stdout:setvbuf("line")
local replies = { @REPLIES@ }
local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()
print("ready " .. port)
server:settimeout(10)
local k, conns = 0, 0
while k < #replies do
  local c = server:accept()
  if not c then break end
  conns = conns + 1
  c:settimeout(10)
  while true do
    local line = c:receive("*l")
    local n = line and tonumber(line:match("^%*(%d+)$"))
    if not n then break end
    local args = {}
    for i = 1, n do
      local len = tonumber(c:receive("*l"):match("^%$(%d+)$"))
      args[i] = c:receive(len + 2):sub(1, len)
    end
    print("conn " .. conns .. " " .. args[1])
    k = k + 1
    c:send(replies[k] or "-ERR no more replies\r\n")
  end
  c:close()
end
]]

--- fake.start{ reply1, reply2, ... } -> port, wait() (returns the log)
function fake.start(replies)
  local quoted = {}
  for i, r in ipairs(replies) do quoted[i] = ("%q"):format(r) end
  local script = os.tmpname()
  proc.write_file(script, (SCRIPT:gsub("@REPLIES@", function() return table.concat(quoted, ", ") end)))
  local p = assert(io.popen(proc.lua_env() .. " lua5.4 " .. proc.quote(script) .. " 2>&1", "r"))
  local line = p:read("l")
  local port = line and tonumber(line:match("^ready (%d+)"))
  if not port then error("fake redis did not start: " .. tostring(line) .. (p:read("a") or "")) end
  return port, function()
    local out = p:read("a")
    p:close()
    os.remove(script)
    return out
  end
end

return fake
