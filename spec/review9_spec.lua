-- Review of issue 9 (security review after the merge): a context chosen by
-- a server's servername function brings its own functions (verify, alpn,
-- ocsp, keylog) and only those; each finding has its test here.
local tls = require "tls"
local E = require "spec.support.engines"
local certs = require "spec.support.certs"

local m = certs.clients()

local function client(version, extra)
   return E.merge({ max_version = version, certificate = m.ecdsa.cert, key = m.ecdsa.key }, extra)
end

local function switched(opts)
   return assert(tls.context(E.merge({ mode = "server", certificate = E.CERT, key = E.KEY }, opts)))
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("a context chosen by the servername function, " .. version, function()
      it("runs its own verify function, which may reject the client (the first context has none)", function()
         local seen = {}
         local other = switched { ca = m.ca, verify = function(chain, ok)
            seen[#seen + 1] = { chain[1]:subject(), ok }
            return false, "not this client"
         end }
         local c, s = E.pair(client(version), { servername = function() return other end })
         assert.same({ { "CN=luatls client", true } }, seen)
         local msg, alert, from_peer = s:error()
         assert.equal("certificate rejected by the verify function: not this client", msg)
         assert.equal("bad_certificate", alert)
         assert.is_false(from_peer)
         assert.equal("bad_certificate", select(2, c:error()))
      end)

      it("does without the first context's verify function when it has none", function()
         local first_called = false
         local other = switched { ca = m.ca, verify = "required" }
         local c, s = E.connected(client(version), {
            ca = m.ca, verify = function() first_called = true return true end,
            servername = function() return other end })
         assert.is_false(first_called)
         assert.is_true(s:info().peer_verified)
         assert.equal("CN=luatls client", s:info().peer_certificate.subject)
         assert.is_nil(c:error())
      end)

      it("staples with its own ocsp function", function()
         local calls = 0
         local other = switched { ocsp = function() calls = calls + 1 return nil end }
         E.connected({ max_version = version, ocsp = true }, { servername = function() return other end })
         assert.equal(1, calls)
      end)

      it("logs keys with its own keylog function, and the first context's gets nothing", function()
         local mine, first = {}, {}
         local other = switched { keylog = function(line) mine[#mine + 1] = line end }
         E.connected({ max_version = version }, {
            keylog = function(line) first[#first + 1] = line end,
            servername = function() return other end })
         assert.same({}, first)
         assert.equal(version == "TLSv1.3" and 5 or 1, #mine)
      end)
   end)
end
