-- lead24: OCSP must-staple (RFC 7633; review24b R3). A client that asks for
-- OCSP (ocsp = true) and is shown a certificate with the TLS feature
-- status_request must get a good stapled response, as with ocsp = "require";
-- a client that did not ask sent no status_request, and RFC 7633 leaves it
-- as it was.
local tls = require "tls"
local E = require "spec.support.engines"

local o = require("spec.support.certs_ocsp").get()

local function pair(client_opts, leaf, server_opts)
   local c = assert(tls.engine(assert(tls.context(E.merge({ mode = "client", ca = o.ca }, client_opts))),
      { servername = "localhost" }))
   local s = assert(tls.engine(assert(tls.context(E.merge({ mode = "server", certificate = leaf.cert,
      key = leaf.key }, server_opts)))))
   assert(c:start())
   E.pump(c, s)
   return c, s
end

local MUST = "the server's certificate is must-staple (RFC 7633)"

for _, v in ipairs { "TLSv1.3", "TLSv1.2" } do
   describe("lead24: a must-staple certificate, " .. v, function()
      it("without a stapled response fails a client with ocsp = true", function()
         local c = pair({ ocsp = true, max_version = v }, o.must_staple)
         local msg, alert = c:error()
         assert.equal(MUST .. ": the server stapled no OCSP response", msg)
         assert.equal("bad_certificate_status_response", alert)
         assert.is_false(c:status().handshake_done)
      end)

      it("with a good stapled response connects, and says so", function()
         local c = pair({ ocsp = true, max_version = v }, o.must_staple, { ocsp = o.resp.must_staple })
         assert.is_true(c:status().handshake_done, tostring(c:error()))
         assert.equal("good", c:info().ocsp.status)
      end)

      it("leaves a client that did not ask for OCSP as it was (no status_request sent)", function()
         local c = pair({ max_version = v }, o.must_staple)
         assert.is_true(c:status().handshake_done, tostring(c:error()))
         assert.is_nil(c:info().ocsp)
      end)

      it("(control) a certificate without the feature and no response: reported, not failed", function()
         local c = pair({ ocsp = true, max_version = v }, o.good)
         assert.is_true(c:status().handshake_done, tostring(c:error()))
         assert.equal("none", c:info().ocsp.status)
      end)

      it("keeps ocsp = \"require\"'s own words", function()
         local c = pair({ ocsp = "require", max_version = v }, o.must_staple)
         assert.equal("ocsp = \"require\": the server stapled no OCSP response", (c:error()))
      end)
   end)
end
