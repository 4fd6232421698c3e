-- Known-answer tests for the crypto layer, against RFC 8448 section 3
-- ("Simple 1-RTT Handshake", TLS_AES_128_GCM_SHA256 with x25519). Every
-- expected value below is copied from the RFC's trace, never from our output.
local I = require("tls.core")._internal

local function unhex(s)
  s = s:gsub("%s+", "")
  assert(#s % 2 == 0, "odd hex string")
  return (s:gsub("..", function(h) return string.char(tonumber(h, 16)) end))
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- Compare as hex so that a failure shows readable values.
local function same(expected_hex, got)
  assert.are.equal(hex(unhex(expected_hex)), got and hex(got))
end

local R = {
  client_private = "49 af 42 ba 7f 79 94 85 2d 71 3e f2 78 4b cb ca a7 91 1d e2 6a dc 56 42 cb 63 45 40 e7 ea 50 05",
  client_public = "99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c",
  server_private = "b1 58 0e ea df 6d d5 89 b8 ef 4f 2d 56 52 57 8c c8 10 e9 98 01 91 ec 8d 05 83 08 ce a2 16 a2 1e",
  server_public = "c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f",
  shared = "8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d",

  client_hello = [[
    01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83
    02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b 00 09 00 00 06 73 65 72 76 65 72 ff 01
    00 01 00 00 0a 00 14 00 12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23 00 00 00 33 00
    26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69
    1e 52 9a af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03 02 03 08 04 08 05 08 06 04 01
    05 01 06 01 02 01 04 02 05 02 06 02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01]],
  server_hello = [[
    02 00 00 56 03 03 a6 af 06 a4 12 18 60 dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e
    d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1
    56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04]],

  -- Transcript hashes at the points the key schedule uses them.
  th_server_hello = "86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8",
  th_certificate_verify = "ed b7 72 5f a7 a3 47 3b 03 1e c8 ef 65 a2 48 54 93 90 01 38 a2 b9 12 91 40 7d 79 51 a0 61 10 ed",
  th_server_finished = "96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a 00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 df 13",
  th_client_finished = "20 91 45 a9 6e e8 e2 a1 22 ff 81 00 47 cc 95 26 84 65 8d 60 49 e8 64 29 42 6d b8 7c 54 ad 14 3d",

  early = "33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 f9 2a",
  derived_early = "6f 26 15 a1 08 c7 02 c5 67 8f 54 fc 9d ba b6 97 16 c0 76 18 9c 48 25 0c eb ea c3 57 6c 36 11 ba",
  handshake = "1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac",
  master = "18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 29 19",
  client_hs = "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21",
  server_hs = "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38",
  client_ap = "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5",
  server_ap = "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43",
  exporter = "fe 22 f8 81 17 6e da 18 eb 8f 44 52 9e 67 92 c5 0c 9a 3f 89 45 2f 68 d8 ae 31 1b 43 09 d3 cf 50",
  resumption = "7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41 b0 bf da f8 6c c8 56 23 1f 2d 5a ba 46 c4 34 ec 19 6c",
  -- PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce 00 00, 32)
  ticket_psk = "4e cd 0e b6 ec 3b 4d 87 f5 d6 02 8f 92 2c a4 c5 85 1a 27 7f d4 13 11 c9 e6 2d 2c 94 92 e1 c4 f3",

  server_hs_key = "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc",
  server_hs_iv = "5d 31 3e b2 67 12 76 ee 13 00 0b 30",
  client_hs_key = "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01",
  client_hs_iv = "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f",
  server_ap_key = "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56",
  server_ap_iv = "cf 78 2b 88 dd 83 54 9a ad f1 e9 84",
  client_ap_key = "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51",
  client_ap_iv = "5b 78 92 3d ee 08 57 90 33 e5 23 d9",

  server_finished_key = "00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8",
  server_verify_data = "9b 9b 14 1d 90 63 37 fb d2 cb dc e7 1d f4 de da 4a b4 2c 30 95 72 cb 7f ff ee 54 54 b7 8f 07 18",
  client_finished_key = "b8 0a d0 10 15 fb 2f 0b d6 5f f7 d4 da 5d 6b f8 3f 84 82 1d 1f 87 fd c7 d3 c7 5b 5a 7b 42 d9 c4",
  client_verify_data = "a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2 ed d5 ce 61",

  -- {client} send handshake record: the client Finished under the client
  -- handshake keys (sequence number 0).
  client_finished_record = [[
    17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0 51 7f e9 b9 3c 7a 4b fc 44 d8
    7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c ae ac ab 68 67 d7 26 c4 05 46]],
  -- {client} send application_data record (client application keys, seq 0)
  -- and {server} send application_data record (server application keys,
  -- seq 1: the NewSessionTicket went first). Payload 00 01 02 ... 31.
  client_app_record = [[
    17 03 03 00 43 a2 3f 70 54 b6 2c 94 d0 af fa fe 82 28 ba 55 cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b 98
    19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62 92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21
    69 49 15 e4]],
  server_app_record = [[
    17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc 32 25 d0 5f 82 aa 1b 36 e3 0e
    fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8 fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1
    67 c2 95 5d]],
}

local SUITE = "TLS_AES_128_GCM_SHA256"

local function app_payload()
  local t = {}
  for i = 0, 0x31 do t[#t + 1] = string.char(i) end
  return table.concat(t)
end

describe("RFC 8448 section 3, simple 1-RTT handshake", function()
  describe("x25519 key exchange", function()
    it("gives the trace's shared secret from the client's side", function()
      same(R.shared, I.kex_x25519(unhex(R.client_private), unhex(R.server_public)))
    end)

    it("gives the same shared secret from the server's side", function()
      same(R.shared, I.kex_x25519(unhex(R.server_private), unhex(R.client_public)))
    end)
  end)

  describe("transcript hash", function()
    it("hashes ClientHello || ServerHello to the trace's value", function()
      same(R.th_server_hello, I.hash("sha256", unhex(R.client_hello) .. unhex(R.server_hello)))
    end)

    it("gives the same value when ClientHello was buffered before the hash was known", function()
      same(R.th_server_hello, I.transcript("sha256", unhex(R.client_hello), unhex(R.server_hello)))
    end)
  end)

  describe("key schedule", function()
    it("derives the early secret with no PSK", function()
      same(R.early, I.hkdf_extract("sha256", "", string.rep("\0", 32)))
    end)

    it("derives Derive-Secret(early, \"derived\", \"\")", function()
      same(R.derived_early, I.derive_secret("sha256", unhex(R.early), "derived", ""))
    end)

    it("extracts the handshake secret from the ECDHE secret", function()
      same(R.handshake, I.hkdf_extract("sha256", unhex(R.derived_early), unhex(R.shared)))
    end)

    it("derives the handshake traffic secrets from ClientHello..ServerHello", function()
      local msgs = unhex(R.client_hello) .. unhex(R.server_hello)
      same(R.client_hs, I.derive_secret("sha256", unhex(R.handshake), "c hs traffic", msgs))
      same(R.server_hs, I.derive_secret("sha256", unhex(R.handshake), "s hs traffic", msgs))
    end)

    it("produces every secret of the trace in one run", function()
      local k = assert(I.keyschedule(SUITE, unhex(R.shared), unhex(R.th_server_hello),
                                     unhex(R.th_server_finished), unhex(R.th_client_finished)))
      same(R.early, k.early)
      same(R.handshake, k.handshake)
      same(R.master, k.master)
      same(R.client_hs, k.client_hs)
      same(R.server_hs, k.server_hs)
      same(R.client_ap, k.client_ap)
      same(R.server_ap, k.server_ap)
      same(R.exporter, k.exporter)
      same(R.resumption, k.resumption)
    end)

    it("expands a label with a non-empty context (the ticket PSK)", function()
      same(R.ticket_psk, I.expand_label("sha256", unhex(R.resumption), "resumption", "\0\0", 32))
    end)
  end)

  describe("traffic keys", function()
    local cases = {
      { "server handshake", "server_hs", "server_hs_key", "server_hs_iv" },
      { "client handshake", "client_hs", "client_hs_key", "client_hs_iv" },
      { "server application", "server_ap", "server_ap_key", "server_ap_iv" },
      { "client application", "client_ap", "client_ap_key", "client_ap_iv" },
    }
    for _, c in ipairs(cases) do
      it("derives the " .. c[1] .. " write key and iv", function()
        local key, iv = I.traffic_keys(SUITE, unhex(R[c[2]]))
        same(R[c[3]], key)
        same(R[c[4]], iv)
      end)
    end
  end)

  describe("Finished", function()
    it("derives the finished keys", function()
      same(R.server_finished_key, I.expand_label("sha256", unhex(R.server_hs), "finished", "", 32))
      same(R.client_finished_key, I.expand_label("sha256", unhex(R.client_hs), "finished", "", 32))
    end)

    it("computes the server's verify_data over ClientHello..CertificateVerify", function()
      same(R.server_verify_data,
           I.finished("sha256", unhex(R.server_hs), unhex(R.th_certificate_verify)))
    end)

    it("computes the client's verify_data over ClientHello..server Finished", function()
      same(R.client_verify_data,
           I.finished("sha256", unhex(R.client_hs), unhex(R.th_server_finished)))
    end)
  end)

  describe("record protection", function()
    local function split(record_hex)
      local rec = unhex(record_hex)
      return rec:sub(1, 5), rec:sub(6)
    end
    local finished_inner = "\20\0\0\32" .. unhex(R.client_verify_data) .. "\22"

    it("seals the client Finished to the record on the wire", function()
      local header, body = split(R.client_finished_record)
      same(hex(body), I.seal(SUITE, unhex(R.client_hs), 0, header, finished_inner))
    end)

    it("opens the client Finished record", function()
      local header, body = split(R.client_finished_record)
      same(hex(finished_inner), I.open(SUITE, unhex(R.client_hs), 0, header, body))
    end)

    it("seals and opens the client's application data (sequence number 0)", function()
      local header, body = split(R.client_app_record)
      local inner = app_payload() .. "\23"
      same(hex(body), I.seal(SUITE, unhex(R.client_ap), 0, header, inner))
      same(hex(inner), I.open(SUITE, unhex(R.client_ap), 0, header, body))
    end)

    it("seals and opens the server's application data (sequence number 1)", function()
      local header, body = split(R.server_app_record)
      local inner = app_payload() .. "\23"
      same(hex(body), I.seal(SUITE, unhex(R.server_ap), 1, header, inner))
      same(hex(inner), I.open(SUITE, unhex(R.server_ap), 1, header, body))
    end)

    it("fails with bad record MAC when a ciphertext bit is flipped", function()
      local header, body = split(R.client_finished_record)
      local flipped = string.char(body:byte(1) ~ 0x01) .. body:sub(2)
      local pt, msg, alert = I.open(SUITE, unhex(R.client_hs), 0, header, flipped)
      assert.is_nil(pt)
      assert.are.equal("bad record MAC (record could not be authenticated)", msg)
      assert.are.equal("bad_record_mac", alert)
    end)

    it("fails with bad record MAC when the tag, header or sequence number is wrong", function()
      local header, body = split(R.client_finished_record)
      local key = unhex(R.client_hs)
      local bad_tag = body:sub(1, -2) .. string.char(body:byte(-1) ~ 0x80)
      local bad_header = header:sub(1, 4) .. string.char(header:byte(5) ~ 1)
      assert.are.equal("bad_record_mac", select(3, I.open(SUITE, key, 0, header, bad_tag)))
      assert.are.equal("bad_record_mac", select(3, I.open(SUITE, key, 0, bad_header, body)))
      assert.are.equal("bad_record_mac", select(3, I.open(SUITE, key, 1, header, body)))
      assert.are.equal("bad_record_mac", select(3, I.open(SUITE, key, 0, header, body:sub(1, 10))))
    end)

    it("refuses to use the last sequence number rather than wrap", function()
      local header = unhex("17 03 03 00 11")
      local ct, msg = I.seal(SUITE, unhex(R.client_ap), -1, header, "x")
      assert.is_nil(ct)
      assert.matches("sequence number", msg)
      assert.is_nil((I.open(SUITE, unhex(R.client_ap), -1, header, string.rep("\0", 17))))
    end)
  end)
end)

describe("crypto layer beyond the RFC 8448 trace", function()
  it("round-trips records with every TLS 1.3 suite", function()
    for _, suite in ipairs({ "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                             "TLS_CHACHA20_POLY1305_SHA256" }) do
      local hlen = suite:match("SHA384") and 48 or 32
      local secret = I.random(hlen)
      local header = unhex("17 03 03 00 20")
      for seq = 0, 3 do
        local inner = ("record %d"):format(seq):rep(3) .. "\23"
        local ct = assert(I.seal(suite, secret, seq, header, inner))
        assert.are.equal(#inner + 16, #ct)
        assert.are.equal(inner, I.open(suite, secret, seq, header, ct))
        assert.is_nil((I.open(suite, secret, seq + 1, header, ct)))
      end
    end
  end)

  it("uses SHA-384 for TLS_AES_256_GCM_SHA384", function()
    local key, iv = I.traffic_keys("TLS_AES_256_GCM_SHA384", string.rep("\1", 48))
    assert.are.equal(32, #key)
    assert.are.equal(12, #iv)
    local k = assert(I.keyschedule("TLS_AES_256_GCM_SHA384", string.rep("\2", 48),
                                   string.rep("\3", 48), string.rep("\4", 48)))
    assert.are.equal(48, #k.master)
  end)

  it("derives the next application traffic secret (KeyUpdate)", function()
    local secret = unhex(R.client_ap)
    assert.are.equal(I.expand_label("sha256", secret, "traffic upd", "", 32),
                     I.next_traffic_secret("sha256", secret))
  end)

  it("rewrites ClientHello1 as message_hash after a HelloRetryRequest", function()
    local ch1, rest = unhex(R.client_hello), unhex(R.server_hello)
    local synthetic = "\254\0\0\32" .. I.hash("sha256", ch1)
    assert.are.equal(hex(I.hash("sha256", synthetic .. rest)),
                     hex(I.transcript("sha256", ch1, rest, true)))
  end)

  describe("key exchange", function()
    for _, group in ipairs({ "x25519", "secp256r1", "secp384r1" }) do
      it("agrees on a shared secret over " .. group, function()
        local a, b, pub = I.kex_pair(group)
        assert.is_string(a)
        assert.are.equal(a, b)
        assert.are.equal(({ x25519 = 32, secp256r1 = 65, secp384r1 = 97 })[group], #pub)
        if group ~= "x25519" then assert.are.equal(4, pub:byte(1)) end
      end)
    end

    it("rejects an x25519 share that gives an all-zero secret", function()
      local s, msg, alert = I.kex_peer("x25519", string.rep("\0", 32))
      assert.is_nil(s)
      assert.matches("all%-zero", msg)
      assert.are.equal("illegal_parameter", alert)
    end)

    it("rejects shares of the wrong length", function()
      local s, msg, alert = I.kex_peer("x25519", string.rep("\9", 31))
      assert.is_nil(s)
      assert.matches("31 bytes", msg)
      assert.are.equal("illegal_parameter", alert)
      assert.are.equal("illegal_parameter", select(3, I.kex_peer("secp256r1", "\4" .. ("\1"):rep(32))))
    end)

    it("rejects compressed and off-curve points", function()
      local _, _, pub = I.kex_pair("secp256r1")
      local compressed = "\2" .. pub:sub(2)
      local s, msg, alert = I.kex_peer("secp256r1", compressed)
      assert.is_nil(s)
      assert.matches("uncompressed", msg)
      assert.are.equal("illegal_parameter", alert)
      local off_curve = pub:sub(1, -2) .. string.char(pub:byte(-1) ~ 1)
      s, msg, alert = I.kex_peer("secp256r1", off_curve)
      assert.is_nil(s)
      assert.matches("not a valid point", msg)
      assert.are.equal("illegal_parameter", alert)
      assert.is_nil((I.kex_peer("secp384r1", "\4" .. ("\0"):rep(96))))
    end)
  end)

  describe("CertificateVerify signatures", function()
    local msg = string.rep(" ", 64) .. "TLS 1.3, server CertificateVerify\0" .. ("\7"):rep(32)
    local cases = {
      { "ec-p256", "ecdsa_secp256r1_sha256" },
      { "ec-p384", "ecdsa_secp384r1_sha384" },
      { "rsa", "rsa_pss_rsae_sha256" },
      { "rsa", "rsa_pss_rsae_sha384" },
      { "rsa", "rsa_pss_rsae_sha512" },
      { "rsa-pss", "rsa_pss_pss_sha256" },
      { "ed25519", "ed25519" },
    }
    local keys = {}
    local function key(kind)
      keys[kind] = keys[kind] or assert(I.genkey(kind))
      return keys[kind]
    end
    for _, c in ipairs(cases) do
      it("signs and verifies with " .. c[2], function()
        local pem = key(c[1])
        local sig = assert(I.sign(pem, c[2], msg))
        assert.is_true(I.verify(pem, c[2], msg, sig))
        local ok, why, alert = I.verify(pem, c[2], msg .. "x", sig)
        assert.is_nil(ok)
        assert.are.equal("signature in CertificateVerify does not verify", why)
        assert.are.equal("decrypt_error", alert)
      end)
    end

    it("rejects a scheme that does not fit the key", function()
      local sig = assert(I.sign(key("ec-p256"), "ecdsa_secp256r1_sha256", msg))
      local ok, why, alert = I.verify(key("ec-p256"), "ecdsa_secp384r1_sha384", msg, sig)
      assert.is_nil(ok)
      assert.matches("does not fit", why)
      assert.are.equal("illegal_parameter", alert)
      assert.are.equal("illegal_parameter",
                       select(3, I.verify(key("rsa"), "ed25519", msg, sig)))
      assert.are.equal("illegal_parameter",
                       select(3, I.verify(key("rsa"), "rsa_pss_pss_sha256", msg, sig)))
      assert.are.equal("illegal_parameter",
                       select(3, I.verify(key("rsa"), "rsa_pkcs1_sha256", msg, sig)))
    end)

    it("fails on a malformed signature with decrypt_error", function()
      assert.are.equal("decrypt_error",
                       select(3, I.verify(key("ec-p256"), "ecdsa_secp256r1_sha256", msg, "junk")))
    end)
  end)
end)
