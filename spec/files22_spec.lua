-- Session 22, files22: files named by the options of tls.context.
--  1. 'certificate', 'key' (and those of 'certificates'), 'ocsp' (a path),
--     'ca' and 'crl' files are opened once and checked on the descriptor
--     (util/tls_file.c, tls_file_read): a regular file, or a FIFO read to its
--     end as ca/crl always were (a symbolic link to one is followed); a
--     directory or a device is refused before any byte is read, an empty
--     file is named as such. Certificate and key files are read up to 4 MiB
--     (ca/crl 64 MiB, ocsp the 65531 bytes of the extension).
--  2. A key file every user can read (mode o+r) is loaded with a warning.
--  3. A server's 'ocsp' response that is not about its first pair's
--     certificate is never stapled (ocsp21): a warning once, at tls.context.
--  4. Lua's "is it a file?" checks (a client's 'ocsp', the drop-in's
--     cafile/capath) no longer open the file: a FIFO made them wait for a
--     writer, then lose it.
-- Planted bugs: mutate/mutations_files22.lua.
local tls = require "tls"
local proc = require "spec.support.proc"
local E = require "spec.support.engines"

local MiB = 1024 * 1024

local function sh(cmd)
   assert(os.execute(cmd), cmd)
end

-- The warnings tls.lua emits while fn runs (it calls the global warn).
local function warnings(fn)
   local seen, saved = {}, _G.warn
   _G.warn = function(...)
      -- strings only, as Lua's warn demands (a number would raise there)
      for i = 1, select("#", ...) do assert(type((select(i, ...))) == "string", "warn given a non-string") end
      seen[#seen + 1] = table.concat({ ... })
   end
   local ok, err = pcall(fn)
   _G.warn = saved
   assert(ok, err)
   return seen
end

describe("files22: certificate, key and ocsp files", function()
   local dir, cert, key
   before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      sh("mkdir -m 700 " .. proc.quote(dir))
      cert, key = dir .. "/cert.pem", dir .. "/key.pem"
      proc.write_file(cert, E.CERT)
      proc.write_file(key, E.KEY)
      sh("chmod 600 " .. proc.quote(key))
   end)
   after_each(function()
      proc.kill_all()
      os.execute("rm -rf " .. proc.quote(dir))
   end)

   local function server(c, k, extra)
      local o = { mode = "server", certificate = c, key = k }
      for name, v in pairs(extra or {}) do o[name] = v end
      return tls.context(o)
   end

   -- Each option with the given path, in turn; the others good.
   local function each_option(path, fn)
      fn("certificate", server(path, key))
      fn("key", server(cert, path))
      fn("certificates[1].certificate", tls.context { mode = "server",
         certificates = { { certificate = path, key = key } } })
      fn("certificates[1].key", tls.context { mode = "server",
         certificates = { { certificate = cert, key = path } } })
   end

   it("takes regular files, and a symbolic link to one", function()
      assert.truthy(server(cert, key))
      local lc, lk = dir .. "/lc", dir .. "/lk"
      sh(("ln -s %s %s && ln -s %s %s"):format(proc.quote(cert), proc.quote(lc), proc.quote(key), proc.quote(lk)))
      local s = assert(server(lc, lk))
      local c = assert(tls.engine(assert(tls.context { verify = false }), { servername = "localhost" }))
      local se = assert(tls.engine(s))
      assert(c:start())
      E.pump(c, se)
      assert.is_true(c:status().handshake_done, tostring(c:error()))
   end)

   it("refuses a directory, naming the option and the path", function()
      each_option(dir, function(option, ctx, err)
         assert.is_nil(ctx, option)
         local what = option:match("[%w_]+$")
         assert.equal(("option '%s': %s: %s is a directory: name a file in it"):format(option, what, dir)
            :gsub("^option '([%w_]+)': %1:", "%1:"), err)
      end)
   end)

   it("refuses a device before reading it (/dev/zero, /dev/null)", function()
      for _, dev in ipairs { "/dev/zero", "/dev/null" } do
         each_option(dev, function(option, ctx, err)
            assert.is_nil(ctx, option)
            assert.truthy(err:find(("%s is a character device: name a file"):format(dev), 1, true), err)
            assert.truthy(err:find(option, 1, true), err)
         end)
      end
   end)

   it("says a missing file cannot be read", function()
      local missing = dir .. "/missing.pem"
      each_option(missing, function(option, ctx, err)
         assert.is_nil(ctx, option)
         assert.truthy(err:find(("cannot read %s: No such file or directory"):format(missing), 1, true), err)
      end)
   end)

   it("names an empty file as empty", function()
      local empty = dir .. "/empty.pem"
      proc.write_file(empty, "")
      assert.same({ nil, ("certificate: %s is empty"):format(empty) }, { server(empty, key) })
      assert.same({ nil, ("key: %s is empty"):format(empty) }, { server(cert, empty) })
      assert.same({ nil, ("option 'certificates[1].key': key: %s is empty"):format(empty) },
         { tls.context { mode = "server", certificates = { { certificate = cert, key = empty } } } })
   end)

   -- Sparse files: no disk used.
   it("refuses a file of 4 MiB and one byte as too large, reads one of 4 MiB", function()
      local big, fits = dir .. "/big", dir .. "/fits"
      sh(("truncate -s %d %s"):format(4 * MiB + 1, proc.quote(big)))
      sh(("truncate -s %d %s"):format(4 * MiB, proc.quote(fits)))
      local function too_large(what, path)
         return ("%s: %s is larger than 4 MiB, which no certificate chain or private key is: is it the right "
            .. "file?"):format(what, path)
      end
      assert.same({ nil, too_large("certificate", big) }, { server(big, key) })
      assert.same({ nil, too_large("key", big) }, { server(cert, big) })
      -- read to its end, then refused for what it holds
      assert.same({ nil, ("certificate: no certificate found in %s"):format(fits) }, { server(fits, key) })
      local _, err = server(cert, fits)
      assert.truthy(err:find("key: no private key found in " .. fits, 1, true), err)
      -- a certificate after 4 MiB of blank lines is still a certificate file
      local padded = dir .. "/padded.pem"
      proc.write_file(padded, ("\n"):rep(4 * MiB - #E.CERT) .. E.CERT)
      assert.truthy(server(padded, key))
   end)

   it("reads a certificate and a key from pipes (FIFOs), as ca and crl", function()
      local PROGRAM = [[
local tls = require "tls"
local ctx, err = tls.context { mode = "server", certificate = arg[1], key = arg[2] }
print(ctx and "ok" or ("failed: " .. tostring(err)))
]]
      local fc, fk, script = dir .. "/fc", dir .. "/fk", dir .. "/prog.lua"
      sh(("mkfifo -m 600 %s %s"):format(proc.quote(fc), proc.quote(fk)))
      proc.write_file(script, PROGRAM)
      local w1 = proc.spawn(("cat %s > %s"):format(proc.quote(cert), proc.quote(fc)), { timeout = 20 })
      local w2 = proc.spawn(("cat %s > %s"):format(proc.quote(key), proc.quote(fk)), { timeout = 20 })
      local out = proc.run(("%s %s %s %s %s"):format(proc.lua_env(), proc.lua(), proc.quote(script),
         proc.quote(fc), proc.quote(fk)), nil, 8, { ours = true })
      w1:kill()
      w2:kill()
      assert.equal("ok\n", out)
   end)

   it("checks a server's ocsp file as the others", function()
      local o = require("spec.support.certs_ocsp").get()
      local function staple(path)
         return tls.context { mode = "server", certificate = o.good.chain, key = o.good.key, ocsp = path }
      end
      local link = dir .. "/ocsp.der"
      sh(("ln -s %s %s"):format(proc.quote(o.resp.good), proc.quote(link)))
      assert.truthy(staple(link))
      assert.same({ nil, ("ocsp: %s is a directory: name a file in it"):format(dir) }, { staple(dir) })
      assert.same({ nil, "ocsp: /dev/zero is a character device: name a file" }, { staple("/dev/zero") })
      local empty = dir .. "/empty.der"
      proc.write_file(empty, "")
      assert.same({ nil, ("ocsp: %s is empty"):format(empty) }, { staple(empty) })
      local _, err = staple(dir .. "/missing.der")
      assert.truthy(err:find("ocsp: cannot read " .. dir .. "/missing.der", 1, true), err)
      local big = dir .. "/big.der"
      sh(("truncate -s %d %s"):format(65532, proc.quote(big)))
      _, err = staple(big)
      assert.truthy(err:find("is larger than the 65531 bytes", 1, true), err)
   end)

   it("refuses a crl directory, and a ca device", function()
      assert.same({ nil, ("crl: %s is a directory: name a file in it"):format(dir) },
         { tls.context { ca = E.CERT, crl = dir } })
      assert.same({ nil, "ca: /dev/null is a character device: name a file" }, { tls.context { ca = "/dev/null" } })
   end)
end)

describe("files22: a key file every user can read", function()
   local dir, cert, key
   before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      sh("mkdir -m 700 " .. proc.quote(dir))
      cert, key = dir .. "/cert.pem", dir .. "/key.pem"
      proc.write_file(cert, E.CERT)
      proc.write_file(key, E.KEY)
   end)
   after_each(function() os.execute("rm -rf " .. proc.quote(dir)) end)

   it("is loaded with a warning naming the option, the file and chmod; 0640 and 0600 without", function()
      for _, mode in ipairs { "644", "604" } do
         sh("chmod " .. mode .. " " .. proc.quote(key))
         local seen = warnings(function()
            assert.truthy(tls.context { mode = "server", certificate = cert, key = key })
         end)
         assert.same({ ("tls: option 'key': %s can be read by every user (mode 0%s): run chmod 600 on it (or 640 "
            .. "and a group of its readers)"):format(key, mode) }, seen)
         seen = warnings(function()
            assert.truthy(tls.context { mode = "server", certificates = { { certificate = cert, key = key } } })
         end)
         assert.equal(1, #seen)
         assert.truthy(seen[1]:find("tls: option 'certificates[1].key': " .. key, 1, true), seen[1])
      end
      for _, mode in ipairs { "640", "600", "400" } do
         sh("chmod " .. mode .. " " .. proc.quote(key))
         assert.same({}, warnings(function()
            assert.truthy(tls.context { mode = "server", certificate = cert, key = key })
         end))
      end
      -- PEM text: no file, no warning
      assert.same({}, warnings(function()
         assert.truthy(tls.context { mode = "server", certificate = E.CERT, key = E.KEY })
      end))
   end)

   it("warns about a key file every user can change (another key put in its place), and escapes the path", function()
      for mode, how in pairs { ["622"] = "changed", ["602"] = "changed", ["666"] = "read and changed" } do
         sh("chmod " .. mode .. " " .. proc.quote(key))
         local seen = warnings(function()
            assert.truthy(tls.context { mode = "server", certificate = cert, key = key })
         end)
         assert.same({ ("tls: option 'key': %s can be %s by every user (mode 0%s): run chmod 600 on it (or 640 "
            .. "and a group of its readers)"):format(key, how, mode) }, seen)
      end
      sh("chmod 620 " .. proc.quote(key))
      assert.same({}, warnings(function()
         assert.truthy(tls.context { mode = "server", certificate = cert, key = key })
      end))
      -- a name with a terminal escape and a newline in it
      local odd = dir .. "/k\27]0;x\7\n.pem"
      sh("cp " .. proc.quote(key) .. " " .. proc.quote(odd) .. " && chmod 644 " .. proc.quote(odd))
      local seen = warnings(function()
         assert.truthy(tls.context { mode = "server", certificate = cert, key = odd })
      end)
      assert.same({ ("tls: option 'key': %s/k\\x1B]0;x\\x07\\x0A.pem can be read by every user (mode 0644): run "
         .. "chmod 600 on it (or 640 and a group of its readers)"):format(dir) }, seen)
   end)
end)

describe("files22: a server's ocsp response about another certificate", function()
   local o = require("spec.support.certs_ocsp").get()

   it("warns once, at tls.context, that it is never stapled; a response about the certificate does not", function()
      for _, ocsp in ipairs { o.resp.not_good, o.der.not_good } do
         local ctx
         local seen = warnings(function()
            ctx = assert(tls.context { mode = "server", certificate = o.good.chain, key = o.good.key, ocsp = ocsp })
         end)
         assert.same({ "tls: option 'ocsp': the OCSP response is not about the certificate sent (serial 1001): "
            .. "it is never stapled (a client that insists on OCSP would fail)" }, seen)
         -- handshakes add none
         seen = warnings(function()
            for _ = 1, 2 do
               local c = assert(tls.engine(assert(tls.context { ca = o.ca, ocsp = true }),
                  { servername = "localhost" }))
               local s = assert(tls.engine(ctx))
               assert(c:start())
               E.pump(c, s)
               assert.is_true(c:status().handshake_done, tostring(c:error()))
               assert.equal("none", c:info().ocsp.status)
            end
         end)
         assert.same({}, seen)
      end
      assert.same({}, warnings(function()
         assert.truthy(tls.context { mode = "server", certificate = o.good.chain, key = o.good.key, ocsp = o.resp.good })
      end))
   end)
end)

describe("files22: Lua's file checks open no FIFO", function()
   local dir
   before_each(function()
      dir = os.tmpname()
      os.remove(dir)
      sh("mkdir -m 700 " .. proc.quote(dir))
   end)
   after_each(function()
      proc.kill_all()
      os.execute("rm -rf " .. proc.quote(dir))
   end)

   -- A child interpreter: a client with ocsp = <fifo>, and a drop-in server
   -- without 'peer' with cafile = <fifo> (which LuaSec leaves unused: only
   -- checked to exist). No one writes to the FIFOs: opening one would wait.
   local PROGRAM = [[
local tls = require "tls"
local ctx, err = tls.context { ocsp = arg[1] }
print(ctx and "client ok" or err)
local ssl = require("tls.luasec")
local lctx, lerr = ssl.newcontext { mode = "server", protocol = "any", certificate = arg[3], key = arg[4],
   cafile = arg[2] }
print(lctx and "cafile ok" or lerr)
]]

   it("a client's 'ocsp' naming a FIFO is refused as a server's setting; the drop-in takes a FIFO cafile", function()
      local fo, fca, script = dir .. "/fo", dir .. "/fca", dir .. "/prog.lua"
      local cert, key = dir .. "/cert.pem", dir .. "/key.pem"
      sh(("mkfifo -m 600 %s %s"):format(proc.quote(fo), proc.quote(fca)))
      proc.write_file(script, PROGRAM)
      proc.write_file(cert, E.CERT)
      proc.write_file(key, E.KEY)
      sh("chmod 600 " .. proc.quote(key))
      local out = proc.run(("%s %s %s %s %s %s %s"):format(proc.lua_env(), proc.lua(), proc.quote(script),
         proc.quote(fo), proc.quote(fca), proc.quote(cert), proc.quote(key)), nil, 8, { ours = true })
      assert.equal(("option 'ocsp': a file (%q) is a server's setting (the OCSP response it staples); on a client "
         .. "'ocsp' is true (ask for a stapled OCSP response), \"require\" (and insist on a good one) or false\n")
         :format(fo) .. "cafile ok\n", out)
   end)
end)

describe("files22: accepted 0-RTT data never read, the connection collected without close()", function()
   local child = require "spec.support.luachild"
   local PRELUDE = [[
warn("@on")
local E = require "spec.support.engines"
local data = {}
local st = { get = function(id) return data[id] end, put = function(id, b) data[id] = b end,
   delete = function(id) local had = data[id] ~= nil; data[id] = nil; return had end }
local sctx = E.server_ctx { early_data = true, session_store = st }
local cctx = assert(tls.context { ca = E.CERT, early_data = true })
local session = E.first_session(cctx, sctx)
]]

   it("is a Lua warning from an engine's finalizer, once, and none after e:close()", function()
      local ok, out = child.run(PRELUDE .. [[
local c, s = E.resume(cctx, sctx, session, "GET /lost")
print("early_data=" .. tostring(s:info().early_data))
c, s = nil, nil
collectgarbage()
collectgarbage()
print("collected")
c, s = E.resume(cctx, sctx, E.first_session(cctx, sctx), "GET /lost")
s:close()
s = nil
collectgarbage()
collectgarbage()
print("done")
]])
      assert.is_true(ok, out)
      assert.truthy(out:find("early_data=accepted\n", 1, true), out)
      local warning = "Lua warning: tls: closed with 9 bytes of accepted 0-RTT data never read (e:read_early(); "
         .. "the engine was dropped without e:close()): the client was told they were delivered\n"
      local at = out:find(warning, 1, true)
      assert.truthy(at, out)
      assert.truthy(at < out:find("collected\n", 1, true), out)
      -- e:close() warns in its own words, the finalizer after it not again
      assert.equal(1, select(2, out:gsub("the engine was dropped", "")), out)
      assert.equal(2, select(2, out:gsub("never read", "")), out)
   end)

   it("is a Lua warning from a connection's finalizer (no trace call from it)", function()
      local ok, out = child.run(PRELUDE .. [[
local socket = require "socket"
local traced = 0
local tctx = E.server_ctx { early_data = true, session_store = st, trace = function() traced = traced + 1 end }
session = E.first_session(cctx, tctx)
local listener = assert(socket.bind("127.0.0.1", 0))
local host, port = listener:getsockname()
local raw = assert(socket.connect(host, port))
local conn = assert(tls.wrap(assert(listener:accept()), tctx))
conn:settimeout(0)
local c = assert(tls.engine(cctx, { servername = "localhost", session = session, early_data = "GET /lost" }))
assert(c:start())
assert(raw:send(c:output()))
for _ = 1, 100 do
   local done, why = conn:handshake()
   if done then break end
   assert(why == "wantread" or why == "wantwrite" or why == "timeout", why)
   raw:settimeout(0.05)
   local got, _, part = raw:receive(65536)
   got = got or part
   if got and #got > 0 then assert(c:feed(got)); local o = c:output(); if #o > 0 then assert(raw:send(o)) end end
end
print("handshake " .. tostring(conn:info().early_data))
local before = traced
conn = nil
collectgarbage()
collectgarbage()
print("collected, traced " .. (traced - before))
]])
      assert.is_true(ok, out)
      assert.truthy(out:find("handshake accepted\n", 1, true), out)
      assert.truthy(out:find("Lua warning: tls: closed with 9 bytes of accepted 0-RTT data never read "
         .. "(conn:receive_early(); the connection was collected without close()): the client was told they "
         .. "were delivered\n", 1, true), out)
      assert.truthy(out:find("collected, traced 0\n", 1, true), out)
   end)
end)
