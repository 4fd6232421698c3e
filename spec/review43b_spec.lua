-- Review 43b: a conformance round of valid but unusual peers. Every probe
-- held (see the session report for the list); these are the ones no spec
-- covered before.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local E = require "spec.support.engines"

describe("review43b: our TLS 1.2 client's CertificateVerify with a hash larger than its curve's", function()
   after_each(proc.kill_all)

   -- rfc5246#7.4.1.4.1: in TLS 1.2 a scheme names a hash and ECDSA, not a
   -- curve, so a P-256 key may sign with SHA-384 or SHA-512 for a server
   -- that takes only those (s_server -client_sigalgs).
   for _, case in ipairs { { "ECDSA+SHA512:ECDSA+SHA384", "SHA384" }, { "ECDSA+SHA512", "SHA512" } } do
      it("signs with " .. case[2] .. " from a P-256 key for -client_sigalgs " .. case[1], function()
         local c, m = certs.get(), certs.clients()
         local leaf = c.leaf.ecdsa_p256
         local _, port = peers.s_server(string.format("-tls1_2 -www -cert %s -key %s -Verify 1 -CAfile %s "
            .. "-client_sigalgs %s", leaf.cert, leaf.key, m.ca, case[1]))
         local ctx = assert(tls.context { ca = c.ca, certificate = m.ecdsa.cert, key = m.ecdsa.key })
         local conn = peers.connect(port, ctx)
         assert.equal("TLSv1.2", conn:info().version)
         local page = peers.status_page(conn)
         conn:close()
         assert.truthy(page:find("Peer signing digest: " .. case[2] .. "\n", 1, true), page)
         assert.truthy(page:find("Client certificate", 1, true), page)
      end)
   end
end)

describe("review43b: our TLS 1.3 server and a client's Finished in unusual records", function()
   -- rfc8446#5.4: padding is allowed on any protected record; rfc8446#5.1: a
   -- handshake message may span records; rfc8446#5: change_cipher_spec
   -- records before the peer's Finished are dropped, however many (up to
   -- our cap of 32 records without content in a row).
   it("takes it padded with 2000 zero bytes, after two change_cipher_spec records", function()
      local sv, fake = E.scripted_hello()
      local fin = fake:seal(fake.client_hs, B.CT.handshake, fake:finished_message(false),
         { padding = string.rep("\0", 2000) })
      assert(sv:feed(B.record(B.CT.ccs, "\1") .. B.record(B.CT.ccs, "\1") .. fin
         .. fake:seal(fake.client_ap, B.CT.application_data, "after", { padding = "\0" })))
      assert.is_true(sv:status().handshake_done)
      assert.equal("after", sv:read())
   end)

   it("takes it in two records, each padded differently, then data", function()
      local sv, fake = E.scripted_hello()
      local msg = fake:finished_message(false)
      assert(sv:feed(fake:seal(fake.client_hs, B.CT.handshake, msg:sub(1, 3), { padding = "\0\0" })))
      assert.is_false(sv:status().handshake_done)
      assert(sv:feed(fake:seal(fake.client_hs, B.CT.handshake, msg:sub(4), { padding = string.rep("\0", 300) })
         .. fake:seal(fake.client_ap, B.CT.application_data, "x")))
      assert.is_true(sv:status().handshake_done)
      assert.equal("x", sv:read())
   end)
end)
