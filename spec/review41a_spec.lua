-- Session 41, review41a: defects left open by the session-40 review.
local tls = require "tls"
local E = require "spec.support.engines"

local KEY = ("R"):rep(16) .. ("r"):rep(24) .. "41a56789"

-- I2: a TLS 1.3 server resuming a session chose its first suite of the
-- session's hash, not the session's own suite, and then had to decline the
-- client's 0-RTT (rfc8446#4.2.10: the same suite).
describe("review41a I2: 0-RTT of a session made under a suite the server does not prefer", function()
  local CHACHA, AES128 = "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"

  local function resume(early, server_early)
    local st = tls.store.memory()
    local sopts = { early_data = true, ticket_keys = { KEY }, session_store = st,
      ciphers = AES128 .. ":" .. CHACHA }
    local sctx = E.server_ctx(sopts)
    local cctx = assert(tls.context { mode = "client", ca = E.CERT, early_data = true,
      ciphers = CHACHA .. ":" .. AES128 })
    -- a client offering only ChaCha20 makes the session
    local only = assert(tls.context { mode = "client", ca = E.CERT, early_data = true, ciphers = CHACHA })
    local session, first = E.first_session(only, sctx)
    assert.equal(CHACHA, first:info().cipher)
    -- server_early == false: resumed by a server with the same keys that takes no early data
    local rctx = server_early == false
      and E.server_ctx { ticket_keys = { KEY }, ciphers = AES128 .. ":" .. CHACHA } or sctx
    local c, s = E.resume(cctx, rctx, session, early)
    assert.is_true(s:status().handshake_done, tostring(s:error()))
    assert.is_true(c:status().handshake_done, tostring(c:error()))
    assert.is_true(s:info().resumed)
    return c, s
  end

  it("is accepted: the server resumes under the session's suite when the client sends early data", function()
    local c, s = resume("early hello")
    assert.equal(CHACHA, s:info().cipher)
    assert.equal("accepted", s:info().early_data)
    assert.equal("accepted", c:info().early_data)
    assert.equal("early hello", s:read_early())
  end)

  it("leaves the server's order alone for a resumption without early data", function()
    local _, s = resume(nil)
    assert.equal(AES128, s:info().cipher)
  end)

  it("leaves the server's order alone when the server takes no early data (review41g)", function()
    local c, s = resume("early hello", false)
    assert.equal(AES128, s:info().cipher)
    assert.equal("rejected", c:info().early_data)
  end)
end)

-- I3: a TLS 1.3 server keeps a session without a client certificate over
-- 16384 bytes (a client keeps no session without the server's); its
-- resumption said "the peer sent no certificate" to verifiedchain().
describe("review41a I3: verifiedchain() on a resumed session that kept no certificate", function()
  -- 64 names of 249 bytes: a leaf of about 16.7 KB (RSA), more than a session keeps.
  local names = { "localhost" }
  for i = 1, 63 do
    names[#names + 1] = ("%02d"):format(i) .. ("a"):rep(61) .. "." .. ("b"):rep(63) .. "." .. ("c"):rep(63)
      .. "." .. ("d"):rep(57)
  end
  local BIG, BIGKEY = assert(tls.selfsigned { names = names, key = "rsa" })

  it("on a server whose client sent one too large to keep, says so rather than that none was sent", function()
    assert.is_true(#tls.certificate(BIG):der() > 16384)
    local sctx = assert(tls.context { mode = "server", certificate = E.CERT, key = E.KEY, ticket_keys = { KEY },
      verify = "optional", ca = BIG })
    local cctx = assert(tls.context { mode = "client", ca = E.CERT, certificate = BIG, key = BIGKEY })
    local c = assert(tls.engine(cctx, { servername = "localhost" }))
    local s = assert(tls.engine(sctx))
    E.handshake(c, s)
    assert(s:verifiedchain())
    assert(s:write("tickets"))
    E.pump(s, c, { strict = true })
    assert.equal("tickets", c:read())
    local r, rs = E.resume(cctx, sctx, assert(c:session()))
    assert.is_true(rs:status().handshake_done, tostring(rs:error()))
    assert.is_true(rs:info().resumed)
    assert.same({ nil, "the session was resumed, and it holds no certificate of the peer (none was sent when the "
      .. "session was made, or one too large to keep in it, over 16384 bytes): this connection received no chain "
      .. "and verified none" }, { rs:verifiedchain() })
    assert.is_true(r:info().resumed)
  end)
end)

-- I4: the TLS 1.2 sentence of a server none of whose pairs fits named an
-- ECDSA key "on a curve the client does not name" without the groups the
-- client does name.
describe("review41a I4: TLS 1.2, several pairs, an ECDSA key on a curve the client leaves out", function()
  local c = require("spec.support.certs").get()
  local function pair(leaf) return { certificate = leaf.cert, key = leaf.key } end

  local function refused(pairs, copts)
    return E.refusal({ certificates = pairs }, E.merge({ ca = c.ca, max_version = "TLSv1.2" }, copts))
  end

  it("names the groups the client offers when no key fits its suites", function()
    assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites are for ECDSA and "
      .. "Ed25519 keys (ECDHE_ECDSA), and our keys are ECDSA on secp256r1 (a curve the client does not name), RSA "
      .. "2048 bits; the groups it names are x25519, secp384r1",
      refused({ pair(c.leaf.ecdsa_p256), pair(c.leaf.rsa2048) },
        { ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256", groups = "x25519:secp384r1" }))
  end)

  it("names them too when another key fits the suites but not the signatures", function()
    assert.equal("none of our 2 certificates for localhost fits this client: its TLS 1.2 suites fit only our "
      .. "Ed25519 key, which signs with none of the signatures it accepts (ecdsa_secp256r1_sha256, "
      .. "rsa_pss_rsae_sha256); it names the curve of none of our other ECDSA keys (its groups are x25519)",
      refused({ pair(c.leaf.ecdsa_p256), pair(c.leaf.ed25519) },
        { groups = "x25519", sigalgs = "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256" }))
  end)
end)

-- I1: the limits of 32 post-handshake messages count those without
-- application data between them, not over the connection's life (reset in
-- tls_dispatch.c on each non-empty data record; KeyUpdates also on our own
-- writes). KeyUpdate: spec/record_rules_spec.lua tests rounds of 32; here
-- the long idle connection of the review. TLS 1.2 renegotiation requests
-- (a HelloRequest to a client, a ClientHello to a server) share the count and
-- had no test of it.
describe("review41a I1: post-handshake messages counted between data records", function()
  local B = require "spec.support.tlsbytes"
  local P = require "spec.support.tlsbytes_post"
  local T = require "spec.support.tls12_peer"
  local KU_FLOOD = "peer sent more than 32 KeyUpdate messages without application data in between"
  local RENEG_FLOOD = "peer asked to renegotiate more than 32 times without application data in between"

  it("TLS 1.3: 40 KeyUpdates, each followed by data, are taken; 33 in a row are not", function()
    local sv, fake = E.scripted_handshake()
    for i = 1, 40 do
      assert(sv:feed(P.client_key_update(fake, false) .. fake:seal(fake.client_ap, B.CT.application_data, "d" .. i)))
      assert.equal("d" .. i, sv:read())
    end
    assert.equal("", sv:output())
    for _ = 1, 32 do assert(sv:feed(P.client_key_update(fake, false))) end
    local ok, msg = sv:feed(P.client_key_update(fake, false))
    E.assert_failed(sv, ok, msg, "unexpected_message", KU_FLOOD)
  end)

  local HELLO_REQUEST = B.handshake(T.HS.hello_request, "")

  -- every record c wrote is a warning no_renegotiation
  local function all_no_renegotiation(fake, bytes, n)
    local recs = B.parse_records(bytes)
    assert.equal(n, #recs)
    for _, r in ipairs(recs) do assert.equal("\1\100", fake:open(r)) end
  end

  it("TLS 1.2 client: 40 HelloRequests, each followed by data, are refused with a warning and the connection goes on",
    function()
    local c, fake = E.client12()
    for i = 1, 40 do
      assert(c:feed(fake:seal(B.CT.handshake, HELLO_REQUEST) .. fake:seal(B.CT.application_data, "d" .. i)))
      assert.equal("d" .. i, c:read())
      all_no_renegotiation(fake, c:output(), 1)
    end
    assert.is_false(c:status().failed)
  end)

  it("TLS 1.2 client: 32 HelloRequests in a row are answered, the 33rd is unexpected_message", function()
    local c, fake = E.client12()
    local flood = {}
    for i = 1, 32 do flood[i] = fake:seal(B.CT.handshake, HELLO_REQUEST) end
    assert(c:feed(table.concat(flood)))
    all_no_renegotiation(fake, c:output(), 32)
    local ok, msg = c:feed(fake:seal(B.CT.handshake, HELLO_REQUEST))
    E.assert_failed(c, ok, msg, "unexpected_message", RENEG_FLOOD)
  end)

  -- Our TLS 1.2 server and the scripted client.
  local function server12()
    local s = E.server_engine()
    local fake = T.client()
    assert(s:feed(fake:hello()))
    fake:server_flight(s:output())
    assert(s:feed(fake:key_exchange()))
    local recs = B.parse_records(s:output())
    assert(fake:open(recs[2]))
    assert.is_true(s:info().handshake_done)
    return s, fake
  end
  local CH = B.client_hello { versions = false, shares = false, suites = { 0xc02b } }

  it("TLS 1.2 server: 40 renegotiating ClientHellos, each followed by data, are refused and the connection goes on",
    function()
    local s, fake = server12()
    for i = 1, 40 do
      assert(s:feed(fake:seal(B.CT.handshake, CH) .. fake:seal(B.CT.application_data, "d" .. i)))
      assert.equal("d" .. i, s:read())
      all_no_renegotiation(fake, s:output(), 1)
    end
    assert.is_false(s:status().failed)
  end)

  it("TLS 1.2 server: 33 renegotiating ClientHellos in a row are unexpected_message", function()
    local s, fake = server12()
    local flood = {}
    for i = 1, 32 do flood[i] = fake:seal(B.CT.handshake, CH) end
    assert(s:feed(table.concat(flood)))
    all_no_renegotiation(fake, s:output(), 32)
    local ok, msg = s:feed(fake:seal(B.CT.handshake, CH))
    E.assert_failed(s, ok, msg, "unexpected_message", RENEG_FLOOD)
  end)
end)
