-- Session 20, the lead's misuse probes: a password with nothing to open,
-- and option values shown so that "" and "100" are told from nothing and
-- from the number 100.
local tls = require "tls"
local certs = require "spec.support.certs"
local proc = require "spec.support.proc"

local PASSWORD_ALONE = "option 'password' decrypts 'key', which is not given (a pair in 'certificates' takes "
   .. "its own 'password')"

describe("lead20: a password needs a key to open", function()
   local leaf = certs.get().leaf.ecdsa_p256

   it("is refused on a client with no key (it was taken and never used)", function()
      assert.same({ nil, PASSWORD_ALONE }, { tls.context { password = "s3cret" } })
      assert.same({ nil, PASSWORD_ALONE }, { tls.context { password = "" } })
   end)

   it("is refused beside 'certificates', whose pairs carry their own", function()
      assert.same({ nil, PASSWORD_ALONE }, { tls.context { mode = "server", password = "s3cret",
         certificates = { { certificate = leaf.cert, key = leaf.key } } } })
   end)

   it("still opens an encrypted key, in 'key' and in a pair of 'certificates'", function()
      local enc = proc.tmpname()
      certs.encrypt_key(leaf.key, enc, "s3cret")
      assert.truthy(tls.context { mode = "server", certificate = leaf.cert, key = enc, password = "s3cret" })
      assert.truthy(tls.context { mode = "server",
         certificates = { { certificate = leaf.cert, key = enc, password = "s3cret" } } })
      os.remove(enc)
   end)

   it("the LuaSec drop-in keeps LuaSec's leniency: a password without a key is not used", function()
      local ssl = require "tls.luasec"
      assert.truthy(ssl.newcontext { mode = "client", protocol = "any", verify = "none", password = "x" })
      assert.truthy(ssl.newcontext { mode = "client", protocol = "any", verify = "none",
         password = function() return "x" end })
   end)

   it("tls.https does not hand a lone password to the context when the pairs are in 'certificates'", function()
      local https = require "tls.https"
      local m = certs.clients()
      -- Nothing listens on port 1: the request fails on connecting, after
      -- the context was made.
      local body, err = https.request { url = "https://127.0.0.1:1/", password = "s3cret",
         certificates = { { certificate = m.ecdsa.cert, key = m.ecdsa.key } }, timeout = 5 }
      assert.is_nil(body)
      assert.is_nil(tostring(err):find("password", 1, true), err)
   end)
end)

describe("lead20: option values in messages", function()
   it("show a string quoted", function()
      assert.same({ nil, "option 'min_version' must be \"TLSv1.2\" or \"TLSv1.3\" (got \"\")" },
         { tls.context { min_version = "" } })
      assert.same({ nil, "option 'mode' must be \"client\" or \"server\" (got \"Server\")" },
         { tls.context { mode = "Server" } })
      assert.same({ nil, "option 'record_size_limit' must be an integer from 64 to 16385 (got \"100\")" },
         { tls.context { record_size_limit = "100" } })
   end)

   it("show numbers and NaN as before", function()
      assert.same({ nil, "option 'max_version' must be \"TLSv1.2\" or \"TLSv1.3\" (got 1.3)" },
         { tls.context { max_version = 1.3 } })
      assert.same({ nil, "option 'security_level' must be an integer from 0 to 5 (got NaN)" },
         { tls.context { security_level = 0 / 0 } })
   end)
end)

describe("lead20: the drop-in's SNI map is judged when a client names an entry, not only when sni() is called", function()
   local ssl = require "tls.luasec"
   local socket = require "socket"
   local certs_sni = require "spec.support.certs_sni"
   local s = certs_sni.get()
   local m = certs.clients()
   after_each(proc.kill_all)

   local function ctx(pair, required)
      return assert(ssl.newcontext { mode = "server", protocol = "any", certificate = pair.cert, key = pair.key,
         verify = required and { "peer", "fail_if_no_peer_cert" } or "none", cafile = required and m.ca or nil })
   end
   -- Our drop-in server (requiring a client certificate) against an
   -- s_client without one that asks for b.example; `change` edits the
   -- map after sni() was called.
   local function handshake(map, change)
      local listener = assert(socket.bind("127.0.0.1", 0))
      local _, port = listener:getsockname()
      listener:settimeout(10)
      local h = proc.spawn(string.format("openssl s_client -connect 127.0.0.1:%d -ign_eof -servername b.example "
         .. "-CAfile %s", port, proc.quote(s.ca)), { timeout = 20 })
      local raw = assert(listener:accept())
      listener:close()
      local conn = assert(ssl.wrap(raw, ctx(s.default, true)))
      conn:sni(map)
      change(map)
      conn:settimeout(10)
      local ok, err = conn:dohandshake()
      if ok then conn:send("one line\n") end
      conn:close()
      h:wait(10)
      local out = h:output()
      h:kill()
      return ok, err, out
   end

   it("refuses an entry added after sni() that asks less of clients (it let a client in without a certificate)", function()
      local ok, err, out = handshake({}, function(map) map["b.example"] = ctx(s.b, false) end)
      assert.falsy(ok, out)
      assert.falsy(out:find("one line\n", 1, true), out)
      assert.matches("b.example: its context verifies clients less than this connection's", tostring(err), 1, true)
   end)

   it("refuses a weaker context an __index function hands out", function()
      local map = setmetatable({}, { __index = function(_, name) return ctx(s.b, false) end })
      local ok, err, out = handshake(map, function() end)
      assert.falsy(ok, out)
      assert.falsy(out:find("one line\n", 1, true), out)
      assert.matches("b.example: its context verifies clients less", tostring(err), 1, true)
   end)

   it("takes an entry added after sni() that asks as much (the client without a certificate is then refused by it)", function()
      local ok, err, out = handshake({}, function(map) map["b.example"] = ctx(s.b, true) end)
      assert.falsy(ok, out)
      assert.is_nil(tostring(err):find("sni map", 1, true), err)
   end)
end)
