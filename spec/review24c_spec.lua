-- review24c: security checks that worked but that no spec tested (F1-F4 of
-- the review): the TLS 1.2 Finished's length on both sides, the TLS 1.2
-- client's null compression, the RSA premaster's ciphertext-length guard and
-- the record sequence number that must never wrap.
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"
local B = require "spec.support.tlsbytes"
local child = require "spec.support.luachild"
local I = require("tls.core")._internal

-- F1. A Finished of the wrong length, under the right keys, whose first
-- bytes are the right verify_data: 11 bytes would hand a NULL to the
-- comparison without the length check (a crash, hence a child process), 13
-- would be taken for a good Finished. The child prints what the engine
-- said and the alert it sent (opened, for the client's protected one).
local FINISHED = [[
local E = require "spec.support.engines"
local T = require "spec.support.tls12_peer"
local B = require "spec.support.tlsbytes"
local I = require("tls.core")._internal
n = tonumber(n)
local function fit(vd) return vd:sub(1, math.min(n, #vd)) .. ("\0"):rep(n - #vd) end
local engine, ok, msg, sent
if side == "server" then
   engine = E.server_engine { max_version = "TLSv1.2" }
   local fake = T.client()
   assert(engine:feed(fake:hello()))
   fake:server_flight(engine:output())
   local cke = B.handshake(T.HS.client_key_exchange, B.vec(1, fake.pub))
   fake:add(cke)
   fake:derive(assert(I.kex_x25519(fake.priv, fake.server_point)))
   local vd = assert(I.tls12_finished("sha256", fake.master, false, fake:transcript_hash()))
   ok, msg = engine:feed(B.record(B.CT.handshake, cke) .. B.record(B.CT.ccs, "\1")
      .. fake:seal(B.CT.handshake, B.handshake(T.HS.finished, fit(vd))))
   local recs = B.parse_records(engine:output())
   sent = #recs == 1 and recs[1].type == B.CT.alert and recs[1].body or "?"
else
   engine = E.client_engine { max_version = "TLSv1.2" }
   assert(engine:start())
   local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY }
   assert(engine:feed(fake:answer(engine:output())))
   fake:client_flight(engine:output())
   assert(fake.client_finished_ok)
   local vd = assert(I.tls12_finished("sha256", fake.master, true, fake:transcript_hash()))
   ok, msg = engine:feed(B.record(B.CT.ccs, "\1") .. fake:seal(B.CT.handshake, B.handshake(T.HS.finished, fit(vd))))
   local recs = B.parse_records(engine:output())
   sent = #recs == 1 and recs[1].type == B.CT.alert and fake:open(recs[1]) or "?"
end
local _, alert, from_peer = engine:error()
print(("result|%s|%s|%s|%s|%s"):format(tostring(ok), tostring(msg), tostring(alert), tostring(from_peer), B.hex(sent)))
]]

describe("review24c: a TLS 1.2 Finished of the wrong length", function()
  for _, case in ipairs {
    { side = "server", who = "our TLS 1.2 server", reason = "Finished has the wrong length" },
    { side = "client", who = "our TLS 1.2 client", reason = "Finished is malformed" },
  } do
    for _, n in ipairs { 11, 13 } do
      it(("to %s: %d bytes refused with decode_error"):format(case.who, n), function()
        local exited, out = child.run(FINISHED, { side = case.side, n = tostring(n) })
        assert.is_true(exited, out)
        local result = out:match("result|([^\n]*)")
        -- decode_error (50), fatal
        assert.equal(("nil|%s|decode_error|false|0232"):format(case.reason), result, out)
      end)
    end
  end
end)

-- F2. rfc5246#7.4.1.3: the compression method is one the client offered;
-- ours offers null only.
describe("review24c: the TLS 1.2 client", function()
  it("refuses a ServerHello that chose compression method 1 with illegal_parameter", function()
    local cl = E.client_engine { max_version = "TLSv1.2" }
    assert(cl:start())
    local fake = T.server { cert_pem = E.CERT, key_pem = E.KEY, flight = function(flight)
      -- header (4), version (2), random (32), empty session id (1), suite (2)
      local at = 4 + 2 + 32 + 1 + 2 + 1
      assert.equal(0, flight[1]:byte(at))
      flight[1] = flight[1]:sub(1, at - 1) .. "\1" .. flight[1]:sub(at + 1)
      return flight
    end }
    local ok, msg = cl:feed(fake:answer(cl:output()))
    E.assert_failed(cl, ok, msg, "illegal_parameter", "server chose compression method 1")
    -- the alert alone, no ClientKeyExchange
    assert.equal(B.hex(B.record(B.CT.alert, "\2\47")), B.hex(cl:output()))
  end)
end)

-- F3. A ciphertext shorter than the modulus must not be read past its end.
-- Its result is masked away whatever was read, so only the read itself
-- shows: the ciphertext is placed just before an inaccessible page, where a
-- read past it faults (a child process, then).
describe("review24c: the RSA premaster decryption", function()
  it("reads no byte past a ciphertext shorter than the modulus", function()
    local key = I.genkey("rsa")
    local exited, out = child.run([[
local I = require("tls.core")._internal
local pms, enc = I.rsa_premaster_encrypt(key, 0x0303)
assert(#enc == 256)
-- the fence itself lets the whole ciphertext be read
assert(I.rsa_premaster_decrypt(key, enc, 0x0303, true) == pms, "the fenced ciphertext did not decrypt")
for _, short in ipairs { enc:sub(2), enc:sub(1, 200), enc:sub(1, 1), "" } do
   local got = assert(I.rsa_premaster_decrypt(key, short, 0x0303, true))
   assert(#got == 48 and got ~= pms)
end
print("survived")
]], { key = key })
    assert.is_true(exited, out)
    assert.truthy(out:match("survived"), out)
  end)
end)

-- F4. rfc5246#6.1: sequence numbers "MUST NOT wrap"; rfc8446#5.3 likewise.
-- The last record sealed is the one numbered 2^64-2, checked byte for byte
-- against the reference AEAD of spec/support/refcrypto.c with the nonce and
-- additional data built here from the RFC text, and 2^64-1 is refused.
local R = require "refcrypto"
local SEQ_LAST = "\xff\xff\xff\xff\xff\xff\xff\xfe" -- 2^64-2, big-endian

-- The reference record for sequence number 2^64-2, in hex.
local function reference_gcm(version, key, iv, header, pt)
  if version == "1.2" then
    -- rfc5246#6.2.3.3: additional_data = seq_num + type + version + length;
    -- rfc5288#3: nonce = salt + nonce_explicit, sent before the ciphertext
    local aad = SEQ_LAST .. header:sub(1, 3) .. string.pack(">I2", #pt)
    return B.hex(SEQ_LAST .. R.seal("aes-128-gcm", key, iv .. SEQ_LAST, aad, pt))
  end
  -- rfc8446#5.3: nonce = iv XOR the sequence number padded on the left;
  -- #5.2: additional_data = the record header
  local padded = ("\0"):rep(4) .. SEQ_LAST
  local nonce = {}
  for i = 1, 12 do nonce[i] = string.char(iv:byte(i) ~ padded:byte(i)) end
  return B.hex(R.seal("aes-128-gcm", key, table.concat(nonce), header, pt))
end

describe("review24c: the record sequence number", function()
  local SUITE12 = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
  local key, salt = ("\x11"):rep(15) .. "\x7f", "\xa5\x5a\x01\x02"
  local EXHAUSTED = "record sequence number exhausted; the connection must end"

  it("TLS 1.2: 2^64-2 is sealed and opened, 2^64-1 refused", function()
    -- as Lua integers, 2^64-2 and 2^64-1 are -2 and -1
    local sealed = assert(I.tls12_seal(SUITE12, key, salt, -2, 23, "last"))
    assert.equal(reference_gcm("1.2", key, salt, "\23\3\3", "last"), B.hex(sealed))
    assert.equal("fffffffffffffffe", B.hex(sealed:sub(1, 8)))
    assert.equal("last", I.tls12_open(SUITE12, key, salt, -2, 23, sealed))
    assert.are.same({ nil, EXHAUSTED, "internal_error" }, { I.tls12_seal(SUITE12, key, salt, -1, 23, "wrap") })
    assert.are.same({ nil, EXHAUSTED, "internal_error" }, { I.tls12_open(SUITE12, key, salt, -1, 23, sealed) })
  end)

  it("TLS 1.3: 2^64-2 is sealed and opened, 2^64-1 refused", function()
    local suite, secret = "TLS_AES_128_GCM_SHA256", ("\x42"):rep(32)
    local header = "\23\3\3\0\21"
    local sealed = assert(I.seal(suite, secret, -2, header, "last\23"))
    local k, iv = assert(I.traffic_keys(suite, secret))
    assert.equal(reference_gcm("1.3", k, iv, header, "last\23"), B.hex(sealed))
    assert.equal("last\23", I.open(suite, secret, -2, header, sealed))
    assert.is_nil(I.open(suite, secret, -3, header, sealed))
    assert.are.same({ nil, EXHAUSTED, "internal_error" }, { I.seal(suite, secret, -1, header, "last\23") })
  end)
end)
