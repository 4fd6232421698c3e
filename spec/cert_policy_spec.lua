-- What our client accepts as the server's certificate beyond "signed by a
-- trusted CA": host-name rules for wildcards, validity dates, which
-- certificates may issue others, what a certificate may be used for, and
-- how long a chain may be. Each case runs a handshake between two engines
-- in memory (our server with the certificate under test, our client
-- trusting the test root CA) and checks the exact alert and reason.
local tls = require "tls"
local certs = require "spec.support.certs"
local E = require "spec.support.engines"

local c = certs.get()
local p = certs.policy()

local function handshake(pair, servername)
   return E.pair({ ca = c.ca }, { certificate = pair.cert, key = pair.key }, servername)
end

local function accepted(pair, servername)
   local cli, srv = handshake(pair, servername)
   assert.is_true(cli:status().handshake_done, "refused: " .. tostring(cli:error()))
   assert.is_true(srv:status().handshake_done, tostring(srv:error()))
   return cli
end

-- The client refuses with exactly `alert`, a reason matching `pattern`
-- (a Lua pattern, anchored), and the server hears that alert.
local function refused(pair, servername, alert, pattern)
   local cli, srv = handshake(pair, servername)
   assert.is_true(cli:status().failed, "the client accepted the certificate")
   local msg, name, from_peer = cli:error()
   assert.equal(alert, name, "reason: " .. tostring(msg))
   assert.is_false(from_peer)
   assert.truthy(msg:match("^" .. pattern .. "$"), "reason: " .. msg)
   local _, srv_alert, srv_from_peer = srv:error()
   assert.equal(alert, srv_alert)
   assert.is_true(srv_from_peer)
end

local function mismatch(pair, servername, names)
   refused(pair, servername, "bad_certificate",
      "host name mismatch: expected " .. servername:gsub("%p", "%%%0") .. ", certificate is for "
      .. names:gsub("%p", "%%%0"))
end

describe("wildcard names (rfc6125#6.4.3)", function()
   it("*.example.com matches one whole left-most label", function()
      accepted(p.wildcard, "a.example.com")
      accepted(p.wildcard, "www.example.com")
   end)

   it("*.example.com does not match two labels", function()
      mismatch(p.wildcard, "a.b.example.com", "*.example.com")
   end)

   it("*.example.com does not match example.com itself", function()
      mismatch(p.wildcard, "example.com", "*.example.com")
   end)

   it("*.example.com matches an A-label (the wildcard is the whole label)", function()
      accepted(p.wildcard, "xn--caf-dma.example.com")
   end)

   it("a partial wildcard f*.example.com never matches", function()
      mismatch(p.partial_prefix, "foo.example.com", "f*.example.com")
      mismatch(p.partial_prefix, "f.example.com", "f*.example.com")
   end)

   it("a partial wildcard *a.example.com never matches", function()
      mismatch(p.partial_suffix, "ba.example.com", "*a.example.com")
   end)

   it("a wildcard inside an A-label (xn--*.example.com) never matches", function()
      mismatch(p.idn_partial, "xn--caf-dma.example.com", "xn--*.example.com")
   end)

   it("a wildcard that is not the left-most label never matches", function()
      mismatch(p.inner_wildcard, "a.b.example.com", "a.*.example.com")
   end)

   it("a wildcard over a top-level domain (*.com) never matches", function()
      mismatch(p.tld_wildcard, "example.com", "*.com")
   end)
end)

describe("the subject common name", function()
   -- Names live in subjectAltName; a CN is not checked (issue 7, finding 1:
   -- X509_CHECK_FLAG_NEVER_CHECK_SUBJECT).
   it("does not name the host when there is no subjectAltName", function()
      refused(p.cn_only, "localhost", "bad_certificate", "host name mismatch: expected localhost, .*")
   end)
end)

describe("validity dates", function()
   it("refuses a certificate that is not yet valid with certificate_expired", function()
      refused(p.not_yet_valid, "localhost", "certificate_expired",
         "certificate is not yet valid %(notBefore 2099%-01%-01 00:00:00 UTC%)")
   end)

   it("refuses an expired certificate with certificate_expired", function()
      refused(c.expired, "localhost", "certificate_expired",
         "certificate has expired %(notAfter 2020%-02%-01 00:00:00 UTC%)")
   end)
end)

describe("issuers", function()
   it("refuses a leaf issued by an intermediate with CA:FALSE", function()
      refused(p.via_not_ca, "localhost", "bad_certificate",
         "certificate verification failed: invalid CA certificate %(in chain: CN=luatls not_ca intermediate%)")
   end)

   it("refuses a leaf issued by an intermediate without basicConstraints", function()
      refused(p.via_no_bc, "localhost", "bad_certificate",
         "certificate verification failed: invalid CA certificate %(in chain: CN=luatls no_bc intermediate%)")
   end)
end)

describe("certificate purpose", function()
   it("refuses a certificate for clientAuth only", function()
      refused(p.client_only, "localhost", "unsupported_certificate",
         "certificate's extendedKeyUsage does not allow TLS server authentication %(it lacks serverAuth%)")
   end)

   -- Our own server refuses to serve these (tls.context says why, see
   -- keyusage30_spec): openssl s_server signs the TLS 1.3 handshake with
   -- them, so it is the peer the client's check is seen against.
   local function refused_from_openssl(pair, pattern)
      local peers = require "spec.support.peers"
      local proc = require "spec.support.proc"
      local _, port = peers.s_server("-www -tls1_3", nil, pair)
      local ctx = assert(tls.context { mode = "client", ca = c.ca })
      local conn, msg = tls.connect("127.0.0.1", port, ctx, { servername = "localhost", timeout = 10 })
      proc.kill_all()
      assert.is_nil(conn)
      assert.truthy(msg:match("^" .. pattern .. "$"), "reason: " .. tostring(msg))
   end

   it("refuses a certificate whose keyUsage allows only keyCertSign", function()
      refused_from_openssl(p.certsign_only,
         "certificate is not allowed for this use %(its keyUsage lacks digitalSignature, which signing the handshake needs%)")
   end)

   -- rfc8446#4.4.2.2: "the digitalSignature bit MUST be set if the Key Usage
   -- extension is present".
   it("refuses a certificate whose keyUsage lacks digitalSignature (keyEncipherment only)", function()
      refused_from_openssl(p.keyenc_only,
         "certificate is not allowed for this use %(its keyUsage lacks digitalSignature, which signing the handshake needs%)")
   end)
end)

describe("chain length", function()
   it("accepts 10 certificates (leaf and 9 intermediates), the limit", function()
      local cli = accepted(p.chain10, "localhost")
      assert.equal(10, cli:info().peer_chain_length)
   end)

   it("refuses 11 certificates with bad_certificate", function()
      refused(p.chain11, "localhost", "bad_certificate", "certificate chain longer than 10 certificates")
   end)
end)
