-- Run by spec/lead37_spec.lua under a low descriptor limit (`ulimit -n`):
-- a client waits in the listening socket's queue while every descriptor
-- of the process is taken, then server:accept() is called. Prints one
-- line of results: `key=value` pairs.
--   emfile_child.lua cqueues-free   accept in a cqueues coroutine while
--                                   another frees descriptors after 0.3 s
--   emfile_child.lua cqueues-none   the same, nobody frees any
--   emfile_child.lua blocking T     the blocking accept at timeout T
--   emfile_child.lua cqueues-ebadf  no shortage: the server's descriptor
--                                   closed under it, under cqueues
local tls = require "tls"
local socket = require "socket"
local mode, timeout = arg[1], tonumber(arg[2])

-- loaded before tls.listen: the server's methods yield to cqueues then
local cqueues = mode ~= "blocking" and require "cqueues"
local cert, key = tls.selfsigned { names = { "localhost" } }
local ctx = assert(tls.context { mode = "server", certificate = cert, key = key })
local server = assert(tls.listen("127.0.0.1", 0, ctx))
local _, port = server:getsockname()
local loop = cqueues and cqueues.new()

local client = socket.tcp()
client:settimeout(2)
assert(client:connect("127.0.0.1", port))

local held = {}
-- The listening descriptor closed behind the server's back: accept(2)
-- fails with EBADF (or ENOTSOCK once the number is reused), no shortage.
if mode == "cqueues-ebadf" then
  local t = socket.tcp()
  t:close()
  t = socket.tcp()
  t:setfd(server:getfd())
  t:close()
end
while mode ~= "cqueues-ebadf" do
  local f = io.open("/dev/null")
  if not f then break end
  held[#held + 1] = f
end

local function report(conn, err, elapsed, extra, third)
  io.write(string.format("held=%d conn=%s err=%s elapsed=%.3f cpu=%.3f third=%s%s\n", #held, tostring(conn ~= nil),
    tostring(err), elapsed, os.clock(), tostring(third), extra or ""))
end

if mode == "blocking" then
  server:settimeout(timeout)
  local t0 = socket.gettime()
  local conn, err, third = server:accept()
  report(conn, err, socket.gettime() - t0, nil, third)
  os.exit(0)
end

local beats, freed = 0, false
local done
loop:wrap(function()
  local t0 = cqueues.monotime()
  local conn, err, third = server:accept()
  report(conn, err, cqueues.monotime() - t0, string.format(" beats=%d freed=%s", beats, tostring(freed)), third)
  done = true
end)
loop:wrap(function()
  while not done do
    cqueues.sleep(0.02)
    beats = beats + 1
  end
end)
if mode == "cqueues-free" then
  loop:wrap(function()
    cqueues.sleep(0.3)
    for i = 1, 5 do held[#held]:close(); held[#held] = nil end
    freed = true
  end)
end
assert(loop:loop(10))
if not done then io.write("accept never returned\n") end
