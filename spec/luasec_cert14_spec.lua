-- tls.luasec certificates: issued() and getsignaturename(), and the name of
-- extensions()' subjectAltName entry, answer what real LuaSec (Debian's
-- lua-sec, loaded in the same process) answers for the same certificates.
-- Under them, the native ca:issued(cert, ...) and cert:signature_algorithm().
local tls = require "tls"
local luasec = require "tls.luasec"
local real = require "ssl.x509"
local certs = require "spec.support.certs"

local c = certs.get()
local function read(path) return assert(io.open(path)):read("a") end
local function both(path)
   local pem = read(path)
   return assert(luasec.loadcertificate(pem)), assert(real.load(pem))
end

describe("tls.luasec certificates, against LuaSec", function()
   local files
   setup(function()
      files = { ca = c.ca, p256 = c.leaf.ecdsa_p256.cert, p384 = c.leaf.ecdsa_p384.cert,
                rsa = c.leaf.rsa2048.cert, ed = c.leaf.ed25519.cert, expired = c.expired.cert,
                untrusted = c.untrusted.cert, chainleaf = c.chain.leaf, inter = c.chain.inter }
   end)

   it("getsignaturename names the issuer's signature as LuaSec does", function()
      for _, name in ipairs { "ca", "p256", "rsa", "ed", "untrusted", "inter" } do
         local ours, theirs = both(files[name])
         assert.equal(theirs:getsignaturename(), ours:getsignaturename(), name)
      end
      local self = assert(tls.selfsigned { names = { "localhost" }, key = "ed25519" })
      assert.equal("ED25519", tls.certificate(self):signature_algorithm())
   end)

   it("issued agrees with LuaSec, reasons included", function()
      local cases = {
         { "ca", "p256" }, { "ca", "rsa" }, { "ca", "ca" }, { "p256", "ca" }, { "p256", "p256" },
         { "ca", "expired" }, { "ca", "untrusted" }, { "untrusted", "p256" },
         { "ca", "chainleaf", "inter" }, { "ca", "chainleaf" }, { "inter", "chainleaf" },
         { "untrusted", "p256", "ca" }, -- a root passed along is not trusted for it
      }
      local trues = 0
      for _, case in ipairs(cases) do
         local ours, theirs = {}, {}
         for i, name in ipairs(case) do ours[i], theirs[i] = both(files[name]) end
         local want = { theirs[1]:issued(table.unpack(theirs, 2)) }
         local got = { ours[1]:issued(table.unpack(ours, 2)) }
         assert.same(want, got, table.concat(case, " issued "))
         if want[1] == true then trues = trues + 1 end
      end
      assert.equal(4, trues) -- the cases that verify, so that neither side can be always nil
   end)

   it("issued refuses what is not a certificate", function()
      local ca = both(files.ca)
      assert.has_error(function() ca:issued("x") end,
         "bad argument #1 to 'issued' (X509 certificate expected, got string)")
      assert.has_error(function() tls.certificate(read(files.ca)):issued({}) end)
   end)

   it("extensions() names subjectAltName as LuaSec does", function()
      local ours, theirs = both(files.p256)
      assert.equal(theirs:extensions()["2.5.29.17"].name, ours:extensions()["2.5.29.17"].name)
      assert.same(theirs:extensions()["2.5.29.17"].dNSName, ours:extensions()["2.5.29.17"].dNSName)
   end)
end)
