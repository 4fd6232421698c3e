-- harden21: hardening from a read-only API review (review_next20 items 3-6).
--  1. Key log files are opened once, checked on the open descriptor as
--     ticket key files are (util/tls_file.c, tls_file_open_private): no
--     symbolic link, a regular file, ours, no access for group or others;
--     each line goes to that descriptor, closed with the context.
--     SSLKEYLOGFILE naming such a file: a warning, no key log.
-- Planted bugs: mutate/mutations_harden21.lua.
local tls = require "tls"
local core = require "tls.core"
local CTXM = core.context_methods
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local child = require "spec.support.luachild"

local function sh(cmd)
   assert(os.execute(cmd), cmd)
end

local function is_root()
   local id = io.popen("id -u")
   local uid = tonumber(id:read("l"))
   id:close()
   return uid == 0
end

local function mode_of(path)
   return proc.run("stat -c %a " .. proc.quote(path)):match("%d+")
end

-- The descriptors this process holds open (counted by ls, whose pipe adds one each time).
local PID = (function()
   local f = assert(io.open("/proc/self/stat", "rb"))
   local pid = f:read("a"):match("^%d+")
   f:close()
   return pid
end)()
local function open_fds()
   local p = io.popen("ls /proc/" .. PID .. "/fd")
   local n = 0
   for _ in p:lines() do n = n + 1 end
   p:close()
   return n
end

describe("harden21: key log files", function()
   local dir
   before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      sh("mkdir -m 700 " .. proc.quote(dir))
   end)
   after_each(function() os.execute("rm -rf " .. proc.quote(dir)) end)

   local function keylog_ctx(path)
      return tls.context { verify = false, keylog = path }
   end

   it("creates a missing file with mode 0600 and writes the lines", function()
      local path = dir .. "/keys.log"
      E.connected({ keylog = path })
      assert.equal("600", mode_of(path))
      assert.equal(5, select(2, proc.read_file(path):gsub("\n", "")))
   end)

   it("refuses an existing file open to others or to the group, says chmod 600, writes nothing", function()
      for _, mode in ipairs { "644", "640", "604", "620" } do
         local path = dir .. "/keys" .. mode
         proc.write_file(path, "")
         sh("chmod " .. mode .. " " .. proc.quote(path))
         local ctx, err = keylog_ctx(path)
         assert.is_nil(ctx, mode)
         assert.equal(("keylog: %s is open to other users (mode 0%s): run chmod 600 on it"):format(path, mode), err)
         assert.equal("", proc.read_file(path))
         -- chmod 600 as told: accepted
         sh("chmod 600 " .. proc.quote(path))
         assert.truthy(keylog_ctx(path))
      end
   end)

   it("refuses a symbolic link, even to a good file, and a dangling one (nothing created)", function()
      local real, link = dir .. "/real", dir .. "/link"
      proc.write_file(real, "")
      sh("chmod 600 " .. proc.quote(real))
      assert.truthy(keylog_ctx(real))
      sh("ln -s " .. proc.quote(real) .. " " .. proc.quote(link))
      local ctx, err = keylog_ctx(link)
      assert.is_nil(ctx)
      assert.equal(("keylog: %s is a symbolic link: name the file itself"):format(link), err)
      local target, dangling = dir .. "/planted", dir .. "/dangling"
      sh("ln -s " .. proc.quote(target) .. " " .. proc.quote(dangling))
      ctx, err = keylog_ctx(dangling)
      assert.is_nil(ctx)
      assert.equal(("keylog: %s is a symbolic link: name the file itself"):format(dangling), err)
      assert.is_nil(io.open(target, "rb"), "the link's target was created")
   end)

   it("refuses a device, and a FIFO at once (no wait for a reader)", function()
      local ctx, err = keylog_ctx("/dev/null")
      assert.is_nil(ctx)
      assert.equal("keylog: /dev/null is not a regular file", err)
      local fifo = dir .. "/fifo"
      sh("mkfifo -m 600 " .. proc.quote(fifo))
      ctx, err = keylog_ctx(fifo)
      assert.is_nil(ctx)
      assert.equal(("keylog: %s is not a regular file"):format(fifo), err)
   end)

   it("refuses a file another user owns, mode 0600 or not (as root)", function()
      if not is_root() then
         pending("needs root to give a file to another user")
         return
      end
      local path = dir .. "/keys.log"
      proc.write_file(path, "")
      sh("chmod 600 " .. proc.quote(path))
      assert.truthy(keylog_ctx(path))
      sh("chown nobody " .. proc.quote(path))
      local ctx, err = keylog_ctx(path)
      assert.is_nil(ctx)
      assert.matches(("^keylog: %s belongs to user %%d+, not to this process's user 0: run chown on it")
         :format(path:gsub("%p", "%%%0")), err)
      assert.equal("", proc.read_file(path))
   end)

   it("keeps the checked file: one put at the name later (renamed, linked) gets no line", function()
      local path, moved, victim = dir .. "/keys.log", dir .. "/keys.old", dir .. "/victim"
      local cctx = assert(tls.context { ca = E.CERT, keylog = path })
      assert(os.rename(path, moved))
      proc.write_file(victim, "")
      sh("chmod 644 " .. proc.quote(victim))
      sh("ln -s " .. proc.quote(victim) .. " " .. proc.quote(path))
      local c = assert(tls.engine(cctx, { servername = "localhost" }))
      E.handshake(c, E.server_engine())
      assert.equal("", proc.read_file(victim))
      assert.equal(5, select(2, proc.read_file(moved):gsub("\n", "")))
   end)

   it("holds one descriptor per context, closed when the context is collected or the file replaced", function()
      collectgarbage()
      collectgarbage()
      local before = open_fds()
      local ctx = assert(keylog_ctx(dir .. "/a"))
      assert.equal(before + 1, open_fds())
      assert.is_true(CTXM.set_keylog(ctx, dir .. "/b"))
      assert.equal(before + 1, open_fds())
      -- a refused file keeps the one before
      sh("chmod 644 " .. proc.quote(dir .. "/a"))
      assert.is_nil(CTXM.set_keylog(ctx, dir .. "/a"))
      assert.equal(before + 1, open_fds())
      assert.is_true(CTXM.set_keylog(ctx, nil))
      assert.equal(before, open_fds())
      for _ = 1, 20 do assert(keylog_ctx(dir .. "/b")) end
      collectgarbage()
      collectgarbage()
      assert.equal(before, open_fds())
   end)

   it("SSLKEYLOGFILE naming a file open to others: the client connects, warns, and writes nothing", function()
      local path = dir .. "/env.log"
      proc.write_file(path, "")
      sh("chmod 644 " .. proc.quote(path))
      local ok, out = child.run([[
warn("@on")
local s = tls.engine(assert(tls.context { mode = "server", certificate = cert, key = key }))
local c = tls.engine(assert(tls.context { verify = false }))
assert(c:start())
for _ = 1, 10 do
  local o = c:output(); if #o > 0 then assert(s:feed(o)) end
  o = s:output(); if #o > 0 then assert(c:feed(o)) end
end
assert(c:status().handshake_done and s:status().handshake_done)
print("handshake done")
]], { cert = E.CERT, key = E.KEY }, "SSLKEYLOGFILE=" .. proc.quote(path))
      assert.is_true(ok, out)
      assert.truthy(out:find("handshake done", 1, true), out)
      assert.truthy(out:find(("tls: SSLKEYLOGFILE ignored: keylog: %s is open to other users (mode 0644): "
         .. "run chmod 600 on it"):format(path), 1, true), out)
      assert.equal("", proc.read_file(path))
   end)
end)
