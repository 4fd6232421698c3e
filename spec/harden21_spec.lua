-- harden21: hardening from a read-only API review (review_next20 items 3-6).
--  1. Key log files are opened once, checked on the open descriptor as
--     ticket key files are (util/tls_file.c, tls_file_open_private): no
--     symbolic link, a regular file, ours, no access for group or others;
--     each line goes to that descriptor, closed with the context.
--     SSLKEYLOGFILE naming such a file: a warning, no key log.
--  2. The internal setters cannot be swapped under lua/tls.lua: it copies
--     them as it loads, core.context_methods is read-only, the objects'
--     metatables are hidden (__metatable = false), add_method never
--     replaces a method, and core.ticketkeys_on_accept is set once.
--  3. Trust files (ca, crl) are read up to 64 MiB, not INT_MAX (since
--     files22 /dev/zero is refused as a device before that). A FIFO still
--     works (mend15).
--  4. tls.store.redis refuses a timeout above 60 seconds (math.huge: a
--     Redis that stops answering held every handshake for ever).
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

-- The descriptors this process holds open. Listed by a command whose
-- output goes to a file: a pipe from io.popen would be counted too, once or
-- twice (its other end is closed in this process after the child starts).
local PID = (function()
   local f = assert(io.open("/proc/self/stat", "rb"))
   local pid = f:read("a"):match("^%d+")
   f:close()
   return pid
end)()
local FD_LIST = os.tmpname()
local function open_fds()
   sh("ls /proc/" .. PID .. "/fd > " .. proc.quote(FD_LIST))
   return select(2, proc.read_file(FD_LIST):gsub("%d+", ""))
end

describe("harden21: key log files", function()
   local dir
   before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      sh("mkdir -m 700 " .. proc.quote(dir))
   end)
   after_each(function() os.execute("rm -rf " .. proc.quote(dir)) end)
   teardown(function() os.remove(FD_LIST) end)

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

describe("harden21: the internal setters and the objects' methods", function()
   local other_cert = assert(tls.selfsigned { names = { "localhost" } })
   local OTHER_PIN = "sha256/" .. assert(tls.certificate(other_cert)):pubkey().spki_sha256
   local OWN_PIN = "sha256/" .. assert(tls.certificate(E.CERT)):pubkey().spki_sha256

   local function pinned(pin)
      local c, s = E.engines({ pin = pin })
      assert(c:start())
      E.pump(c, s)
      return c
   end

   it("core.context_methods is read-only, and pairs() lists it without handing out the table behind", function()
      local ok, err = pcall(function() CTXM.add_pin = function() return true end end)
      assert.is_false(ok)
      assert.matches("tls.core.context_methods is read-only", err, 1, true)
      assert.is_function(CTXM.add_pin)
      local n = 0
      for name, fn in pairs(CTXM) do
         n = n + 1
         assert.is_function(fn, name)
      end
      assert.is_true(n >= 30)
      local _, state = pairs(CTXM)
      assert.equal(CTXM, state)
      assert.is_false(getmetatable(CTXM))
   end)

   it("a setter put in its place anyway (rawset) changes no later tls.context: a pin still pins", function()
      assert.is_true(pinned(OWN_PIN):status().handshake_done)
      local saved = CTXM.add_pin
      rawset(CTXM, "add_pin", function() return true end)
      local ok, c = pcall(pinned, OTHER_PIN)
      rawset(CTXM, "add_pin", nil)
      assert.is_true(ok, c)
      assert.equal(saved, CTXM.add_pin)
      assert.is_false(c:status().handshake_done)
      assert.matches("public key pin mismatch", tostring(c:error()), 1, true)
   end)

   it("getmetatable() hides the metatables of contexts, connections, engines, servers and certificates", function()
      local ctx = assert(tls.context {})
      local server = assert(tls.listen("127.0.0.1", 0, E.server_ctx()))
      local _, port = server:getsockname()
      local conn = assert(tls.wrap(assert(require("socket").connect("127.0.0.1", port)), ctx,
         { servername = "localhost" }))
      local c, s = E.connected()
      for what, obj in pairs { context = ctx, server = server, conn = conn, client_engine = c, server_engine = s,
                               certificate = assert(tls.certificate(E.CERT)) } do
         assert.is_false(getmetatable(obj), what)
      end
      conn:close()
      server:close()
      local ok = pcall(function() getmetatable(ctx).__index.check = function() return true end end)
      assert.is_false(ok)
      assert.is_function(ctx.check)
      assert.equal("client", ctx:mode())
   end)

   it("add_method never replaces a method, nor makes a raw setter one", function()
      local ctx = assert(tls.context {})
      assert.is_false(CTXM.add_method("check", function() return true end))
      assert.is_false(CTXM.add_method("setticketkeys", function() return true end))
      assert.is_false(CTXM.add_method("mode", function() return "server" end))
      assert.equal("client", ctx:mode())
      -- a raw setter never becomes a method (api20)
      assert.is_false(CTXM.add_method("set_verify", CTXM.set_verify))
      assert.is_false(CTXM.add_method("load_crl", CTXM.load_crl))
      assert.is_nil(ctx.set_verify)
      assert.is_nil(ctx.load_crl)
      local sctx = E.server_ctx()
      local ok, err = sctx:setticketkeys { "short" }
      assert.is_nil(ok)
      assert.is_string(err)
   end)

   it("core.ticketkeys_on_accept is set once: a second call raises, and key files are still reloaded", function()
      local tk = require "tls.ticketkeys"
      local ok, err = pcall(core.ticketkeys_on_accept, function() end)
      assert.is_false(ok)
      assert.matches("tls.core.ticketkeys_on_accept: set already", err, 1, true)
      local dir = os.tmpname()
      os.remove(dir)
      sh("mkdir -m 700 " .. proc.quote(dir))
      local path = dir .. "/keys"
      assert(tk.rotate(path))
      local first = assert(tk.read(path))
      local ctx = E.server_ctx { ticket_keys = path }
      local recheck = tk.recheck
      tk.recheck = 0
      assert(tk.rotate(path))
      local second = assert(tk.read(path))
      assert(tls.engine(ctx))
      tk.recheck = recheck
      os.execute("rm -rf " .. proc.quote(dir))
      assert.same({ tk.name(second[1]), tk.name(first[1]) }, ctx:ticketkeynames())
   end)
end)

describe("harden21: trust files are capped at 64 MiB", function()
   local MiB = 1024 * 1024
   local dir
   before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      sh("mkdir -m 700 " .. proc.quote(dir))
   end)
   after_each(function() os.execute("rm -rf " .. proc.quote(dir)) end)

   local function too_large(what, path)
      return ("%s: %s is larger than 64 MiB, which no CA bundle or CRL is (a bundle of every public CA is "
         .. "about 200 KiB): is it the right file?"):format(what, path)
   end

   -- Sparse files: no disk used, and no memory either in the reader beyond
   -- the limit.
   it("a ca or crl file of 64 MiB and one byte is refused as too large, one of 64 MiB is read", function()
      local big, fits = dir .. "/big.pem", dir .. "/fits.pem"
      sh(("truncate -s %d %s"):format(64 * MiB + 1, proc.quote(big)))
      sh(("truncate -s %d %s"):format(64 * MiB, proc.quote(fits)))
      local ctx, err = tls.context { ca = big }
      assert.is_nil(ctx)
      assert.equal(too_large("ca", big), err)
      ctx, err = tls.context { ca = E.CERT, crl = big }
      assert.is_nil(ctx)
      assert.equal(too_large("crl", big), err)
      -- read to its end, then refused for what it holds
      ctx, err = tls.context { ca = fits }
      assert.is_nil(ctx)
      assert.is_nil(err:find("larger than", 1, true), err)
      assert.truthy(err:find(fits, 1, true), err)
   end)

   -- Since files22 a device is refused before any byte is read (it was
   -- refused after 64 MiB).
   it("/dev/zero as ca or crl is refused as a device, before it is read", function()
      local ctx, err = tls.context { ca = "/dev/zero" }
      assert.is_nil(ctx)
      assert.equal("ca: /dev/zero is a character device: name a file", err)
      ctx, err = tls.context { ca = E.CERT, crl = "/dev/zero" }
      assert.is_nil(ctx)
      assert.equal("crl: /dev/zero is a character device: name a file", err)
   end)
end)

describe("harden21: tls.store.redis's timeout", function()
   local store = require "tls.store"

   it("refuses math.huge and anything above 60 seconds, takes 60", function()
      for _, t in ipairs { math.huge, 61, 60.5, 1e300 } do
         local ok, err = pcall(store.redis, { timeout = t })
         assert.is_false(ok, tostring(t))
         assert.matches("tls.store.redis: option 'timeout' must be at most 60 seconds (got " .. tostring(t)
            .. "): a Redis that stops answering holds every handshake that long", err, 1, true)
      end
      assert.is_table(store.redis { timeout = 60 })
      assert.is_table(store.redis { timeout = 0.25 })
   end)

   it("still refuses NaN, 0, negative and non-numbers", function()
      for _, t in ipairs { 0 / 0, 0, -1, -math.huge, "1" } do
         local ok, err = pcall(store.redis, { timeout = t })
         assert.is_false(ok, tostring(t))
         assert.matches("tls.store.redis: option 'timeout' must be a number of seconds > 0", err, 1, true)
      end
   end)
end)
