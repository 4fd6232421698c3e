-- Mutual TLS between our own client and server engines, in TLS 1.3 and
-- TLS 1.2: the two halves were built against other implementations
-- (spec/mtls_server_spec.lua, spec/mtls_client_spec.lua); here they meet,
-- together with the other features of a context (ALPN, SNI, exporter).
local E = require "spec.support.engines"
local certs = require "spec.support.certs"

local m = certs.clients()

local function server_opts(extra)
   return E.merge({ verify = "required", ca = m.ca }, extra)
end

local function client_opts(pair, extra)
   return E.merge({ certificate = pair.cert, key = pair.key }, extra)
end

for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
   local v = { max_version = version }

   describe("mutual TLS between our engines, " .. version, function()
      it("authenticates an ECDSA client: both sides see the client's certificate", function()
         local c, s = E.connected(client_opts(m.ecdsa, v), server_opts())
         local ci, si = c:info(), s:info()
         assert.equal(version, ci.version)
         assert.equal("CN=luatls client", ci.client_certificate)
         assert.equal("CN=luatls client", si.peer_certificate.subject)
         assert.equal("CN=luatls client CA", si.peer_certificate.issuer)
         assert.is_true(si.peer_verified)
         assert.is_true(ci.peer_verified)
         -- the server's own scheme stays what it signed with
         assert.equal("ecdsa_secp256r1_sha256", si.signature)
      end)

      it("authenticates an RSA client", function()
         local c, s = E.connected(client_opts(m.rsa, v), server_opts())
         assert.equal("CN=luatls rsa client", c:info().client_certificate)
         assert.equal("CN=luatls rsa client", s:info().peer_certificate.subject)
         assert.is_true(s:info().peer_verified)
      end)

      it("moves application data both ways once the client is authenticated", function()
         local c, s = E.connected(client_opts(m.ecdsa, v), server_opts())
         assert(c:write("ping"))
         E.pump(c, s, { strict = true })
         assert.equal("ping", s:read())
         assert(s:write("pong"))
         E.pump(s, c, { strict = true })
         assert.equal("pong", c:read())
      end)

      it("refuses a client without a certificate when one is required", function()
         local c, s = E.pair(E.merge({}, v), server_opts())
         local alert = version == "TLSv1.3" and "certificate_required" or "handshake_failure"
         local msg, name, from_peer = s:error()
         assert.equal(alert, name)
         assert.is_false(from_peer)
         assert.equal('client sent no certificate, and this server requires one (verify = "required")', msg)
         local cmsg, cname, cfrom_peer = c:error()
         assert.equal(alert, cname)
         assert.is_true(cfrom_peer, cmsg)
      end)

      it("lets a client without a certificate in when verification is optional", function()
         local c, s = E.connected(E.merge({}, v), server_opts { verify = "optional" })
         assert.is_false(s:info().peer_verified)
         assert.is_nil(s:info().peer_certificate)
         assert.is_nil(c:info().client_certificate)
      end)

      it("sends no certificate from a CA the server does not name, unless told to", function()
         local c, s = E.connected(client_opts(m.untrusted, v), server_opts { verify = "optional" })
         assert.is_nil(c:info().client_certificate)
         assert.is_false(s:info().peer_verified)
      end)

      it("still checks a certificate a client sends when verification is optional", function()
         local forced = E.merge({ client_certificate = function() return 1 end }, v)
         local _, s = E.pair(client_opts(m.untrusted, forced), server_opts { verify = "optional" })
         local msg, name = s:error()
         assert.equal("unknown_ca", name)
         assert.truthy(msg:match("^client certificate rejected: "), msg)
      end)

      it("sends the pair issued under a CA the server names, not the first pair", function()
         local opts = E.merge({ certificates = {
            { certificate = m.main_ca.cert, key = m.main_ca.key },
            { certificate = m.ecdsa.cert, key = m.ecdsa.key },
         } }, v)
         local c, s = E.connected(opts, server_opts())
         assert.equal("CN=luatls client", c:info().client_certificate)
         assert.equal("CN=luatls client", s:info().peer_certificate.subject)
      end)

      it("lets a client_certificate function choose the pair", function()
         local seen
         local opts = E.merge({
            certificates = {
               { certificate = m.ecdsa.cert, key = m.ecdsa.key },
               { certificate = m.rsa.cert, key = m.rsa.key },
            },
            client_certificate = function(request)
               seen = request
               return 2
            end,
         }, v)
         local c, s = E.connected(opts, server_opts())
         assert.equal(version, seen.version)
         assert.same({ "CN=luatls client CA" }, seen.ca_names)
         assert.equal("CN=luatls rsa client", c:info().client_certificate)
         assert.equal("CN=luatls rsa client", s:info().peer_certificate.subject)
      end)

      it("refuses expired and wrong-purpose client certificates with the alert each calls for", function()
         local _, s = E.pair(client_opts(m.expired, v), server_opts())
         local msg, name = s:error()
         assert.equal("certificate_expired", name, msg)
         local _, s2 = E.pair(client_opts(m.server_only, v), server_opts())
         msg, name = s2:error()
         assert.equal("unsupported_certificate", name, msg)
      end)

      it("agrees on exported keying material and ALPN with a client certificate", function()
         local c, s = E.connected(client_opts(m.ecdsa, E.merge({ alpn = { "h2", "http/1.1" } }, v)),
            server_opts { alpn = { "http/1.1" } })
         assert.equal("http/1.1", c:info().alpn)
         assert.equal("http/1.1", s:info().alpn)
         local a = assert(c:export("EXPERIMENTAL mtls", "ctx", 32))
         local b = assert(s:export("EXPERIMENTAL mtls", "ctx", 32))
         assert.equal(32, #a)
         assert.equal(a, b)
      end)

      it("traces the CertificateRequest and the client's Certificate and CertificateVerify", function()
         local copts, cev = E.traced(client_opts(m.ecdsa, v))
         local sopts, sev = E.traced(server_opts())
         E.connected(copts, sopts)
         local function has(events, direction, message)
            for _, ev in ipairs(events) do
               if ev.direction == direction and ev.message == message then return ev end
            end
         end
         assert.truthy(has(sev, "send", "CertificateRequest"))
         local cr = assert(has(cev, "receive", "CertificateRequest"))
         -- TLS 1.3: signature_algorithms_cert says RSA PKCS#1 is fine in a chain
         if version == "TLSv1.3" then
            assert.truthy(cr.sigalgs_cert:find("rsa_pkcs1_sha256", 1, true), cr.sigalgs_cert)
         else
            assert.is_nil(cr.sigalgs_cert)
         end
         assert.truthy(has(cev, "send", "CertificateVerify"))
         assert.truthy(has(sev, "receive", "CertificateVerify"))
         local cert = assert(has(sev, "receive", "Certificate"))
         assert.equal("CN=luatls client", cert.subject)
      end)
   end)
end

describe("a servername function switching to a context with its own functions", function()
   local tls = require "tls"

   for _, version in ipairs { "TLSv1.3", "TLSv1.2" } do
      it("runs the new context's verify function, which the listening context lacks (" .. version .. ")", function()
         local calls = 0
         local strict = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY, ca = m.ca,
            verify = function(chain, ok)
               calls = calls + 1
               return false, "refused by the per-name policy (" .. chain[1]:subject() .. ", " .. tostring(ok) .. ")"
            end })
         local listening = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY,
            servername = function(name) if name == "localhost" then return strict end end })
         local cctx = assert(tls.context { mode = "client", ca = E.CERT, certificate = m.ecdsa.cert,
                                           key = m.ecdsa.key, max_version = version })
         local c = assert(tls.engine(cctx, { servername = "localhost" }))
         local s = assert(tls.engine(listening))
         assert(c:start())
         E.pump(c, s)
         assert.equal(1, calls)
         local msg, alert = s:error()
         assert.equal("bad_certificate", alert)
         assert.equal("certificate rejected by the verify function: refused by the per-name policy "
            .. "(CN=luatls client, true)", msg)
         -- (a TLS 1.3 client has finished its side by then: the alert comes after)
         local _, calert, from_peer = c:error()
         assert.equal("bad_certificate", calert)
         assert.is_true(from_peer)
      end)
   end
end)
