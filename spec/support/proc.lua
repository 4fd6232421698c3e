-- Process helpers for the interop specs: start a peer in the background, wait
-- until it is ready, run a command with a time limit, and stop everything at
-- teardown so no process or port outlives the test.
local socket = require "socket"

local proc = {}

-- Every background process started through proc.spawn, so that
-- proc.kill_all() (called from after_each) can stop what a failed test left.
local running = {}

function proc.quote(s)
   return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

function proc.sleep(seconds)
   socket.sleep(seconds)
end

function proc.read_file(path)
   local f = io.open(path, "rb")
   if not f then return "" end
   local data = f:read("a")
   f:close()
   return data
end

function proc.write_file(path, data)
   local f = assert(io.open(path, "wb"))
   f:write(data)
   f:close()
end

-- A fresh temporary file name (the file itself is created empty).
function proc.tmpname()
   return os.tmpname()
end

-- A new empty directory (mode 700) under a name from os.tmpname(): the
-- run's clean-up (spec/support/tmpfiles.lua) removes it even when the test
-- that made it fails before its own rm -rf.
function proc.tmpdir()
   local dir = os.tmpname()
   os.remove(dir)
   assert(os.execute("mkdir -m 700 " .. proc.quote(dir)), "mkdir " .. dir)
   return dir
end

-- The environment a child Lua process needs to load our module from this tree.
function proc.lua_env()
   return "LUA_PATH=" .. proc.quote(package.path) .. " LUA_CPATH=" .. proc.quote(package.cpath)
end

-- The Lua interpreter running us (busted --lua=lua5.4 re-executes itself).
function proc.lua()
   local i, exe = -1, nil
   while arg and arg[i] do exe = arg[i]; i = i - 1 end
   if exe and exe:match("lua") and not exe:match("busted") then return exe end
   return "lua5.4"
end

-- `make test-asan` preloads the ASan runtime into everything it starts;
-- only our own Lua processes (opts.ours) should keep it, not openssl,
-- gnutls or python.
function proc.env_for(cmd, opts)
   if opts.ours then return cmd end
   return "unset LD_PRELOAD; " .. cmd
end

-- Starts `cmd` (a shell command) in the background with a hard time limit.
-- Its stdout and stderr go to a log file; its stdin comes from opts.stdin
-- (a file) or /dev/null. Returns a handle with .pid, .log, :output(), :kill().
-- The process is a child of a popen'ed shell that execs into it, so
-- closing the popen handle reaps it: no zombies left behind.
function proc.spawn(cmd, opts)
   opts = opts or {}
   local log = os.tmpname()
   local limit = opts.timeout or 60
   local stdin = opts.stdin and proc.quote(opts.stdin) or "/dev/null"
   local shell = string.format("echo $$; exec timeout -k 2 %d sh -c %s <%s >%s 2>&1",
      limit, proc.quote(proc.env_for(cmd, opts)), stdin, proc.quote(log))
   local pipe = assert(io.popen(shell, "r"))
   local pid = tonumber(pipe:read("l"))
   assert(pid, "could not start: " .. cmd)
   local handle = { pid = pid, log = log, cmd = cmd, pipe = pipe }

   function handle:output()
      return proc.read_file(self.log)
   end

   function handle:alive()
      if not self.pipe then return false end
      -- A zombie still has /proc/<pid>; its state letter (after the
      -- parenthesised command name) is Z.
      local stat = proc.read_file("/proc/" .. self.pid .. "/stat")
      local state = stat:match("%) (%a)")
      return state ~= nil and state ~= "Z"
   end

   -- Waits (up to `seconds`) for the process to end by itself.
   function handle:wait(seconds)
      local deadline = socket.gettime() + (seconds or 10)
      while self:alive() and socket.gettime() < deadline do socket.sleep(0.02) end
      return not self:alive()
   end

   function handle:kill()
      if not self.pipe then return end
      -- timeout(1) runs the command in its own process group and forwards
      -- the signal to it; SIGKILL to the group if it does not go quietly.
      os.execute("kill -TERM " .. self.pid .. " 2>/dev/null")
      if not self:wait(3) then
         os.execute("kill -KILL -" .. self.pid .. " " .. self.pid .. " 2>/dev/null")
      end
      self.pipe:close()  -- reaps
      self.pipe = nil
      running[self] = nil
      os.remove(self.log)
   end

   running[handle] = true
   return handle
end

function proc.kill_all()
   for handle in pairs(running) do handle:kill() end
end

-- Runs `cmd` to completion (at most `limit` seconds, default 20), with
-- stdin from the string `input` (or /dev/null). Returns its combined
-- stdout+stderr and its exit code. opts.ours: the command runs our module
-- (under `make test-asan` it keeps the preloaded ASan runtime).
function proc.run(cmd, input, limit, opts)
   local infile
   if input then
      infile = os.tmpname()
      proc.write_file(infile, input)
   end
   local shell = string.format("timeout -k 2 %d sh -c %s <%s 2>&1",
      limit or 20, proc.quote(proc.env_for(cmd, opts or {})), infile and proc.quote(infile) or "/dev/null")
   local pipe = assert(io.popen(shell, "r"))
   local out = pipe:read("a")
   local _, _, code = pipe:close()
   if infile then os.remove(infile) end
   return out, code
end

-- Runs the shell command cmd to completion, however long it takes (a build,
-- a replay of every fuzz input); returns its exit code and its combined
-- stdout+stderr.
function proc.capture(cmd)
   local p = assert(io.popen(cmd .. " 2>&1", "r"))
   local out = p:read("a")
   local _, _, code = p:close()
   return code, out
end

-- A port that is free right now on `host` (the kernel picks it).
function proc.free_port(host)
   host = host or "127.0.0.1"
   local s = host:find(":") and assert(socket.tcp6()) or assert(socket.tcp())
   s:setoption("reuseaddr", true)
   assert(s:bind(host, 0))
   local _, port = s:getsockname()
   s:close()
   return tonumber(port)
end

-- Waits until something accepts TCP connections on host:port.
function proc.wait_port(host, port, seconds, handle)
   local deadline = socket.gettime() + (seconds or 10)
   while socket.gettime() < deadline do
      local s = host:find(":") and socket.tcp6() or socket.tcp()
      s:settimeout(0.5)
      local ok = s:connect(host, port)
      s:close()
      if ok then return true end
      if handle and not handle:alive() then
         error("peer exited before listening: " .. handle.cmd .. "\n" .. handle:output())
      end
      socket.sleep(0.05)
   end
   error(string.format("nothing listening on %s port %d after %ds%s", host, port, seconds or 10,
      handle and ("\n" .. handle:output()) or ""))
end

-- Waits until a socket listens on TCP `port` (any address, IPv4 or 6),
-- seen in /proc/net/tcp and tcp6 without connecting: for a peer that
-- serves a fixed number of clients, which a probe would count as one.
function proc.wait_listening(port, seconds, handle)
   local want = string.format(":%04X", port)
   local deadline = socket.gettime() + (seconds or 10)
   while socket.gettime() < deadline do
      -- (a dual-stack socket on :: shows in tcp6 only)
      for line in (proc.read_file("/proc/net/tcp") .. proc.read_file("/proc/net/tcp6")):gmatch("[^\n]+") do
         -- sl local_address rem_address st: state 0A is LISTEN
         local lport, st = line:match("^%s*%d+: %x+(:%x+) %x+:%x+ (%x%x)")
         if lport == want and st == "0A" then return true end
      end
      if handle and not handle:alive() then
         error("peer exited before listening: " .. handle.cmd .. "\n" .. handle:output())
      end
      socket.sleep(0.02)
   end
   error(string.format("nothing listening on port %d after %ds%s", port, seconds or 10,
      handle and ("\n" .. handle:output()) or ""))
end

-- Waits until the handle's log matches `pattern`; returns the captures.
function proc.wait_output(handle, pattern, seconds)
   local deadline = socket.gettime() + (seconds or 10)
   while socket.gettime() < deadline do
      local caps = { handle:output():match(pattern) }
      if caps[1] then return table.unpack(caps) end
      if not handle:alive() then break end
      socket.sleep(0.02)
   end
   local caps = { handle:output():match(pattern) }
   if caps[1] then return table.unpack(caps) end
   error(string.format("no %q in the output of %s:\n%s", pattern, handle.cmd, handle:output()))
end

-- True if the program can be found on PATH.
function proc.have(program)
   local ok = os.execute("command -v " .. proc.quote(program) .. " >/dev/null 2>&1")
   return ok == true or ok == 0
end

return proc
