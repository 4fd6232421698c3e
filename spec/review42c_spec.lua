-- Session 42, review42c: leftovers of session 41.
local proc = require "spec.support.proc"

local function exists(path)
   local f = io.open(path, "rb")
   if f then f:close() return true end
   return false
end

describe("review42c: spec/support/tmpfiles.lua", function()
   it("removes NAME, NAME_* and NAME.* files a spec file left behind", function()
      local dir = proc.tmpdir()
      local name
      -- What the checks below find left behind goes too, or the failing
      -- (mutated) run would leave it.
      finally(function()
         local words = { proc.quote(dir) }
         if name and name:match("^/tmp/lua_%w+$") then
            words[#words + 1] = proc.quote(name) .. " " .. proc.quote(name) .. "[._]*"
         end
         os.execute("rm -rf -- " .. table.concat(words, " "))
      end)
      local list = dir .. "/names"
      -- A spec file that makes a name and three files from it and removes
      -- nothing, as a test raising before its own clean-up does.
      proc.write_file(dir .. "/leaky_spec.lua", string.format([[
         it("leaks", function()
            local name = os.tmpname()
            for _, path in ipairs { name .. "_log", name .. ".keep", name .. ".d.pem" } do
               local f = assert(io.open(path, "wb")); f:write("x"); f:close()
            end
            local f = assert(io.open(%q, "wb")); f:write(name); f:close()
         end)
      ]], list))
      local out, code = proc.run("busted --lua=lua5.4 " .. proc.quote(dir .. "/leaky_spec.lua"), nil, 60)
      assert.equal(0, code, out)
      name = proc.read_file(list)
      assert.truthy(name:match("^/tmp/lua_%w+$"), out)
      for _, path in ipairs { name, name .. "_log", name .. ".keep", name .. ".d.pem" } do
         assert.is_false(exists(path), path .. " left behind")
      end
   end)
end)

describe("review42c: a list option given as a table", function()
   local tls = require "tls"
   local E = require "spec.support.engines"
   local function refused(option, list, pattern)
      local ctx, err = tls.context { mode = "client", verify = false, [option] = list }
      assert.is_nil(ctx)
      assert.truthy(err:find(pattern, 1, true), err)
   end

   it("refuses an entry holding ':' or ',', naming that entry", function()
      -- Split, the second name counted as entry 2 and the repeat as entry 3.
      refused("groups", { "x25519:secp256r1", "x25519" },
         [[option 'groups': entry 1 ("x25519:secp256r1") holds a ':': give one name per entry]])
      refused("ciphers", { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256" },
         [[option 'ciphers': entry 2 ("TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256") holds a ',']])
      refused("sigalgs", { "ed25519", "ecdsa_secp256r1_sha256:" }, [[option 'sigalgs': entry 2]])
      local ok, err = tls.context { mode = "server", certificate = E.CERT, key = E.KEY, groups = { "x25519,x448" } }
      assert.is_nil(ok)
      assert.truthy(err:find([[entry 1 ("x25519,x448") holds a ',']], 1, true), err)
   end)

   it("still takes one string with separators, and one name per entry", function()
      assert.truthy(tls.context { mode = "client", verify = false, groups = "x25519:secp256r1, x448" })
      assert.truthy(tls.context { mode = "client", verify = false, groups = { "x25519", "secp256r1" } })
   end)

   it("alpn: an entry is one protocol name, byte for byte, ':' and ',' included (RFC 7301 names are opaque)", function()
      local c = E.connected({ alpn = { "a:b", "c,d" } }, { alpn = { "c,d" } })
      assert.equal("c,d", c:info().alpn)
   end)
end)

-- The TLS 1.2 sentence of a server none of whose pairs fits names an ECDSA
-- key's curve and the client's groups only when the client offers
-- ECDHE_ECDSA suites: to a client offering none, the key is out by its kind.
describe("review42c: TLS 1.2, no pair fits, an ECDSA key's curve named only where it counts", function()
   local E = require "spec.support.engines"
   local c = require("spec.support.certs").get()
   local function pair(leaf) return { certificate = leaf.cert, key = leaf.key } end
   local function refused(pairs, copts, sopts)
      return E.refusal(E.merge({ certificates = pairs }, sopts), E.merge({ ca = c.ca, max_version = "TLSv1.2" }, copts))
   end

   it("says nothing of curves when another key fits the suites but not the signatures", function()
      assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites fit only our "
         .. "RSA 2048 bits key, which signs with none of the signatures it accepts (ecdsa_secp256r1_sha256, "
         .. "ed25519)",
         refused({ pair(c.leaf.ecdsa_p256), pair(c.leaf.rsa2048) }, { ciphers = "ECDHE-RSA-AES128-GCM-SHA256",
            groups = "x25519", sigalgs = "ecdsa_secp256r1_sha256:ed25519" }))
      -- The same client offering an ECDHE_ECDSA suite too: the curve is a cause.
      assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites fit only our "
         .. "RSA 2048 bits key, which signs with none of the signatures it accepts (ecdsa_secp256r1_sha256, "
         .. "ed25519); it names the curve of none of our other ECDSA keys (its groups are x25519)",
         refused({ pair(c.leaf.ecdsa_p256), pair(c.leaf.rsa2048) },
            { ciphers = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256", groups = "x25519",
              sigalgs = "ecdsa_secp256r1_sha256:ed25519" }))
   end)

   it("says nothing of curves when its ECDHE_ECDSA suites are offered and our curve is among its groups", function()
      assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites fit only our "
         .. "keys ECDSA on secp256r1, RSA 2048 bits, which sign with none of the signatures it accepts (ed25519, "
         .. "rsa_pss_pss_sha256)",
         refused({ pair(c.leaf.ecdsa_p256), pair(c.leaf.rsa2048) },
            { groups = "secp256r1", sigalgs = "ed25519:rsa_pss_pss_sha256" }))
   end)

   it("says nothing of curves when no key fits its suites", function()
      assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites are for RSA keys "
         .. "that sign (ECDHE_RSA), and our keys are ECDSA on secp256r1, Ed25519",
         refused({ pair(c.leaf.ecdsa_p256), pair(c.leaf.ed25519) },
            { ciphers = "ECDHE-RSA-AES128-GCM-SHA256", groups = "x25519" }))
      -- RSA key transport too (the server allows it here).
      assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites are for RSA keys "
         .. "that sign (ECDHE_RSA), RSA keys that encipher (RSA key transport), and our keys are ECDSA on secp256r1, "
         .. "Ed25519",
         refused({ pair(c.leaf.ecdsa_p256), pair(c.leaf.ed25519) },
            { groups = "x25519", ciphers = "ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256" },
            { ciphers = "ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256" }))
   end)
end)

-- A TLS 1.2 server makes no session when the client's certificate is too
-- large to keep, so the "or one too large to keep" half of the TLS 1.3
-- sentence cannot apply to a TLS 1.2 resumption.
describe("review42c: verifiedchain() on a resumed session without the peer's certificate", function()
   local tls = require "tls"
   local E = require "spec.support.engines"
   local KEY = ("R"):rep(16) .. ("r"):rep(24) .. "01234567"

   local function resumed_server(version, sopts)
      local sctx = E.server_ctx(E.merge({ ticket_keys = { KEY }, max_version = version }, sopts))
      local cctx = assert(tls.context { mode = "client", ca = E.CERT, max_version = version })
      local session = E.first_session(cctx, sctx)
      local c, s = E.resume(cctx, sctx, session)
      assert.is_true(s:info().resumed)
      assert.is_true(c:info().resumed)
      return s
   end

   it("TLS 1.2: says the peer sent none when the session was made", function()
      for _, sopts in ipairs { {}, { tickets = 0, session_store = E.table_store() } } do
         local s = resumed_server("TLSv1.2", sopts)
         assert.same({ nil, "the session was resumed, and the peer sent no certificate when it was made: this "
            .. "connection received no chain and verified none" }, { s:verifiedchain() })
      end
   end)

   it("TLS 1.3: keeps both possibilities (a session there may have dropped a certificate too large)", function()
      local s = resumed_server("TLSv1.3")
      assert.same({ nil, "the session was resumed, and it holds no certificate of the peer (none was sent when the "
         .. "session was made, or one too large to keep in it, over 16384 bytes): this connection received no chain "
         .. "and verified none" }, { s:verifiedchain() })
   end)
end)
