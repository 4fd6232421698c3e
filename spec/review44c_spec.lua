-- Review 44c: a conformance round of valid but unusual peers (openssl
-- s_server/s_client, gnutls-serv/gnutls-cli, Python's ssl, hand-made
-- records). Every probe held (see the session report for the list); these
-- are the ones no spec covered before.
local tls = require "tls"
local proc = require "spec.support.proc"
local peers = require "spec.support.peers"
local certs = require "spec.support.certs"
local B = require "spec.support.tlsbytes"
local P = require "spec.support.tlsbytes_post"
local E = require "spec.support.engines"

local c = certs.get()
local EC, RSA = c.leaf.ecdsa_p256, c.leaf.rsa2048

describe("review44c: our client against openssl s_server options no spec used", function()
   after_each(proc.kill_all)

   -- rfc5246#7.4.4: certificate_authorities<0..2^16-1>, so an empty list is
   -- legal in TLS 1.2 (s_server -no_ca_names sends one when it verifies
   -- clients); we answer with our certificate all the same.
   it("sends its certificate to a TLS 1.2 CertificateRequest with no CA names (-no_ca_names)", function()
      local m = certs.clients()
      local _, port = peers.s_server(string.format("-tls1_2 -www -no_ca_names -Verify 1 -CAfile %s "
         .. "-verify_return_error", m.ca), nil, EC)
      local ctx = assert(tls.context { ca = c.ca, certificate = m.ecdsa.cert, key = m.ecdsa.key })
      local conn = peers.connect(port, ctx)
      assert.equal("TLSv1.2", conn:info().version)
      local page = peers.status_page(conn)
      conn:close()
      assert.truthy(page:find("Client certificate", 1, true), page)
   end)

   -- In TLS 1.3 the same option gives an empty certificate_authorities
   -- extension (OpenSSL 3.0 drops the names after choosing to send it),
   -- which rfc8446#4.2.4 does not allow (authorities<3..2^16-1>): refused
   -- with decode_error, as GnuTLS 3.7 refuses it (OpenSSL clients take it).
   it("refuses s_server -no_ca_names's empty TLS 1.3 certificate_authorities with decode_error", function()
      local m = certs.clients()
      local _, port = peers.s_server(string.format("-tls1_3 -www -no_ca_names -Verify 1 -CAfile %s", m.ca), nil, EC)
      local ctx = assert(tls.context { ca = c.ca, certificate = m.ecdsa.cert, key = m.ecdsa.key })
      local conn, err = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
      assert.is_nil(conn)
      assert.matches("CertificateRequest certificate_authorities is malformed", err, 1, true)
   end)

   -- s_server -suiteB_128_only (RFC 6460): ECDHE_ECDSA with AES-128-GCM
   -- only, TLS 1.2; -strict: the chain's signatures must be among the
   -- client's schemes (ours lists ecdsa_secp256r1_sha256).
   for _, case in ipairs {
      { "-tls1_2 -suiteB_128_only", "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
      { "-tls1_2 -strict", "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" },
      { "-tls1_3 -strict", "TLSv1.3", "TLS_AES_128_GCM_SHA256" },
   } do
      it("connects to s_server " .. case[1], function()
         local _, port = peers.s_server("-www " .. case[1], nil, EC)
         local conn = peers.connect(port, peers.client_ctx(c.ca))
         local info = conn:info()
         assert.equal(case[2], info.version)
         assert.equal(case[3], info.cipher)
         assert.truthy(peers.status_page(conn):find("New, TLSv1", 1, true))
         conn:close()
      end)
   end

   -- s_server with two identities (-cert and -dcert) chooses by the
   -- client's signature schemes.
   it("gets s_server's RSA identity beside its ECDSA one when it lists only rsa_pss_rsae_sha256", function()
      local _, port = peers.s_server(string.format("-www -tls1_3 -dcert %s -dkey %s", RSA.cert, RSA.key), nil, EC)
      local conn = peers.connect(port, peers.client_ctx(c.ca, { sigalgs = "rsa_pss_rsae_sha256" }))
      assert.equal("rsa_pss_rsae_sha256", conn:info().signature)
      assert.truthy(peers.status_page(conn):find("New, TLSv1.3", 1, true))
      conn:close()
   end)
end)

describe("review44c: our server against gnutls-cli %DUMBFW", function()
   after_each(proc.kill_all)

   -- %DUMBFW pads the ClientHello with RFC 7685 padding to get past broken
   -- middleboxes; the padding extension is ignored.
   for _, case in ipairs { { "NORMAL:%DUMBFW", "TLSv1.3" }, { "NORMAL:-VERS-TLS1.3:%DUMBFW", "TLSv1.2" } } do
      it("answers " .. case[1], function()
         local srv, port = peers.lines_server({}, EC)
         local out = proc.run(string.format("gnutls-cli -p %d --x509cafile %s localhost --priority '%s'",
            port, c.ca, case[1]), "hello luatls\n", 15)
         assert.truthy(out:find("\nhello luatls\n", 1, true), out)
         assert.truthy(proc.wait_output(srv, "(info version=" .. case[2]:gsub("%.", "%%.") .. ")", 5))
      end)
   end
end)

describe("review44c: protected TLS 1.3 records at the padding limit", function()
   -- rfc8446#5.4: the whole TLSInnerPlaintext (content, type, padding) may
   -- be 2^14 + 1 bytes; hostile_server_spec checks our client with a
   -- record of data, these our server, and a record of one byte or none.
   it("our server takes one byte padded to 2^14 + 1, then an empty record padded to it", function()
      local sv, fake = E.scripted_handshake()
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "A", { padding = ("\0"):rep(16383) })))
      assert.equal("A", sv:read())
      assert(sv:feed(fake:seal(fake.client_ap, B.CT.application_data, "", { padding = ("\0"):rep(16384) })
         .. fake:seal(fake.client_ap, B.CT.application_data, "B")))
      assert.equal("B", sv:read())
   end)
end)

describe("review44c: our TLS 1.3 client and a NewSessionTicket sharing a record with a KeyUpdate", function()
   -- rfc8446#5.1: post-handshake messages may share a record as long as
   -- none that changes keys is followed by more in it; the KeyUpdate ends
   -- the record, the data after it comes under the next key.
   it("takes the ticket, follows the key update and reads the data", function()
      local cl, srv = E.scripted_server_handshake()
      local nst = B.handshake(P.HS.new_session_ticket, string.pack(">I4I4", 100, 1) .. B.vec(1, "")
         .. B.vec(2, ("t"):rep(40)) .. B.vec(2, ""))
      local record = srv:seal(srv.server_ap, B.CT.handshake, nst .. P.key_update_message(false))
      assert(cl:feed(record .. srv:seal(P.next_secret(srv.server_ap), B.CT.application_data, "after")))
      assert.equal("after", cl:read())
      assert.truthy(cl:session())
   end)
end)

describe("review44c: the largest TLS 1.3 ClientHello in records of one byte", function()
   -- rfc8446#5.1: a handshake message may be split over any number of
   -- records; hello_liberal_spec sends the largest hello in full records,
   -- this one in 131,000-odd records of one byte each.
   it("is read and the handshake completes", function()
      local fake = B.fake_client()
      local suites = {}
      for i = 1, 32766 do suites[i] = 0x2000 + i end
      suites[#suites + 1] = B.SUITE.aes128gcm
      local opts = { session_id = ("s"):rep(32), suites = suites, groups = { B.GROUP.x25519 } }
      local base = B.client_hello_body(setmetatable({ shares = { { B.GROUP.x25519, fake.pub } } },
         { __index = opts }))
      opts.extra = { { B.EXT.padding, ("\0"):rep(B.MAX_CLIENT_HELLO - 254 - #base - 4) } }
      local records = {}
      for _, r in ipairs(B.parse_records(fake:hello(opts))) do
         for i = 1, #r.body do records[#records + 1] = B.record(B.CT.handshake, r.body:sub(i, i)) end
      end
      assert.equal(4 + B.MAX_CLIENT_HELLO - 254, #records)
      local sv = E.server_engine()
      assert(sv:feed(table.concat(records)))
      assert(fake:receive_flight(sv:output()))
      assert(sv:feed(fake:finished(false)))
      assert.is_true(sv:status().handshake_done)
   end)
end)
